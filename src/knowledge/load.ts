import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import matter from 'gray-matter';
import { z } from 'zod';
import type { Article } from './types.js';

/** Body length bounds, in words, from the article format. */
export const BODY_WORDS = { min: 150, max: 400 } as const;
/** Bounds for the first paragraph, shown on its own as the short answer. */
export const SUMMARY_WORDS = { min: 10, max: 80 } as const;

const frontMatterSchema = z
  .object({
    slug: z
      .string()
      .regex(
        /^[a-z0-9]+(?:-[a-z0-9]+)*$/,
        'must be kebab-case (lowercase letters, digits and single hyphens)',
      ),
    title: z.string().trim().min(1, 'must not be empty'),
    tags: z.array(z.string().trim().min(1, 'must not be empty')).min(1, 'must list at least one tag'),
  })
  .strict();

/** Words as a reader counts them: markdown list markers and lone punctuation do not count. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word)).length;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/**
 * Parses and validates one article. Throws an Error naming the file and every reason it is invalid,
 * so a broken article stops the start with a message the writer can act on.
 */
export function parseArticle(file: string, source: string): Article {
  const fail = (reason: string): never => {
    throw new Error(`Invalid knowledge-base article ${file}: ${reason}`);
  };
  let parsed: matter.GrayMatterFile<string>;
  try {
    // An empty options object bypasses gray-matter's content cache, which would otherwise return a
    // stale result for identical input after a failed parse.
    parsed = matter(source, {});
  } catch (error) {
    return fail(`front matter is not valid YAML (${error instanceof Error ? error.message : String(error)})`);
  }
  if (Object.keys(parsed.data).length === 0)
    fail('missing front matter (slug, title, tags between --- lines)');
  const front = frontMatterSchema.safeParse(parsed.data);
  if (!front.success) return fail(describeIssues(front.error));
  const { slug, title, tags } = front.data;

  const body = parsed.content.trim().replace(/\r\n/g, '\n');
  const words = countWords(body);
  if (words < BODY_WORDS.min || words > BODY_WORDS.max) {
    fail(`body has ${words} words, expected ${BODY_WORDS.min}-${BODY_WORDS.max}`);
  }
  const summary = (body.split(/\n\s*\n/)[0] ?? '').trim();
  if (/^(#|[-*+] |\d+\. )/.test(summary)) fail('the first paragraph must be plain prose (the short answer)');
  const summaryWords = countWords(summary);
  if (summaryWords < SUMMARY_WORDS.min || summaryWords > SUMMARY_WORDS.max) {
    fail(`first paragraph has ${summaryWords} words, expected ${SUMMARY_WORDS.min}-${SUMMARY_WORDS.max}`);
  }
  return { slug, title: title.trim(), tags: tags.map((tag) => tag.trim()), summary, body, file };
}

/**
 * Loads every `*.md` article in `dir`, validated, in slug order. Throws on the first invalid article or
 * on two articles sharing a slug.
 */
export async function loadKnowledgeBase(dir: string): Promise<Article[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.md')).sort();
  const articles: Article[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    const article = parseArticle(file, await readFile(file, 'utf8'));
    const earlier = seen.get(article.slug);
    if (earlier !== undefined) {
      throw new Error(
        `Invalid knowledge-base article ${file}: duplicate slug "${article.slug}" (also in ${earlier})`,
      );
    }
    seen.set(article.slug, file);
    articles.push(article);
  }
  return articles.sort(compareSlugs);
}

/** Slug order, the order articles are listed in everywhere. */
export function compareSlugs(a: Pick<Article, 'slug'>, b: Pick<Article, 'slug'>): number {
  return a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0;
}

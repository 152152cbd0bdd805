import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Fields of a test article; the body defaults to a valid length. */
export interface ArticleFixture {
  slug?: string;
  title?: string;
  tags?: string[];
  summary?: string;
  /** Words appended after the summary, as a second paragraph. */
  moreWords?: number;
  /** Front matter written verbatim instead of the fields above. */
  frontMatter?: string;
}

/** Markdown for a test article, valid unless the fixture says otherwise. */
export function articleText(fixture: ArticleFixture = {}): string {
  const slug = fixture.slug ?? 'sample-topic';
  const front =
    fixture.frontMatter ??
    [
      `slug: ${slug}`,
      `title: ${fixture.title ?? 'A sample topic'}`,
      `tags: [${(fixture.tags ?? ['sample', 'example']).join(', ')}]`,
    ].join('\n');
  const summary =
    fixture.summary ??
    'A short answer that stands on its own and tells the reader the most useful thing about this sample topic in a few plain sentences.';
  const more = Array.from({ length: fixture.moreWords ?? 160 }, (_, i) => `word${i % 7}`).join(' ');
  return `---\n${front}\n---\n\n${summary}\n\n${more}\n`;
}

/** A temporary knowledge-base folder holding the given files; removed by `cleanup`. */
export async function tempKnowledgeBase(
  files: Record<string, string>,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kb-test-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

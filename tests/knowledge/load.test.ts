import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { loadKnowledgeBase, parseArticle } from '../../src/knowledge/load.js';
import { knowledgeBaseDir, projectRoot, topicsFile } from '../../src/knowledge/paths.js';
import { articleText, tempKnowledgeBase } from './fixtures.js';

const topicsSchema = z.array(
  z.object({ slug: z.string().min(1), title: z.string().min(1), covers: z.string().min(1) }).strict(),
);

async function loadError(files: Record<string, string>): Promise<Error> {
  const kb = await tempKnowledgeBase(files);
  try {
    await loadKnowledgeBase(kb.dir);
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  } finally {
    await kb.cleanup();
  }
  assert.fail('the knowledge base loaded although it is invalid');
}

describe('loadKnowledgeBase', () => {
  it('loads valid articles in slug order with the first paragraph as summary', async () => {
    const kb = await tempKnowledgeBase({
      'b-topic.md': articleText({ slug: 'b-topic', title: 'B topic', tags: ['bee', 'second'] }),
      'a-topic.md': articleText({
        slug: 'a-topic',
        title: 'A topic',
        summary: 'First paragraph here. '.repeat(5),
      }),
      'notes.txt': 'not an article',
    });
    try {
      const articles = await loadKnowledgeBase(kb.dir);
      assert.deepEqual(
        articles.map((article) => article.slug),
        ['a-topic', 'b-topic'],
      );
      const [first, second] = articles;
      assert.equal(first?.summary, 'First paragraph here. '.repeat(5).trim());
      assert.equal(first?.file, join(kb.dir, 'a-topic.md'));
      assert.ok(first?.body.startsWith(first.summary));
      assert.deepEqual(second?.tags, ['bee', 'second']);
      assert.equal(second?.title, 'B topic');
    } finally {
      await kb.cleanup();
    }
  });

  it('rejects an article without a slug, naming the file and the field', async () => {
    const error = await loadError({
      'nameless.md': articleText({ frontMatter: 'title: No slug\ntags: [a]' }),
    });
    assert.match(error.message, /nameless\.md/);
    assert.match(error.message, /slug/);
  });

  it('rejects a slug that is not kebab-case', async () => {
    const error = await loadError({ 'bad.md': articleText({ slug: 'Bad_Slug' }) });
    assert.match(error.message, /bad\.md/);
    assert.match(error.message, /slug: must be kebab-case/);
  });

  it('rejects empty tags and unknown front-matter keys', async () => {
    const noTags = await loadError({
      'no-tags.md': articleText({ frontMatter: 'slug: no-tags\ntitle: T\ntags: []' }),
    });
    assert.match(noTags.message, /no-tags\.md: tags: must list at least one tag/);
    const extra = await loadError({
      'extra.md': articleText({ frontMatter: 'slug: extra\ntitle: T\ntags: [a]\nauthor: someone' }),
    });
    assert.match(extra.message, /extra\.md/);
    assert.match(extra.message, /author/);
  });

  it('rejects front matter that is not valid YAML or missing altogether', async () => {
    const broken = await loadError({
      'broken.md': articleText({ frontMatter: 'slug: [unclosed\ntitle: T' }),
    });
    assert.match(broken.message, /broken\.md: front matter is not valid YAML/);
    const missing = await loadError({ 'plain.md': 'Just text without front matter.\n' });
    assert.match(missing.message, /plain\.md: missing front matter/);
  });

  it('rejects bodies outside 150-400 words, giving the count', async () => {
    const short = await loadError({ 'short.md': articleText({ slug: 'short', moreWords: 20 }) });
    assert.match(short.message, /short\.md: body has \d+ words, expected 150-400/);
    const long = await loadError({ 'long.md': articleText({ slug: 'long', moreWords: 420 }) });
    assert.match(long.message, /long\.md: body has \d+ words, expected 150-400/);
  });

  it('rejects a first paragraph that is a list instead of a short answer', async () => {
    const error = await loadError({
      'list.md': articleText({ slug: 'list', summary: '- one\n- two\n- three' }),
    });
    assert.match(error.message, /list\.md: the first paragraph must be plain prose/);
  });

  it('rejects two articles with the same slug, naming both files', async () => {
    const error = await loadError({
      'first.md': articleText({ slug: 'same-slug' }),
      'second.md': articleText({ slug: 'same-slug' }),
    });
    assert.match(error.message, /duplicate slug "same-slug"/);
    assert.match(error.message, /first\.md/);
    assert.match(error.message, /second\.md/);
  });

  it('parses one article from text', () => {
    const article = parseArticle('/kb/one.md', articleText({ slug: 'one', tags: ['x'] }));
    assert.equal(article.slug, 'one');
    assert.deepEqual(article.tags, ['x']);
  });
});

describe("the project's knowledge base", () => {
  it('is found from the source tree', () => {
    assert.equal(knowledgeBaseDir(), join(projectRoot(), 'knowledge-base'));
  });

  it('holds exactly one valid article per topic in topics.json, with its title', async () => {
    const file = topicsFile();
    const topics = topicsSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    assert.ok(topics.length >= 40, `expected the topic list in ${file}`);

    const articles = await loadKnowledgeBase(knowledgeBaseDir());
    assert.deepEqual(
      articles.map((article) => article.slug),
      topics.map(({ slug }) => slug).sort(),
    );
    for (const { slug, title } of topics) {
      assert.equal(articles.find((article) => article.slug === slug)?.title, title, `title of ${slug}`);
    }
  });
});

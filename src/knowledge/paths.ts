import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project root: the nearest folder above `from` that holds a package.json. Resolved by walking up
 * rather than by a fixed number of `..` so the same code works from `src/` under tsx and from a compiled
 * `dist/src/`.
 */
export function projectRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json found above ${from}`);
    dir = parent;
  }
}

/** The project's `knowledge-base/` folder. */
export function knowledgeBaseDir(): string {
  return join(projectRoot(), 'knowledge-base');
}

/**
 * The topic list the knowledge base must cover, one `{ slug, title, covers }` per article. JSON, so the
 * article loader (which reads every `*.md` in the folder) leaves it alone.
 */
export function topicsFile(): string {
  return join(knowledgeBaseDir(), 'topics.json');
}

/** The labelled development questions that retrieval is evaluated and benchmarked on. */
export function devDataFile(): string {
  return join(projectRoot(), 'tests', 'data', 'faq-dev.jsonl');
}

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

/** The labelled development questions, kept in `shared/` beside the project checkout. */
export function devDataFile(): string {
  return resolve(projectRoot(), '..', 'shared', 'data', 'faq-dev.jsonl');
}

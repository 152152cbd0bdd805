/**
 * `npm run bench [-- section ...]`: runs the benchmark sections in `src/cli/bench/` and prints their
 * figures. Targets are ratios or absolute rates measured within one run, never timed tests.
 */
import { readdir } from 'node:fs/promises';
import { basename } from 'node:path';

/** A benchmark section: prints its own figures and returns when done. */
export interface BenchSection {
  run(): Promise<void>;
}

const sectionDir = new URL('./bench/', import.meta.url);
const available = (await readdir(sectionDir))
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .map((file) => basename(file, '.ts'))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`Unknown bench section(s): ${unknown.join(', ')}. Available: ${available.join(', ')}`);
  process.exit(2);
}

for (const name of wanted.length > 0 ? wanted : available) {
  console.log(`\n== ${name} ==`);
  const section = (await import(new URL(`${name}.ts`, sectionDir).href)) as BenchSection;
  await section.run();
}

/**
 * `npm run faq -- [--json] [--kb DIR] "question" ["question" ...]` answers questions from the knowledge
 * base; `--batch FILE` answers every line of FILE as one JSON object per line, in order. Programs reading
 * the JSON run it as `npm run -s faq -- --json ...`, so npm's own script banner stays off stdout.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadKnowledgeBase } from '../knowledge/load.js';
import { knowledgeBaseDir } from '../knowledge/paths.js';
import { createKnowledgeSource } from '../knowledge/retrieval.js';
import type { KnowledgeAnswer } from '../knowledge/types.js';
import { exitWithUsage } from './usage.js';

const USAGE = `Usage: npm run faq -- [--json] [--kb DIR] "question" ["question" ...]
       npm run faq -- [--kb DIR] --batch FILE

  --json        print one JSON object per question: {"slug", "title", "score", "answer"};
                with npm run -s, stdout holds nothing else
  --batch FILE  answer every line of FILE, one JSON object per line, in the same order
  --kb DIR      read the articles from DIR instead of the project's knowledge-base/`;

const OUT_OF_SCOPE =
  "Sorry, I don't have an answer to that in our help articles. " +
  "A person can help: say 'talk to a person' and I will connect you, or open a support ticket.";

function parse(): { json: boolean; batch: string | undefined; kb: string; questions: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        json: { type: 'boolean', default: false },
        batch: { type: 'string' },
        kb: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
    });
  } catch (error) {
    return exitWithUsage(error instanceof Error ? error.message : String(error), USAGE);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (values.batch !== undefined && positionals.length > 0)
    exitWithUsage('Give either --batch FILE or questions, not both.', USAGE);
  if (values.batch === undefined && positionals.length === 0) exitWithUsage('No question given.', USAGE);
  if (positionals.some((question) => question.trim() === ''))
    exitWithUsage('A question must not be empty.', USAGE);
  return {
    json: values.json,
    batch: values.batch,
    kb: values.kb ?? knowledgeBaseDir(),
    questions: positionals,
  };
}

function toJson(answer: KnowledgeAnswer): string {
  return JSON.stringify({
    slug: answer.slug,
    title: answer.title,
    score: answer.score,
    answer: answer.answer,
  });
}

function toText(answer: KnowledgeAnswer): string {
  return answer.slug === null ? OUT_OF_SCOPE : `${answer.title}\n\n${answer.answer}`;
}

const options = parse();
let lines: string[] | undefined;
if (options.batch !== undefined) {
  try {
    // A final newline ends the last question rather than adding an empty one.
    const text = await readFile(options.batch, 'utf8');
    lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  } catch (error) {
    exitWithUsage(
      `Cannot read ${options.batch}: ${error instanceof Error ? error.message : String(error)}`,
      USAGE,
    );
  }
}

let source;
try {
  source = createKnowledgeSource(await loadKnowledgeBase(options.kb));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

if (lines !== undefined) {
  process.stdout.write(lines.map((line) => `${toJson(source.answer(line))}\n`).join(''));
} else if (options.json) {
  for (const question of options.questions) process.stdout.write(`${toJson(source.answer(question))}\n`);
} else {
  process.stdout.write(
    `${options.questions.map((question) => toText(source.answer(question))).join('\n\n---\n\n')}\n`,
  );
}

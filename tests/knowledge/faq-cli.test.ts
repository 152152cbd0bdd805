import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { projectRoot } from '../../src/knowledge/paths.js';
import { articleText, tempKnowledgeBase } from './fixtures.js';
import { suiteTempDir } from '../support/temp-dir.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: projectRoot(), timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

function faq(...args: string[]): Promise<Run> {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/faq.ts', ...args]);
}

const answerLine = z
  .object({
    slug: z.string().nullable(),
    title: z.string().nullable(),
    score: z.number(),
    answer: z.string().nullable(),
  })
  .strict();

function jsonLines(stdout: string): z.infer<typeof answerLine>[] {
  assert.ok(stdout.endsWith('\n'), 'output ends with a newline');
  return stdout
    .slice(0, -1)
    .split('\n')
    .map((line) => answerLine.parse(JSON.parse(line)));
}

describe('npm run faq', () => {
  const inDir = suiteTempDir('faq-cli-');

  it('--json prints exactly one JSON object per question', async () => {
    const run = await faq(
      '--json',
      'my basement flooded, am I covered?',
      'how much does home insurance cost',
    );
    assert.equal(run.code, 0, run.stderr);
    const [flood, price, ...rest] = jsonLines(run.stdout);
    assert.equal(rest.length, 0);
    assert.equal(flood?.slug, 'flood-earthquake');
    assert.equal(flood?.title, 'Flood and earthquake');
    assert.ok((flood?.answer ?? '').length > 0);
    assert.deepEqual({ ...price, score: 0 }, { slug: null, title: null, score: 0, answer: null });
  });

  it('through npm run -s, --json output is pure JSON', async () => {
    const result = await run('npm', ['run', '-s', 'faq', '--', '--json', 'what is a deductible']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      jsonLines(result.stdout).map((answer) => answer.slug),
      ['deductible'],
    );
  });

  it('--batch answers every line of a file in order, one JSON object per line', async () => {
    const file = inDir('questions.txt');
    await writeFile(
      file,
      'how do I appeal a denied claim\nwhat is the capital of France\n\nwhat is a deductible\n',
    );
    const run = await faq('--batch', file);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      jsonLines(run.stdout).map((answer) => answer.slug),
      ['claim-denied-appeal', null, null, 'deductible'],
    );
  });

  it('prints the title and short answer, or offers a person when out of scope', async () => {
    const run = await faq('what is a deductible', 'what is the capital of France');
    assert.equal(run.code, 0, run.stderr);
    const [inScope, outOfScope, ...rest] = run.stdout.split('\n\n---\n\n');
    assert.equal(rest.length, 0);
    assert.match(inScope ?? '', /^What a deductible is\n\nA deductible is /);
    assert.match(outOfScope ?? '', /talk to a person/);
  });

  it('exits with 2 and the usage for bad arguments', async () => {
    const runs = await Promise.all([
      faq(),
      faq('--nope', 'question'),
      faq('--batch', inDir('questions.txt'), 'and a question'),
      faq('--batch', inDir('missing.txt')),
      faq('--json', ''),
    ]);
    for (const run of runs) {
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /Usage: npm run faq/);
    }
    assert.match(runs[3]?.stderr ?? '', /Cannot read .*missing\.txt/);
  });

  it('exits with 1 naming the file when an article is invalid', async () => {
    const kb = await tempKnowledgeBase({ 'broken.md': articleText({ slug: 'broken', moreWords: 3 }) });
    try {
      const run = await faq('--kb', kb.dir, 'anything');
      assert.equal(run.code, 1);
      assert.match(run.stderr, /broken\.md: body has \d+ words/);
    } finally {
      await kb.cleanup();
    }
  });
});

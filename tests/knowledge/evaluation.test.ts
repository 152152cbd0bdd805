import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  evaluate,
  evaluationTargets,
  missedTargets,
  readLabelledQuestions,
  splitQuestions,
} from '../../src/knowledge/evaluate.js';
import { loadKnowledgeBase } from '../../src/knowledge/load.js';
import { devDataFile, knowledgeBaseDir } from '../../src/knowledge/paths.js';
import { createKnowledgeSource } from '../../src/knowledge/retrieval.js';
import type { KnowledgeAnswer, KnowledgeSource } from '../../src/knowledge/types.js';

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

describe('evaluation on the labelled development questions', () => {
  it('meets the targets for top-1 accuracy, out-of-scope recall and wrong refusals', async () => {
    const file = devDataFile();
    assert.ok(existsSync(file), `The labelled questions are missing: expected ${file}`);
    const questions = await readLabelledQuestions(file);
    assert.ok(questions.length >= 100, `expected at least 100 labelled questions in ${file}`);

    const result = evaluate(createKnowledgeSource(await loadKnowledgeBase(knowledgeBaseDir())), questions);
    const summary =
      `top-1 ${percent(result.top1)} (target ${percent(evaluationTargets.top1)}), ` +
      `out-of-scope recall ${percent(result.outOfScopeRecall)} (target ${percent(evaluationTargets.outOfScopeRecall)}), ` +
      `wrong refusals ${percent(result.wrongRefusalRate)} (target at most ${percent(evaluationTargets.wrongRefusalRate)})`;
    assert.deepEqual(missedTargets(result), [], summary);
  });
});

describe('evaluate', () => {
  const answer = (slug: string | null): KnowledgeAnswer => ({
    slug,
    title: slug,
    score: 1,
    answer: slug,
    matches:
      slug === null ? [{ slug: 'ranked-first', title: 't', score: 1 }] : [{ slug, title: slug, score: 1 }],
  });
  const stub = (answers: Record<string, string | null>): KnowledgeSource => ({
    search: () => [],
    answer: (question) => answer(answers[question] ?? null),
    article: () => undefined,
    articles: () => [],
  });

  it('counts refusals as misses in top-1, and separates wrong refusals from out-of-scope recall', () => {
    const questions = [
      { line: 1, question: 'q1', slug: 'a' },
      { line: 2, question: 'q2', slug: 'b' },
      { line: 3, question: 'q3', slug: 'ranked-first' },
      { line: 4, question: 'q4', slug: 'c' },
      { line: 5, question: 'q5', slug: null },
      { line: 6, question: 'q6', slug: null },
    ];
    const result = evaluate(stub({ q1: 'a', q2: 'x', q3: null, q4: 'c', q5: null, q6: 'a' }), questions);
    assert.equal(result.inScope, 4);
    assert.equal(result.outOfScope, 2);
    assert.equal(result.top1, 2 / 4);
    assert.equal(result.rankedTop1, 3 / 4);
    assert.equal(result.wrongRefusalRate, 1 / 4);
    assert.equal(result.outOfScopeRecall, 1 / 2);
    assert.deepEqual(
      result.misses.map((miss) => miss.line),
      [2, 3, 6],
    );
    assert.deepEqual(missedTargets(result), [
      'top-1 accuracy 50.0% < 85.0%',
      'out-of-scope recall 50.0% < 60.0%',
      'wrong-refusal rate 25.0% > 10.0%',
    ]);
  });

  it('splits by line number into a tuning half (even lines) and a held-out half (odd lines)', () => {
    const questions = [1, 2, 3, 4, 5].map((line) => ({ line }));
    assert.deepEqual(
      splitQuestions(questions, 'tuning').map((q) => q.line),
      [2, 4],
    );
    assert.deepEqual(
      splitQuestions(questions, 'held-out').map((q) => q.line),
      [1, 3, 5],
    );
    assert.equal(splitQuestions(questions, 'all').length, 5);
  });

  it('reports a missing file clearly', async () => {
    await assert.rejects(
      readLabelledQuestions('/nonexistent/faq-dev.jsonl'),
      /Cannot read the labelled questions/,
    );
  });
});

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  crossValidate,
  evaluate,
  evaluationTargets,
  fitScope,
  foldsOf,
  missedTargets,
  readLabelledQuestions,
} from '../../src/knowledge/evaluate.js';
import { loadKnowledgeBase } from '../../src/knowledge/load.js';
import { devDataFile, knowledgeBaseDir } from '../../src/knowledge/paths.js';
import { createKnowledgeSource, KnowledgeIndex } from '../../src/knowledge/retrieval.js';
import { defaultScopeModel } from '../../src/knowledge/scope-model.js';
import type { KnowledgeAnswer, KnowledgeSource } from '../../src/knowledge/types.js';

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

describe('evaluation on the labelled development questions', () => {
  it('meets the targets cross-validated: the scope model fitted on four folds, scored on the fifth', async () => {
    const file = devDataFile();
    assert.ok(existsSync(file), `The labelled questions are missing: expected ${file}`);
    const questions = await readLabelledQuestions(file);
    assert.ok(questions.length >= 100, `expected at least 100 labelled questions in ${file}`);

    const articles = await loadKnowledgeBase(knowledgeBaseDir());
    const index = createKnowledgeSource(articles);
    const result = crossValidate(
      questions,
      (training) => new KnowledgeIndex(articles, { scope: fitScope(index, training) }),
    );
    const figures = {
      top1: result.top1.mean,
      outOfScopeRecall: result.outOfScopeRecall.mean,
      wrongRefusalRate: result.wrongRefusalRate.mean,
    };
    const summary =
      `top-1 ${percent(figures.top1)} (target ${percent(evaluationTargets.top1)}), ` +
      `out-of-scope recall ${percent(figures.outOfScopeRecall)} (target ${percent(evaluationTargets.outOfScopeRecall)}), ` +
      `wrong refusals ${percent(figures.wrongRefusalRate)} (target at most ${percent(evaluationTargets.wrongRefusalRate)})`;
    assert.deepEqual(missedTargets(figures), [], summary);
  });

  it('ships the scope model fitted on every labelled question', async () => {
    const questions = await readLabelledQuestions(devDataFile());
    const fitted = fitScope(createKnowledgeSource(await loadKnowledgeBase(knowledgeBaseDir())), questions);
    assert.equal(fitted.threshold, defaultScopeModel.threshold);
    assert.equal(fitted.weights.length, defaultScopeModel.weights.length);
    fitted.weights.forEach((weight, i) => {
      assert.ok(
        Math.abs(weight - (defaultScopeModel.weights[i] ?? NaN)) < 1e-3,
        `weight ${i}: refit gives ${weight}`,
      );
    });
    assert.ok(Math.abs(fitted.bias - defaultScopeModel.bias) < 1e-3, `bias: refit gives ${fitted.bias}`);
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
      'top-1 accuracy 50.0% < 86.0%',
      'out-of-scope recall 50.0% < 68.0%',
      'wrong-refusal rate 25.0% > 7.0%',
    ]);
  });

  it('deals questions into seeded folds: a partition, the same on every run, sizes within one', () => {
    const items = Array.from({ length: 23 }, (_, i) => i);
    const folds = foldsOf(items, 5, 7);
    assert.deepEqual(foldsOf(items, 5, 7), folds);
    assert.notDeepEqual(foldsOf(items, 5, 8), folds);
    assert.deepEqual(
      folds.flat().sort((a, b) => a - b),
      items,
    );
    const sizes = folds.map((fold) => fold.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, String(sizes));
  });

  it('cross-validates by fitting on the other folds and scoring each fold once', () => {
    const questions = Array.from({ length: 10 }, (_, i) => ({ line: i + 1, question: `q${i}`, slug: 'a' }));
    const trainingSizes: number[] = [];
    const result = crossValidate(
      questions,
      (training) => {
        trainingSizes.push(training.length);
        return stub(Object.fromEntries(training.map((item) => [item.question, 'a'])));
      },
      { folds: 5, seed: 1 },
    );
    // A source fitted without a fold's questions answers none of them here.
    assert.deepEqual(trainingSizes, [8, 8, 8, 8, 8]);
    assert.equal(result.folds.length, 5);
    assert.equal(result.top1.mean, 0);
    assert.equal(result.wrongRefusalRate.mean, 1);
    assert.equal(result.misses.length, 10);
  });

  it('reports a missing file clearly', async () => {
    await assert.rejects(
      readLabelledQuestions('/nonexistent/faq-dev.jsonl'),
      /Cannot read the labelled questions/,
    );
  });
});

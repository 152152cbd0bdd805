/**
 * FAQ retrieval: accuracy on the labelled development questions, on the whole set (the scope model fitted
 * and scored on the same questions) and cross-validated (fitted on four folds, scored on the fifth), and
 * per-question latency, against a baseline of plain BM25 over the same articles that always answers with
 * its best match.
 */
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import MiniSearch from 'minisearch';
import {
  crossValidate,
  crossValidationSettings,
  evaluate,
  evaluationTargets,
  fitScope,
  readLabelledQuestions,
  type CrossValidation,
  type EvaluationResult,
  type FoldSpread,
} from '../../knowledge/evaluate.js';
import { loadKnowledgeBase } from '../../knowledge/load.js';
import { devDataFile, knowledgeBaseDir } from '../../knowledge/paths.js';
import { KnowledgeIndex } from '../../knowledge/retrieval.js';
import { defaultScopeModel } from '../../knowledge/scope-model.js';
import type { Article, KnowledgeMatch, KnowledgeSource } from '../../knowledge/types.js';
import { percentile } from '../percentile.js';

const ROUNDS = 5;

/** Plain BM25 with the library's own tokeniser: no stemming, synonyms, spelling or scope decision. */
function baseline(articles: readonly Article[]): KnowledgeSource {
  const search = new MiniSearch<Article>({
    idField: 'slug',
    fields: ['title', 'tags', 'body'],
    extractField: (article, field) => {
      const value = article[field as keyof Article];
      return Array.isArray(value) ? value.join(' ') : value;
    },
    searchOptions: { boost: { title: 3, tags: 2, body: 1 } },
  });
  search.addAll([...articles]);
  const bySlug = new Map(articles.map((article) => [article.slug, article]));
  const rank = (question: string): KnowledgeMatch[] =>
    search.search(question).map((result) => {
      const article = bySlug.get(String(result.id)) as Article;
      return { slug: article.slug, title: article.title, score: result.score };
    });
  return {
    search: (question, limit = 5) => rank(question).slice(0, limit),
    answer: (question) => {
      const matches = rank(question).slice(0, 5);
      const best = matches[0] === undefined ? undefined : bySlug.get(matches[0].slug);
      return best === undefined
        ? { slug: null, title: null, score: 0, answer: null, matches }
        : {
            slug: best.slug,
            title: best.title,
            score: matches[0]?.score ?? 0,
            answer: best.summary,
            matches,
          };
    },
    article: (slug) => bySlug.get(slug),
    articles: () => articles,
  };
}

const percent = (value: number): string => `${(value * 100).toFixed(1).padStart(5)}%`;

function line(name: string, result: EvaluationResult): string {
  return (
    `${name.padEnd(20)} n=${String(result.questions).padStart(3)}  ` +
    `top-1 ${percent(result.top1)}  ranked top-1 ${percent(result.rankedTop1)}  ` +
    `out-of-scope recall ${percent(result.outOfScopeRecall)}  wrong refusals ${percent(result.wrongRefusalRate)}`
  );
}

function folded(name: string, result: CrossValidation): string {
  const spread = (value: FoldSpread): string =>
    `${percent(value.mean)} ± ${(value.sd * 100).toFixed(1)} [${(value.min * 100).toFixed(1)}–${(value.max * 100).toFixed(1)}]`;
  return (
    `${name.padEnd(20)} n=${String(result.folds.reduce((sum, fold) => sum + fold.questions, 0)).padStart(3)}  ` +
    `top-1 ${spread(result.top1)}  out-of-scope recall ${spread(result.outOfScopeRecall)}  ` +
    `wrong refusals ${spread(result.wrongRefusalRate)}`
  );
}

export async function run(): Promise<void> {
  const articles = await loadKnowledgeBase(knowledgeBaseDir());
  const questions = await readLabelledQuestions(devDataFile());

  // The first build also loads the English word list once per process; later builds show the index alone.
  const builds: number[] = [];
  let index: KnowledgeIndex | undefined;
  for (let i = 0; i < ROUNDS; i += 1) {
    const start = performance.now();
    index = new KnowledgeIndex(articles);
    index.answer('warm up');
    builds.push(performance.now() - start);
  }
  const source = index as KnowledgeIndex;
  const plain = baseline(articles);

  console.log(
    `targets (cross-validated means): top-1 >= ${percent(evaluationTargets.top1)}, out-of-scope recall >= ` +
      `${percent(evaluationTargets.outOfScopeRecall)}, wrong refusals <= ${percent(evaluationTargets.wrongRefusalRate)}`,
  );
  console.log(line('retrieval all', evaluate(source, questions)));
  const cv = crossValidate(
    questions,
    (training) => new KnowledgeIndex(articles, { scope: fitScope(source, training) }),
  );
  console.log(folded(`retrieval ${crossValidationSettings.folds}-fold`, cv));
  console.log(line('baseline all', evaluate(plain, questions)));
  // The stored scope model is the fit on every question; a difference means it needs refitting.
  const refit = fitScope(source, questions);
  console.log(
    isDeepStrictEqual(refit, defaultScopeModel)
      ? 'scope model: the stored model is the fit on all questions'
      : `scope model: the stored model differs from the fit on all questions, which is ${JSON.stringify(refit)}`,
  );

  const timings = (answer: (question: string) => unknown): number[] => {
    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const { question } of questions) {
        const start = performance.now();
        answer(question);
        times.push(performance.now() - start);
      }
    }
    return times.sort((a, b) => a - b);
  };
  const ms = (value: number): string => `${value.toFixed(3)} ms`;
  for (const [name, times] of [
    ['retrieval', timings((question) => source.answer(question))],
    ['baseline', timings((question) => plain.answer(question))],
  ] as const) {
    console.log(
      `${name.padEnd(9)} latency per question over ${times.length}: p50 ${ms(percentile(times, 0.5))}  ` +
        `p95 ${ms(percentile(times, 0.95))}  p99 ${ms(percentile(times, 0.99))}  (target p95 < 5 ms)`,
    );
  }
  console.log(
    `index build: first ${ms(builds[0] ?? 0)} (includes loading the word list), ` +
      `then ${ms(Math.min(...builds.slice(1)))} (${articles.length} articles)`,
  );
}

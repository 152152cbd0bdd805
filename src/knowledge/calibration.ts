import type { ScopeCue } from './scope.js';

/** What the out-of-scope decision looks at for a question and its best-ranked article. */
export interface ScopeSignals {
  /** Score of the best and second-best article (0 when absent). */
  score: number;
  second: number;
  /** IDF-weighted share of the question's terms that the best article contains. */
  coverage: number;
  /** IDF-weighted share of the question's terms that the best article's title and tags contain. */
  topicCoverage: number;
  /**
   * Summed IDF of the question's terms that the best article contains, halved for terms only in its body:
   * how specific the match is, where coverage alone rates "my claim" as fully covered.
   */
  matched: number;
  /** IDF-weighted share of the question's terms that no article contains. */
  unknown: number;
  /** How many distinct index terms the question has. */
  termCount: number;
  cues: readonly ScopeCue[];
  /** The question's words, lowercased, stop words kept ("how", "should" say what kind of question it is). */
  words: readonly string[];
}

/**
 * A logistic model of "an article answers this question": the chance is
 * `1 / (1 + exp(-(bias + weights · features + the weights of the question's words)))`, and the question is
 * answered when it reaches `threshold`. `weights` apply to {@link scopeFeatures}, in the order of
 * {@link scopeFeatureNames}.
 */
export interface ScopeModel {
  weights: readonly number[];
  /** Weights of the question's words; a word not listed weighs 0. */
  words: Readonly<Record<string, number>>;
  bias: number;
  threshold: number;
}

/** The out-of-scope cues, each a 0/1 feature whose weight the fit decides. */
const cueFeatures: readonly ScopeCue[] = ['price', 'company', 'region', 'tax', 'legal', 'product', 'advice'];

/** The names of the features, in model order. */
export const scopeFeatureNames: readonly string[] = [
  'coverage',
  'topic coverage',
  'log score',
  'margin',
  'log matched',
  'unknown share',
  'log terms',
  ...cueFeatures.map((cue) => `cue ${cue}`),
];

/**
 * The features of a question: how much of it the best article covers (in its body and in its title and
 * tags), how strong, specific and clear the match is (score, matched IDF mass, and the lead over the
 * second), how much of it the
 * articles never mention, its length, and which kinds of out-of-scope wording it contains.
 */
export function scopeFeatures(signals: ScopeSignals): number[] {
  const margin = signals.score === 0 ? 0 : (signals.score - signals.second) / signals.score;
  return [
    signals.coverage,
    signals.topicCoverage,
    Math.log1p(signals.score),
    margin,
    Math.log1p(signals.matched),
    signals.unknown,
    Math.log1p(signals.termCount),
    ...cueFeatures.map((cue) => (signals.cues.includes(cue) ? 1 : 0)),
  ];
}

/** The model's chance that an article answers a question with these signals. */
export function answerChance(model: ScopeModel, signals: ScopeSignals): number {
  const words = new Set(signals.words);
  let z = model.bias + dot(model.weights, scopeFeatures(signals));
  for (const word of words) z += Object.hasOwn(model.words, word) ? (model.words[word] ?? 0) : 0;
  return sigmoid(z);
}

/** One labelled question as the fit sees it. */
export interface ScopeSample {
  signals: ScopeSignals;
  /** The labelled article, or null when the question is out of scope. */
  expected: string | null;
  /** The best-ranked article. */
  best: string | null;
}

/**
 * Settings of the fit. The penalties, the word floor, the window and `outOfScopeWeight` were compared by
 * cross-validation on the development questions (a handful of values each), not fitted per fold.
 */
const FIT = {
  iterations: 1000,
  learningRate: 0.3,
  /** The words learn faster: each is a rare 0/1 feature, where the others are standardised. */
  wordLearningRate: 0.9,
  /** L2 penalties: the dense features are few and standardised; a word is seen by a few questions. */
  l2: 0.01,
  wordL2: 0.005,
  /** A word counts only when at least this many training questions contain it. */
  minWordCount: 3,
  /** Inner folds whose out-of-fold chances choose the threshold. */
  thresholdFolds: 4,
  /** Thresholds (in hundredths) on each side averaged when judging one. */
  thresholdWindow: 3,
  /**
   * What refusing an out-of-scope question is worth next to answering an in-scope one rightly: a wrong
   * refusal turns a customer away, while an answer to an out-of-scope question still points to a
   * related article.
   */
  outOfScopeWeight: 0.6,
} as const;

/**
 * Fits the model to labelled questions: logistic regression of "in scope" on the standardised features
 * and the question's words (full-batch gradient descent from zero, so the fit is deterministic), then
 * the threshold. The threshold is chosen on out-of-fold chances (inner folds over the same questions, in
 * line order), because in-sample chances are more confident than the model will be on new questions: it
 * answers the most questions rightly, counting an answer with the labelled article as 1 and a refusal
 * of an out-of-scope question as `outOfScopeWeight`. Weights are returned on the raw features.
 */
export function fitScopeModel(samples: readonly ScopeSample[]): ScopeModel {
  const chances: number[] = new Array<number>(samples.length).fill(0);
  for (let fold = 0; fold < FIT.thresholdFolds; fold += 1) {
    const inner = fitWeights(samples.filter((_, i) => i % FIT.thresholdFolds !== fold));
    samples.forEach((sample, i) => {
      if (i % FIT.thresholdFolds === fold)
        chances[i] = answerChance({ ...inner, threshold: 0 }, sample.signals);
    });
  }
  return { ...fitWeights(samples), threshold: bestThreshold(samples, chances) };
}

function bestThreshold(samples: readonly ScopeSample[], chances: readonly number[]): number {
  const values: number[] = [];
  for (let step = 1; step < 100; step += 1) {
    const candidate = step / 100;
    let value = 0;
    samples.forEach((sample, i) => {
      const answered = (chances[i] ?? 0) >= candidate;
      if (sample.expected === null) value += answered ? 0 : FIT.outOfScopeWeight;
      else if (answered && sample.best === sample.expected) value += 1;
    });
    values.push(value);
  }
  // The value averaged over neighbouring thresholds: a lone peak between two dips is luck of the sample.
  let threshold = 0.5;
  let bestValue = -Infinity;
  values.forEach((_, i) => {
    const window = values.slice(Math.max(0, i - FIT.thresholdWindow), i + FIT.thresholdWindow + 1);
    const value = window.reduce((sum, part) => sum + part, 0) / window.length;
    if (value > bestValue) {
      bestValue = value;
      threshold = (i + 1) / 100;
    }
  });
  return threshold;
}

function fitWeights(samples: readonly ScopeSample[]): Omit<ScopeModel, 'threshold'> {
  const rows = samples.map((sample) => scopeFeatures(sample.signals));
  const labels = samples.map((sample) => (sample.expected === null ? 0 : 1));
  const n = rows.length;
  const width = scopeFeatureNames.length;
  const mean = new Array<number>(width).fill(0);
  const variance = new Array<number>(width).fill(0);
  for (const row of rows) row.forEach((value, j) => (mean[j] = (mean[j] ?? 0) + value / n));
  for (const row of rows) {
    row.forEach((value, j) => (variance[j] = (variance[j] ?? 0) + (value - (mean[j] ?? 0)) ** 2 / n));
  }
  const scale = variance.map((value) => (value > 1e-12 ? Math.sqrt(value) : 1));
  const standard = rows.map((row) => row.map((value, j) => (value - (mean[j] ?? 0)) / (scale[j] ?? 1)));

  const wordSets = samples.map((sample) => [...new Set(sample.signals.words)]);
  const counts = new Map<string, number>();
  for (const words of wordSets) for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  const vocabulary = [...counts]
    .filter(([, count]) => count >= FIT.minWordCount)
    .map(([word]) => word)
    .sort();
  const position = new Map(vocabulary.map((word, j) => [word, j]));
  const wordIndexes = wordSets.map((words) =>
    words.flatMap((word) => {
      const j = position.get(word);
      return j === undefined ? [] : [j];
    }),
  );

  const weights = new Array<number>(width).fill(0);
  const wordWeights = new Array<number>(vocabulary.length).fill(0);
  let bias = 0;
  for (let iteration = 0; iteration < FIT.iterations; iteration += 1) {
    const gradient = weights.map((weight) => FIT.l2 * weight);
    const wordGradient = wordWeights.map((weight) => FIT.wordL2 * weight);
    let biasGradient = 0;
    standard.forEach((row, i) => {
      let z = bias + dot(weights, row);
      for (const j of wordIndexes[i] ?? []) z += wordWeights[j] ?? 0;
      const error = (sigmoid(z) - (labels[i] ?? 0)) / n;
      row.forEach((value, j) => (gradient[j] = (gradient[j] ?? 0) + error * value));
      for (const j of wordIndexes[i] ?? []) wordGradient[j] = (wordGradient[j] ?? 0) + error;
      biasGradient += error;
    });
    weights.forEach((weight, j) => (weights[j] = weight - FIT.learningRate * (gradient[j] ?? 0)));
    wordWeights.forEach(
      (weight, j) => (wordWeights[j] = weight - FIT.wordLearningRate * (wordGradient[j] ?? 0)),
    );
    bias -= FIT.learningRate * biasGradient;
  }
  const words: Record<string, number> = {};
  wordWeights.forEach((weight, j) => {
    const rounded = round(weight);
    if (rounded !== 0) words[vocabulary[j] as string] = rounded;
  });
  return {
    weights: weights.map((weight, j) => round(weight / (scale[j] ?? 1))),
    words,
    bias: round(
      bias - weights.reduce((sum, weight, j) => sum + (weight * (mean[j] ?? 0)) / (scale[j] ?? 1), 0),
    ),
  };
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((sum, value, i) => sum + value * (b[i] ?? 0), 0);
}

function sigmoid(value: number): number {
  return 1 / (1 + Math.exp(-value));
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { KnowledgeSource } from './types.js';

/** A customer question labelled with the slug of the article that answers it, or null when none does. */
export const labelledQuestionSchema = z.object({
  question: z.string().min(1),
  slug: z.string().min(1).nullable(),
});
export type LabelledQuestion = z.infer<typeof labelledQuestionSchema>;

/** The targets the knowledge base must meet on labelled questions. */
export const evaluationTargets = { top1: 0.85, outOfScopeRecall: 0.6, wrongRefusalRate: 0.1 } as const;

/** One question the knowledge source got wrong. */
export interface EvaluationMiss {
  line: number;
  question: string;
  expected: string | null;
  got: string | null;
}

/** Figures over a set of labelled questions. Rates are fractions in [0, 1]. */
export interface EvaluationResult {
  questions: number;
  inScope: number;
  outOfScope: number;
  /** In-scope questions answered with the labelled article (a refusal counts as a miss). */
  top1: number;
  /** In-scope questions whose best-ranked article is the labelled one, whether answered or not. */
  rankedTop1: number;
  /** Out-of-scope questions answered with no article. */
  outOfScopeRecall: number;
  /** In-scope questions answered with no article. */
  wrongRefusalRate: number;
  misses: EvaluationMiss[];
}

/** Which half of a labelled file to use: tuning = even lines, held-out = odd lines (1-based). */
export type EvaluationSplit = 'all' | 'tuning' | 'held-out';

/**
 * Reads a JSONL file of labelled questions, keeping each question's 1-based line number. Throws a clear
 * error when the file is missing or a line is malformed.
 */
export async function readLabelledQuestions(file: string): Promise<(LabelledQuestion & { line: number })[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot read the labelled questions at ${file} (${reason})`);
  }
  return text.split('\n').flatMap((raw, index) => {
    if (raw.trim() === '') return [];
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new Error(`${file}:${index + 1}: not valid JSON`);
    }
    const parsed = labelledQuestionSchema.safeParse(value);
    if (!parsed.success)
      throw new Error(`${file}:${index + 1}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return [{ ...parsed.data, line: index + 1 }];
  });
}

/** The questions of one split. */
export function splitQuestions<T extends { line: number }>(
  questions: readonly T[],
  split: EvaluationSplit,
): T[] {
  if (split === 'all') return [...questions];
  const remainder = split === 'tuning' ? 0 : 1;
  return questions.filter((question) => question.line % 2 === remainder);
}

/** Answers every question and measures top-1 accuracy, out-of-scope recall and wrong refusals. */
export function evaluate(
  source: KnowledgeSource,
  questions: readonly (LabelledQuestion & { line: number })[],
): EvaluationResult {
  let inScope = 0;
  let correct = 0;
  let rankedCorrect = 0;
  let refused = 0;
  let outOfScope = 0;
  let recalled = 0;
  const misses: EvaluationMiss[] = [];
  for (const item of questions) {
    const answer = source.answer(item.question);
    if (item.slug === null) {
      outOfScope += 1;
      if (answer.slug === null) recalled += 1;
    } else {
      inScope += 1;
      if (answer.slug === item.slug) correct += 1;
      if (answer.slug === null) refused += 1;
      if (answer.matches[0]?.slug === item.slug) rankedCorrect += 1;
    }
    if (answer.slug !== item.slug) {
      misses.push({ line: item.line, question: item.question, expected: item.slug, got: answer.slug });
    }
  }
  const rate = (part: number, whole: number): number => (whole === 0 ? 0 : part / whole);
  return {
    questions: questions.length,
    inScope,
    outOfScope,
    top1: rate(correct, inScope),
    rankedTop1: rate(rankedCorrect, inScope),
    outOfScopeRecall: rate(recalled, outOfScope),
    wrongRefusalRate: rate(refused, inScope),
    misses,
  };
}

/** The targets a result misses, in words; empty when all are met. */
export function missedTargets(result: EvaluationResult): string[] {
  const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;
  const missed: string[] = [];
  if (result.top1 < evaluationTargets.top1) {
    missed.push(`top-1 accuracy ${percent(result.top1)} < ${percent(evaluationTargets.top1)}`);
  }
  if (result.outOfScopeRecall < evaluationTargets.outOfScopeRecall) {
    missed.push(
      `out-of-scope recall ${percent(result.outOfScopeRecall)} < ${percent(evaluationTargets.outOfScopeRecall)}`,
    );
  }
  if (result.wrongRefusalRate > evaluationTargets.wrongRefusalRate) {
    missed.push(
      `wrong-refusal rate ${percent(result.wrongRefusalRate)} > ${percent(evaluationTargets.wrongRefusalRate)}`,
    );
  }
  return missed;
}

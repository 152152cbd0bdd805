/**
 * When a policy may be renewed and whether a renewal on the same terms can be accepted by rule. The
 * window opens 60 days before the end date; a policy is in good standing when it is not cancelled and
 * no premium is overdue. Pure: the request service reads the policy and applies these.
 */
import type { PolicyStatus } from '../db/models/index.js';

export const renewalWindowDays = 60;
const dayMs = 86_400_000;

/** The first day a renewal can be asked for. */
export function renewalOpensOn(endDate: Date): Date {
  return new Date(endDate.getTime() - renewalWindowDays * dayMs);
}

/** What stands in the way of accepting a same-terms renewal by rule; empty when it is in good standing. */
export function standingProblems(
  policy: { status: PolicyStatus; nextDueDate?: Date | null },
  now: Date,
): string[] {
  const problems: string[] = [];
  if (policy.status === 'cancelled') problems.push('The policy is cancelled');
  if (policy.status === 'lapsed') problems.push('The policy lapsed for an unpaid premium');
  if (policy.nextDueDate && policy.nextDueDate.getTime() < now.getTime() - dayMs) {
    problems.push(`A premium due on ${policy.nextDueDate.toISOString().slice(0, 10)} is overdue`);
  }
  return problems;
}

/** The renewed term: it starts where the current one ends and lasts as long. */
export function renewedTerm(policy: { startDate: Date; endDate: Date }): { startDate: Date; endDate: Date } {
  const length = policy.endDate.getTime() - policy.startDate.getTime();
  return { startDate: policy.endDate, endDate: new Date(policy.endDate.getTime() + length) };
}

/**
 * The benefits a policy offers and the rules that approve a request for one without an officer: the
 * policy's status, a waiting period after it starts, an allowance a policy year, and a number of days
 * per claim. The rules are data on the policy type's benefit; this module only reads them. A request
 * inside every rule of a benefit that is not marked for approval is approved by the system, naming the
 * rules; otherwise an officer decides, shown the rule that did not pass.
 */
import type { BenefitNeed, PolicyStatus } from '../db/models/index.js';

/** One benefit a policy offers. */
export interface BenefitOffer {
  code: string;
  name: string;
  description: string;
  requiresApproval: boolean;
  /** Words that name it in a customer's request, beside its name. */
  keywords: string[];
  /** What a request must say (`location`, `what_happened`, `claim`, `dates`). */
  needs: BenefitNeed[];
  /** The automatic-approval rules in words, for the customer. */
  ruleTexts: string[];
}

/** The benefits of one of the customer's policies. */
export interface BenefitCatalogue {
  policyNumber: string;
  policyTypeName: string;
  policyStatus: PolicyStatus;
  benefits: BenefitOffer[];
}

/** The rules of a benefit as stored on its policy type. */
export interface BenefitRules {
  eligibleStatuses?: readonly string[] | null;
  perYear?: number | null;
  maxDaysPerClaim?: number | null;
  waitingDays?: number | null;
}

/** One rule checked on a request. */
export interface RuleCheck {
  rule: 'approval_required' | 'policy_status' | 'waiting_period' | 'annual_allowance' | 'days_per_claim';
  passed: boolean;
  text: string;
}

/** What the rules are checked against. */
export interface BenefitUse {
  policy: { status: PolicyStatus; startDate: Date };
  /** Requests of this benefit on this policy in the current policy year, not denied. */
  usedThisYear: number;
  /** Days already asked for on the same claim (rental cars), not denied. */
  daysUsedOnClaim: number;
  /** Days this request asks for. */
  days?: number;
  now: Date;
}

const dayMs = 86_400_000;

/** Words of a benefit's name that say which one a customer means ("rental", "roadside"). */
const commonWords = new Set([
  'service',
  'services',
  'benefit',
  'annual',
  'free',
  'policy',
  'visits',
  'check',
  'cover',
]);

/**
 * The benefits a customer's words name, best first: each word of a benefit's name (but the common
 * ones) and each of its keywords found in the text scores one; no match, no benefit.
 */
export function benefitsNamedIn<B extends Pick<BenefitOffer, 'name' | 'keywords'>>(
  text: string,
  benefits: B[],
): B[] {
  const said = ` ${text.toLowerCase().replace(/[^a-z0-9]+/g, ' ')} `;
  const scored = benefits.map((benefit) => {
    const words = benefit.name
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((word) => word.length >= 4 && !commonWords.has(word));
    const terms = [...words, ...benefit.keywords.map((keyword) => keyword.toLowerCase())];
    return { benefit, score: terms.filter((term) => said.includes(` ${term} `)).length };
  });
  return scored
    .filter((entry) => entry.score > 0)
    .sort((a, b) => b.score - a.score)
    .map((entry) => entry.benefit);
}

/** The rules in the customer's words, as the catalogue lists them. */
export function ruleTexts(rules: BenefitRules | null | undefined): string[] {
  const texts: string[] = [];
  if (rules?.perYear) texts.push(`${rules.perYear} a policy year`);
  if (rules?.maxDaysPerClaim) texts.push(`up to ${rules.maxDaysPerClaim} days per claim`);
  if (rules?.waitingDays) texts.push(`from ${rules.waitingDays} days after the policy starts`);
  return texts;
}

/** The start of the policy year `now` is in: the latest anniversary of the start date not after `now`. */
export function policyYearStart(startDate: Date, now: Date): Date {
  const start = new Date(startDate);
  let years = now.getUTCFullYear() - start.getUTCFullYear();
  const anniversary = (n: number) => {
    const date = new Date(start);
    date.setUTCFullYear(start.getUTCFullYear() + n);
    return date;
  };
  if (anniversary(years) > now) years -= 1;
  return years <= 0 ? start : anniversary(years);
}

/** Every rule of the benefit, each passed or not, in the order an officer reads them. */
export function checkBenefitRules(
  benefit: { name: string; requiresApproval: boolean; rules?: BenefitRules | null },
  use: BenefitUse,
): RuleCheck[] {
  const rules = benefit.rules ?? {};
  const checks: RuleCheck[] = [];
  const eligible = rules.eligibleStatuses?.length ? rules.eligibleStatuses : ['active'];
  checks.push({
    rule: 'policy_status',
    passed: eligible.includes(use.policy.status),
    text: `Policy must be ${eligible.join(' or ')} (it is ${use.policy.status})`,
  });
  if (rules.waitingDays) {
    const opens = new Date(use.policy.startDate.getTime() + rules.waitingDays * dayMs);
    checks.push({
      rule: 'waiting_period',
      passed: use.now >= opens,
      text: `Waiting period of ${rules.waitingDays} days after the policy starts (ends ${opens.toISOString().slice(0, 10)})`,
    });
  }
  if (rules.perYear) {
    checks.push({
      rule: 'annual_allowance',
      passed: use.usedThisYear < rules.perYear,
      text: `${rules.perYear} a policy year (${use.usedThisYear} used)`,
    });
  }
  if (rules.maxDaysPerClaim) {
    const total = use.daysUsedOnClaim + (use.days ?? 0);
    checks.push({
      rule: 'days_per_claim',
      passed: total <= rules.maxDaysPerClaim,
      text: `At most ${rules.maxDaysPerClaim} days per claim (${use.daysUsedOnClaim} already, ${use.days ?? 0} asked)`,
    });
  }
  if (benefit.requiresApproval) {
    checks.push({
      rule: 'approval_required',
      passed: false,
      text: `${benefit.name} is always decided by an officer`,
    });
  }
  return checks;
}

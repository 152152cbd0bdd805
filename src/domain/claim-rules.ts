/**
 * The rules of a claim that need no database: which coverage applies and what it would pay, which
 * required documents the claim has, what an officer should look at (risk signals), and whether the
 * system may approve it at once. Pure functions, so each rule is tested on its own.
 */
import { distanceKm, type FileEvidence, type GpsPosition } from '../files/evidence.js';

/** A required document of a claim type; `fact` is a claim fact that stands in for it when given. */
export interface RequiredDocument {
  code: string;
  label: string;
  fact?: 'policeReportNumber' | 'otherParties';
}

/** A kind of claim a policy type accepts (the policy type's `claimTypes`). */
export interface ClaimTypeInfo {
  code: string;
  name: string;
  keywords: string[];
  coverage: string;
  requiredDocuments: RequiredDocument[];
  /** Set when the type may be approved at once up to this amount. */
  instantLimit?: number;
}

/** The coverage a claim falls under, or `applies: false` when the policy has none for its type. */
export type ClaimCoverage =
  { applies: true; name: string; limit: number; deductible: number } | { applies: false; name?: string };

export interface ChecklistItem {
  code: string;
  label: string;
  satisfied: boolean;
}

/** Something an officer should look at, in a sentence they can read. Never a decision by itself. */
export interface RiskSignal {
  code: string;
  message: string;
}

/** An attachment as the rules see it. */
export interface EvidenceAttachment {
  checklistItem?: string;
  contentType: string;
  evidence?: FileEvidence & { alsoOnClaims?: string[] };
}

/** The facts beyond date, place and amount. */
export interface ClaimDetails {
  incidentTime?: string;
  policeAttended?: boolean;
  policeReportNumber?: string;
  otherParties?: string;
  injuries?: string;
  provider?: string;
}

/** The name of the instant-decision rule, as the audit entry of an instant approval records it. */
export const instantDecisionRule = 'instant-decision-v1';

/** How many days after the policy start (or a coverage increase) a claim is looked at twice. */
export const earlyClaimDays = 30;
/** Share of the coverage limit above which a claim amount is looked at. */
export const highAmountShare = 0.8;
/** How far (km) from the stated location a photo's position may be before it is looked at. */
export const farFromLocationKm = 50;
/** Claims in twelve months, this one included, from which frequency is looked at. */
export const frequentClaims = 3;
/** Days after a missed premium during which the policy still covers (its grace period). */
export const graceDays = 30;

const dayMs = 86_400_000;

/** The coverage of `type` on a policy with these coverages, matched by name. */
export function coverageFor(
  type: Pick<ClaimTypeInfo, 'coverage'> | undefined,
  coverages: { name: string; limit: number; deductible: number }[],
): ClaimCoverage {
  if (!type) return { applies: false };
  const found = coverages.find((coverage) => coverage.name.toLowerCase() === type.coverage.toLowerCase());
  return found
    ? { applies: true, name: found.name, limit: found.limit, deductible: found.deductible }
    : { applies: false, name: type.coverage };
}

/** What the coverage would pay on `amount`: after the deductible, up to the limit. */
export function payoutFor(coverage: ClaimCoverage, amount: number): number {
  if (!coverage.applies) return 0;
  return Math.max(0, Math.min(amount, coverage.limit) - coverage.deductible);
}

/**
 * The required documents of `type` and whether the claim has each: a file tagged with the item, or the
 * fact that stands in for it. A claim with a single required document that is a photo or scan counts
 * an untagged file for it, as a customer sending "the photo" means that one.
 */
export function checklistFor(
  type: Pick<ClaimTypeInfo, 'requiredDocuments'> | undefined,
  attachments: EvidenceAttachment[],
  details: ClaimDetails,
): ChecklistItem[] {
  const required = type?.requiredDocuments ?? [];
  const fileItems = required.filter((item) => !(item.fact && details[item.fact]));
  const untagged = attachments.filter((file) => !file.checklistItem).length;
  return required.map((item) => {
    const tagged = attachments.some((file) => file.checklistItem === item.code);
    const byFact = item.fact !== undefined && Boolean(details[item.fact]?.toString().trim());
    const byUntagged = !tagged && !byFact && fileItems.length === 1 && fileItems[0] === item && untagged > 0;
    return { code: item.code, label: item.label, satisfied: tagged || byFact || byUntagged };
  });
}

/** What the risk rules read about a claim and its policy. */
export interface RiskInput {
  incidentDate: Date;
  amount: number;
  coverage: ClaimCoverage;
  policy: { startDate: Date; endDate: Date; nextDueDate?: Date | null; status: string };
  /** When the applicable coverage was raised (see {@link coverageIncreases}), oldest first. */
  coverageIncreases?: Date[];
  /** The customer's claims filed in the twelve months before this one (this one not included). */
  claimsInLastYear: number;
  attachments: EvidenceAttachment[];
  /** The stated location's position when it could be told (`resolveLocation`), with what it was matched to. */
  locationPosition?: GpsPosition & { matched?: string };
  now: Date;
}

/** Every risk signal that fires, each with a sentence an officer can act on. */
export function riskSignalsFor(input: RiskInput): RiskSignal[] {
  const signals: RiskSignal[] = [];
  const days = (from: Date, to: Date) => (to.getTime() - from.getTime()) / dayMs;
  const since = days(input.policy.startDate, input.incidentDate);
  if (since >= 0 && since <= earlyClaimDays) {
    signals.push({
      code: 'early_claim',
      message: `The incident is ${Math.floor(since)} days after the policy started (within ${earlyClaimDays} days).`,
    });
  }
  const increase = increaseSignal(input);
  if (increase) signals.push(increase);
  if (input.incidentDate < input.policy.startDate || input.incidentDate > input.policy.endDate) {
    signals.push({
      code: 'outside_policy_period',
      message: 'The incident date is outside the policy period.',
    });
  }
  if (
    input.coverage.applies &&
    input.coverage.limit > 0 &&
    input.amount > highAmountShare * input.coverage.limit
  ) {
    signals.push({
      code: 'high_amount',
      message: `The amount claimed is above ${highAmountShare * 100}% of the ${input.coverage.name} limit.`,
    });
  }
  const duplicates = [...new Set(input.attachments.flatMap((file) => file.evidence?.alsoOnClaims ?? []))];
  if (duplicates.length > 0) {
    signals.push({
      code: 'duplicate_photo',
      message: `A file identical to one sent with this claim is on ${duplicates.join(', ')}.`,
    });
  }
  signals.push(...photoSignals(input));
  if (input.claimsInLastYear + 1 >= frequentClaims) {
    signals.push({
      code: 'frequent_claims',
      message: `This is the customer's claim number ${input.claimsInLastYear + 1} in 12 months.`,
    });
  }
  if (inGracePeriod(input.policy, input.now)) {
    signals.push({
      code: 'grace_period',
      message: 'The policy is in its grace period: a premium is overdue.',
    });
  }
  return signals;
}

/**
 * A coverage increase close to the claim: the incident within {@link earlyClaimDays} days after the
 * coverage was raised, or the coverage raised after the incident, within that many days before the
 * claim (more cover bought for a loss that had already happened).
 */
function increaseSignal(input: RiskInput): RiskSignal | undefined {
  const name = input.coverage.applies ? `${input.coverage.name} ` : '';
  const days = (from: Date, to: Date) => Math.floor((to.getTime() - from.getTime()) / dayMs);
  for (const at of [...(input.coverageIncreases ?? [])].reverse()) {
    const incidentAfter = days(at, input.incidentDate);
    if (incidentAfter >= 0 && incidentAfter <= earlyClaimDays) {
      return {
        code: 'after_coverage_increase',
        message: `The incident is ${incidentAfter} days after the ${name}coverage was increased (within ${earlyClaimDays} days).`,
      };
    }
    if (incidentAfter < 0 && days(at, input.now) <= earlyClaimDays && at <= input.now) {
      return {
        code: 'after_coverage_increase',
        message: `The ${name}coverage was increased ${-incidentAfter} days after the incident date, and the claim followed within ${earlyClaimDays} days.`,
      };
    }
  }
  return undefined;
}

/** One entry of a policy's coverage history (`policies.coverageChanges`). */
export interface CoverageChange {
  coverage: string;
  effectiveFrom: Date;
  previousLimit?: number;
  previousDeductible?: number;
  limit: number;
  deductible: number;
}

/**
 * When the coverage named `name` was increased: added, its limit raised or its deductible lowered.
 * Oldest first.
 */
export function coverageIncreases(changes: CoverageChange[], name: string | undefined): Date[] {
  if (!name) return [];
  return changes
    .filter(
      (change) =>
        change.coverage.toLowerCase() === name.toLowerCase() &&
        (change.previousLimit === undefined ||
          change.limit > change.previousLimit ||
          (change.previousDeductible !== undefined && change.deductible < change.previousDeductible)),
    )
    .map((change) => change.effectiveFrom)
    .sort((a, b) => a.getTime() - b.getTime());
}

/**
 * What the photos' EXIF says against the claim: a photo taken (by its camera clock) before the incident
 * date, or far from the stated location. Made again whenever a file is added to the claim.
 */
export function photoSignals(
  input: Pick<RiskInput, 'incidentDate' | 'attachments' | 'locationPosition'>,
): RiskSignal[] {
  const signals: RiskSignal[] = [];
  const incidentDay = Date.UTC(
    input.incidentDate.getUTCFullYear(),
    input.incidentDate.getUTCMonth(),
    input.incidentDate.getUTCDate(),
  );
  const photos = input.attachments.filter((file) => file.contentType.startsWith('image/'));
  if (photos.some((file) => file.evidence?.capturedAt && file.evidence.capturedAt.getTime() < incidentDay)) {
    signals.push({
      code: 'photo_before_incident',
      message: 'A photo was taken (by its camera clock) before the incident date.',
    });
  }
  const stated = input.locationPosition;
  if (stated) {
    const far = photos
      .map((file) => file.evidence?.gps && distanceKm(file.evidence.gps, stated))
      .filter((distance): distance is number => distance !== undefined && distance > farFromLocationKm);
    if (far.length > 0) {
      const matched = stated.matched ? ` (taken as ${stated.matched})` : '';
      signals.push({
        code: 'photo_far_from_location',
        message: `A photo was taken about ${Math.round(Math.max(...far))} km from the stated location${matched}.`,
      });
    }
  }
  return signals;
}

/** The codes {@link photoSignals} and the duplicate check give, which follow the claim's files. */
export const fileSignalCodes: ReadonlySet<string> = new Set([
  'duplicate_photo',
  'photo_before_incident',
  'photo_far_from_location',
]);

/** True when a premium is overdue by no more than the grace period and the policy has not ended. */
export function inGracePeriod(
  policy: { nextDueDate?: Date | null; status: string; endDate: Date },
  now: Date,
): boolean {
  if (!policy.nextDueDate || (policy.status !== 'active' && policy.status !== 'lapsed')) return false;
  const overdue = (now.getTime() - policy.nextDueDate.getTime()) / dayMs;
  return overdue > 0 && overdue <= graceDays && now <= policy.endDate;
}

/** Whether a customer may file on a policy: active, or in its grace period. */
export function claimable(
  policy: { nextDueDate?: Date | null; status: string; endDate: Date },
  now: Date,
): boolean {
  return policy.status === 'active' || inGracePeriod(policy, now);
}

/** Why a claim cannot be decided at once; empty when it can. */
export function instantDecisionBlockers(input: {
  type: Pick<ClaimTypeInfo, 'instantLimit'> | undefined;
  amount: number;
  checklist: ChecklistItem[];
  coverage: ClaimCoverage;
  riskSignals: RiskSignal[];
}): string[] {
  const blockers: string[] = [];
  if (input.type?.instantLimit === undefined) blockers.push('type_not_eligible');
  else if (input.amount > input.type.instantLimit) blockers.push('above_limit');
  if (input.checklist.some((item) => !item.satisfied)) blockers.push('documents_missing');
  if (!input.coverage.applies) blockers.push('not_covered');
  if (input.riskSignals.length > 0) blockers.push('risk_signals');
  if (input.coverage.applies && payoutFor(input.coverage, input.amount) <= 0)
    blockers.push('below_deductible');
  return blockers;
}

/**
 * The claim type a customer's own account most likely means: the type with the most keyword hits,
 * or undefined when no keyword matches.
 */
export function guessClaimType<T extends Pick<ClaimTypeInfo, 'code' | 'keywords' | 'name'>>(
  types: T[],
  text: string,
): T | undefined {
  const lower = ` ${text.toLowerCase().replace(/[^a-z0-9' -]+/g, ' ')} `;
  let best: { type: T; hits: number } | undefined;
  for (const type of types) {
    const words = [...type.keywords, type.code.replaceAll('_', ' ')];
    const hits = words.filter((word) => lower.includes(` ${word.toLowerCase()}`)).length;
    if (hits > 0 && (!best || hits > best.hits)) best = { type, hits };
  }
  return best?.type;
}

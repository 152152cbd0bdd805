/**
 * Reading which of their policies a customer means, and what about it they ask: "the home one", "the
 * Contoso policy", "the one ending 0400", "the second", as well as the number or a button. Shared by the
 * dialogs that offer a choice of policies; channel-neutral.
 */
import { extractEntities } from '../src/bot/recognizers/entities.js';

/** What a customer can name a policy by. */
export interface NamedPolicy {
  number: string;
  lineOfBusiness: string;
  typeName: string;
  /** The insurer's name, when the list shows it. */
  insurerName?: string;
}

/** Words that name a line of insurance, as customers say them. */
const lineWords: readonly [string, RegExp][] = [
  ['auto', /\b(?:auto|autos|car|cars|vehicle|vehicles|truck|motorcycle|driving|motor)\b/i],
  ['home', /\b(?:home|homes|homeowners?|house|dwelling|roof|basement|property)\b/i],
  ['health', /\b(?:health|medical|doctor|hospital|prescriptions?|dental)\b/i],
  ['life', /\blife\b/i],
  ['renters', /\b(?:renters?|renting|apartment|tenant|contents)\b/i],
  ['travel', /\b(?:travel|trip|flight|luggage|baggage)\b/i],
];

/** The one line of insurance the text mentions, if it mentions exactly one. */
export function lineMentioned(text: string): string | undefined {
  const lines = lineWords.filter(([, pattern]) => pattern.test(text)).map(([line]) => line);
  return lines.length === 1 ? lines[0] : undefined;
}

const ordinals: readonly RegExp[] = [
  /^(?:the )?(?:first|1st|1)(?: one| policy)?$/,
  /^(?:the )?(?:second|2nd|2)(?: one| policy)?$/,
  /^(?:the )?(?:third|3rd|3)(?: one| policy)?$/,
  /^(?:the )?(?:fourth|4th|4)(?: one| policy)?$/,
  /^(?:the )?(?:fifth|5th|5)(?: one| policy)?$/,
];

/**
 * The policies `text` names among `policies` (in the order they were offered): by number, by its last
 * digits, by position, or by what it is: line of business, insurer, plan name. Every criterion mentioned
 * must hold ("the Contoso home one"). Empty when the text names none of them; several when it fits more
 * than one, for the caller to ask again among those.
 */
export function policiesNamed<T extends NamedPolicy>(text: string, policies: readonly T[]): T[] {
  const typed = text
    .trim()
    .toLowerCase()
    .replaceAll(/[^a-z0-9\s-]/g, ' ')
    .replaceAll(/\s+/g, ' ')
    .trim();
  const { policyNumber } = extractEntities(text);
  if (policyNumber) return policies.filter((policy) => policy.number === policyNumber);

  const position = ordinals.findIndex((pattern) => pattern.test(typed));
  if (position >= 0) {
    const at = policies[position];
    return at ? [at] : [];
  }
  if (/^(?:the )?last(?: one| policy)?$/.test(typed)) return policies.slice(-1);

  const digits = /\b(\d{3,6})\b/.exec(typed)?.[1];
  const criteria: ((policy: T) => boolean)[] = [];
  if (digits) criteria.push((policy) => policy.number.replaceAll(/\D/g, '').endsWith(digits));
  const line = lineMentioned(typed);
  if (line) criteria.push((policy) => policy.lineOfBusiness === line);
  const insurerWords = policies.flatMap((policy) => significantWords(policy.insurerName ?? ''));
  const insurer = insurerWords.find((word) => new RegExp(`\\b${word}\\b`).test(typed));
  if (insurer) criteria.push((policy) => significantWords(policy.insurerName ?? '').includes(insurer));
  const plan = policies.find((policy) => typed.includes(policy.typeName.toLowerCase()));
  if (plan) criteria.push((policy) => policy.typeName === plan.typeName);
  if (criteria.length === 0) return [];
  return policies.filter((policy) => criteria.every((holds) => holds(policy)));
}

/** What about their policies a customer asks to see. */
export type PolicyFocus = 'coverages' | 'documents';

/** What a request for a policy asks about, and which line of insurance it names. */
export interface PolicyRequest {
  focus?: PolicyFocus;
  line?: string;
}

const documentWords =
  /\b(?:documents?|docs|paperwork|id cards?|insurance cards?|proof of insurance|declarations?|dec page|wording|booklet|certificate|copy of (?:my|the|our) polic(?:y|ies)|pdfs?)\b/i;
const coverageWords =
  /\b(?:cover|covers|covered|coverage|coverages|limits?|deductibles?|protected|insured for|excess)\b/i;

/** Reads a request for a policy: "what does my auto policy cover" is the auto policy's coverages. */
export function policyRequestOf(text: string): PolicyRequest {
  const line = lineMentioned(text);
  const focus: PolicyFocus | undefined = documentWords.test(text)
    ? 'documents'
    : coverageWords.test(text)
      ? 'coverages'
      : undefined;
  return { ...(focus ? { focus } : {}), ...(line ? { line } : {}) };
}

/** Words of a name that tell it apart ("contoso", "northwind"), not "insurance" or "mutual". */
function significantWords(name: string): string[] {
  return name
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((word) => word.length >= 4 && !commonNameWords.has(word));
}

const commonNameWords = new Set([
  'insurance',
  'insurer',
  'mutual',
  'health',
  'life',
  'group',
  'company',
  'assurance',
  'general',
  'national',
]);

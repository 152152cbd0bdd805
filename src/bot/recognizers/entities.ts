import { findDate, type DateOrder, type DateReading } from '../../domain/dates.js';
import { normalizePhone } from '../../domain/phone.js';
import type { Entities } from '../recognizer.js';

/** Claim types the bot knows, as entity values. */
export const claimTypes = [
  'auto_accident',
  'theft',
  'water_damage',
  'fire',
  'storm',
  'vandalism',
  'glass',
  'medical',
  'liability',
] as const;
type ClaimType = (typeof claimTypes)[number];

/** Words customers use for each claim type, matched as whole words; the first type that matches wins. */
const claimTypeWords: Readonly<Record<ClaimType, readonly string[]>> = {
  auto_accident: [
    'car accident',
    'auto accident',
    'vehicle accident',
    'traffic accident',
    'accident',
    'crash',
    'crashed',
    'collision',
    'fender bender',
    'rear ended',
    'rear-ended',
    'hit my car',
    'totaled',
    'totalled',
  ],
  theft: [
    'theft',
    'stolen',
    'stole',
    'burglary',
    'burglarized',
    'break-in',
    'break in',
    'broke into',
    'robbed',
    'robbery',
  ],
  water_damage: [
    'water damage',
    'flood',
    'flooded',
    'flooding',
    'leak',
    'leaked',
    'leaking',
    'burst pipe',
    'pipe burst',
    'pipes burst',
  ],
  fire: ['fire', 'smoke damage', 'burned', 'burnt', 'caught fire'],
  storm: ['storm', 'hail', 'hailstorm', 'wind damage', 'tornado', 'hurricane', 'fallen tree', 'lightning'],
  vandalism: ['vandalism', 'vandalized', 'vandalised', 'graffiti', 'keyed'],
  glass: ['windshield', 'windscreen', 'broken window', 'cracked glass', 'glass'],
  medical: [
    'medical',
    'hospital',
    'doctor',
    'surgery',
    'injury',
    'injured',
    'emergency room',
    'er visit',
    'prescription',
    'ambulance',
  ],
  liability: ['liability', 'slipped and fell', 'slip and fall', 'sued', 'lawsuit', 'dog bite'],
};

/** Three-letter words that come before a number in a sentence ("for 250000") and are no policy prefix. */
const commonWords =
  'the|and|for|was|are|has|had|not|but|you|its|any|all|our|per|pay|got|get|off|out|now|one|two|six|ten|day|due|set|put|via|who|how|can|did|may|see|own|new|old|use|say|over|sum|max|min|top|low|est';

/**
 * `AUT-100200`: three letters, six digits, with a dash, a space or nothing between (`AUT 100200`,
 * `aut100200`). `CLM` is reserved for claims, `BEN`, `DEP`, `RNW` and `UPG` for service requests.
 */
const policyNumberPattern = new RegExp(
  `\\b(?!clm|ben|dep|rnw|upg|(?:${commonWords})\\s)([a-z]{3})(?:[-\u2013\u2014_./#]|\\s(?:[-#]\\s?)?)?(\\d{6})\\b`,
  'i',
);
/** `CLM-000123`, `CLM 000123`. */
const claimNumberPattern = /\bclm(?:[-\u2013\u2014_./#]|\s(?:[-#]\s?)?)?(\d{6})\b/i;
/** `BEN-000042` and the other service requests' numbers, written as loosely as policy numbers. */
const requestNumberPattern = /\b(ben|dep|rnw|upg)(?:[-\u2013\u2014_./#]|\s(?:[-#]\s?)?)?(\d{6})\b/i;
/** `$1,250.50`, `1250 dollars`, `USD 300`. */
const amountPatterns: readonly RegExp[] = [
  /(?:\$|\busd\s?)\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\b/i,
  /\b(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s?(?:dollars|bucks|usd)\b/i,
];

/** Digit runs that may be a phone number; libphonenumber decides. */
const phoneCandidatePattern = /(?:\+|\b)\d[\d\s().-]{5,}\d\b/g;

/** Options for {@link extractEntities}. */
export interface EntityOptions {
  /** Today, for "yesterday"; defaults to the clock. */
  now?: () => Date;
  /**
   * How the customer writes numeric dates. Without it a date such as 04/05/1988 is no `date` entity: the
   * recognizer does not guess, and dialogs ask (see `findDate`).
   */
  dateOrder?: DateOrder;
}

/** Finds the entities in a customer's message. Spans used by one entity are not reused by another. */
export function extractEntities(text: string, options: EntityOptions = {}): Entities {
  return scanEntities(text, options).entities;
}

/** What {@link scanEntities} found. */
export interface EntityScan {
  entities: Entities;
  /** The date as written, also when it is ambiguous (and so no `date` entity). */
  date?: DateReading;
  /** The message with every reference number, date, amount and phone number blanked out. */
  rest: string;
}

/** The entities of a message, with the date's reading and what the message says besides them. */
export function scanEntities(text: string, options: EntityOptions = {}): EntityScan {
  const entities: Entities = {};
  let rest = text;
  const blank = (found: RegExpExecArray): void => {
    rest = rest.replace(found[0], ' '.repeat(found[0].length));
  };
  const take = (pattern: RegExp): RegExpExecArray | null => {
    const match = pattern.exec(rest);
    if (match) blank(match);
    return match;
  };

  const claim = take(claimNumberPattern);
  if (claim) entities.claimNumber = `CLM-${claim[1]}`;
  const request = take(requestNumberPattern);
  if (request) entities.requestNumber = `${request[1]?.toUpperCase()}-${request[2]}`;
  const policy = take(policyNumberPattern);
  if (policy) entities.policyNumber = `${policy[1]?.toUpperCase()}-${policy[2]}`;

  const date = findDate(rest, {
    ...(options.dateOrder ? { order: options.dateOrder } : {}),
    ...(options.now ? { now: options.now() } : {}),
  });
  if (date) {
    // An ambiguous date is still a date: its digits are no phone number or amount.
    if (date.kind === 'date') entities.date = date.date;
    rest = `${rest.slice(0, date.index)}${' '.repeat(date.length)}${rest.slice(date.index + date.length)}`;
  }

  for (const pattern of amountPatterns) {
    const amount = take(pattern);
    if (amount) {
      entities.amount = Number(`${amount[1]?.replaceAll(',', '')}.${amount[2] ?? '0'}`);
      break;
    }
  }

  const phone = findPhone(rest);
  if (phone) {
    entities.phone = phone.phone;
    rest = rest.replace(phone.written, ' '.repeat(phone.written.length));
  }

  const claimType = findClaimType(text);
  if (claimType) entities.claimType = claimType;
  return { entities, rest, ...(date ? { date } : {}) };
}

/** `pattern` as the whole of a value, spaces around it allowed. */
function whole(pattern: RegExp): RegExp {
  return new RegExp(`^\\s*${pattern.source}\\s*$`, pattern.flags);
}

const wholePolicyNumber = whole(policyNumberPattern);
const wholeClaimNumber = whole(claimNumberPattern);
const wholeRequestNumber = whole(requestNumberPattern);

/** A policy number in canonical form (`AUT-100200`), or undefined when `value` is not one. */
export function normalizePolicyNumber(value: string): string | undefined {
  const match = wholePolicyNumber.exec(value);
  return match ? `${match[1]?.toUpperCase()}-${match[2]}` : undefined;
}

/** A claim number in canonical form (`CLM-000123`), or undefined when `value` is not one. */
export function normalizeClaimNumber(value: string): string | undefined {
  const match = wholeClaimNumber.exec(value);
  return match ? `CLM-${match[1]}` : undefined;
}

/** A service request number in canonical form (`BEN-000042`), or undefined when `value` is not one. */
export function normalizeRequestNumber(value: string): string | undefined {
  const match = wholeRequestNumber.exec(value);
  return match ? `${match[1]?.toUpperCase()}-${match[2]}` : undefined;
}

/** A date written alone, unambiguously, as ISO `YYYY-MM-DD`; undefined otherwise. */
export function normalizeDate(value: string): string | undefined {
  const trimmed = value.trim();
  const reading = findDate(trimmed);
  return reading?.kind === 'date' && reading.index === 0 && reading.length === trimmed.length
    ? reading.date
    : undefined;
}

function findPhone(text: string): { phone: string; written: string } | undefined {
  for (const [candidate] of text.matchAll(phoneCandidatePattern)) {
    const digits = candidate.replaceAll(/\D/g, '');
    if (digits.length < 7 || digits.length > 15) continue;
    const phone = normalizePhone(candidate);
    if (phone) return { phone, written: candidate };
  }
  return undefined;
}

/** Per claim type, one pattern matching any of its words as whole words, in `claimTypes` order. */
const claimTypePatterns = claimTypes.map(
  (type) =>
    [
      type,
      new RegExp(`\\b(?:${claimTypeWords[type].map((word) => word.replaceAll(' ', '\\s+')).join('|')})\\b`),
    ] as const,
);

function findClaimType(text: string): ClaimType | undefined {
  const lower = text.toLowerCase();
  return claimTypePatterns.find(([, pattern]) => pattern.test(lower))?.[0];
}

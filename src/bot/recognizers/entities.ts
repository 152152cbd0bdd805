import { format, isValid, parse, subDays } from 'date-fns';
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

/**
 * `AUT-100200`: three letters, a dash (or none), six digits. `CLM` is reserved for claims, `BEN`,
 * `DEP`, `RNW` and `UPG` for service requests.
 */
const policyNumberPattern = /\b(?!clm|ben|dep|rnw|upg)([a-z]{3})[-\u2013]?(\d{6})\b/i;
/** `CLM-000123`. */
const claimNumberPattern = /\bclm[-\u2013]?(\d{6})\b/i;
/** `BEN-000042` and the other service requests' numbers. */
const requestNumberPattern = /\b(ben|dep|rnw|upg)[-\u2013]?(\d{6})\b/i;
/** `$1,250.50`, `1250 dollars`, `USD 300`. */
const amountPatterns: readonly RegExp[] = [
  /(?:\$|\busd\s?)\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\b/i,
  /\b(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s?(?:dollars|bucks|usd)\b/i,
];

const monthName =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';

/**
 * Where dates are found, and the date-fns formats tried in order on what was found (after commas, "of"
 * and month-name dots are dropped). Numeric dates with slashes or dashes read month first, as in the
 * US; dotted dates read day first, as in Europe; either falls back to the other order when impossible.
 */
const datePatterns: readonly { pattern: RegExp; formats: readonly string[] }[] = [
  { pattern: /\b\d{4}-\d{1,2}-\d{1,2}\b/, formats: ['yyyy-M-d'] },
  { pattern: /\b\d{1,2}\/\d{1,2}\/\d{4}\b/, formats: ['M/d/yyyy', 'd/M/yyyy'] },
  { pattern: /\b\d{1,2}\/\d{1,2}\/\d{2}\b/, formats: ['M/d/yy', 'd/M/yy'] },
  { pattern: /\b\d{1,2}-\d{1,2}-\d{4}\b/, formats: ['M-d-yyyy', 'd-M-yyyy'] },
  { pattern: /\b\d{1,2}\.\d{1,2}\.\d{4}\b/, formats: ['d.M.yyyy', 'M.d.yyyy'] },
  {
    pattern: new RegExp(`\\b${monthName}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4}\\b`, 'i'),
    formats: ['MMMM d yyyy', 'MMM d yyyy', 'MMMM do yyyy', 'MMM do yyyy'],
  },
  {
    pattern: new RegExp(`\\b\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${monthName},?\\s+\\d{4}\\b`, 'i'),
    formats: ['d MMMM yyyy', 'd MMM yyyy', 'do MMMM yyyy', 'do MMM yyyy'],
  },
];
/** Years outside this range are typing mistakes, not dates of birth or incidents. */
const minYear = 1900;
const maxYear = 2100;
/** Dates said in words, relative to today. */
const relativeDates: readonly { pattern: RegExp; daysAgo: number }[] = [
  { pattern: /\btoday\b|\bthis (?:morning|afternoon|evening)\b|\btonight\b/i, daysAgo: 0 },
  { pattern: /\byesterday\b|\blast night\b/i, daysAgo: 1 },
];

/** Digit runs that may be a phone number; libphonenumber decides. */
const phoneCandidatePattern = /(?:\+|\b)\d[\d\s().-]{5,}\d\b/g;

/** Options for {@link extractEntities}. */
export interface EntityOptions {
  /** Today, for "yesterday"; defaults to the clock. */
  now?: () => Date;
}

/** Finds the entities in a customer's message. Spans used by one entity are not reused by another. */
export function extractEntities(text: string, options: EntityOptions = {}): Entities {
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

  for (const { pattern, formats } of datePatterns) {
    const found = pattern.exec(rest);
    const iso = found && parseDate(found[0], formats);
    if (found && iso) {
      entities.date = iso;
      blank(found);
      break;
    }
  }
  if (!entities.date) {
    const today = options.now?.() ?? new Date();
    const relative = relativeDates.find(({ pattern }) => pattern.test(rest));
    if (relative) entities.date = format(subDays(today, relative.daysAgo), 'yyyy-MM-dd');
  }

  for (const pattern of amountPatterns) {
    const amount = take(pattern);
    if (amount) {
      entities.amount = Number(`${amount[1]?.replaceAll(',', '')}.${amount[2] ?? '0'}`);
      break;
    }
  }

  const phone = findPhone(rest);
  if (phone) entities.phone = phone;

  const claimType = findClaimType(text);
  if (claimType) entities.claimType = claimType;
  return entities;
}

/** `pattern` as the whole of a value, spaces around it allowed. */
function whole(pattern: RegExp): RegExp {
  return new RegExp(`^\\s*${pattern.source}\\s*$`, pattern.flags);
}

const wholePolicyNumber = whole(policyNumberPattern);
const wholeClaimNumber = whole(claimNumberPattern);
const wholeRequestNumber = whole(requestNumberPattern);
const wholeDatePatterns = datePatterns.map(({ pattern, formats }) => ({ exactly: whole(pattern), formats }));

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

/** A date in any of the accepted formats as ISO `YYYY-MM-DD`, or undefined. */
export function normalizeDate(value: string): string | undefined {
  for (const { exactly, formats } of wholeDatePatterns) {
    const found = exactly.exec(value);
    if (found) return parseDate(found[0], formats);
  }
  return undefined;
}

function parseDate(found: string, formats: readonly string[]): string | undefined {
  const cleaned = found
    .toLowerCase()
    .replaceAll(',', ' ')
    .replaceAll(/\bof\b/g, ' ')
    .replaceAll(/\bsept\b/g, 'sep')
    .replaceAll(/([a-z])\./g, '$1')
    .replaceAll(/\s+/g, ' ')
    .trim();
  // date-fns places two-digit years within 50 years of the reference date.
  const reference = new Date();
  for (const pattern of formats) {
    const date = parse(cleaned, pattern, reference);
    if (isValid(date) && date.getFullYear() >= minYear && date.getFullYear() <= maxYear) {
      return format(date, 'yyyy-MM-dd');
    }
  }
  return undefined;
}

function findPhone(text: string): string | undefined {
  for (const [candidate] of text.matchAll(phoneCandidatePattern)) {
    const digits = candidate.replaceAll(/\D/g, '');
    if (digits.length < 7 || digits.length > 15) continue;
    const phone = normalizePhone(candidate);
    if (phone) return phone;
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

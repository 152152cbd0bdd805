/**
 * Calendar dates without a time of day (dates of birth, incident dates) travel as ISO `YYYY-MM-DD`
 * strings. This module is also the one reader of dates as customers write them: every dialog and the
 * recognizer read dates here, so a form understood in one place is understood everywhere.
 */
import { format, subDays } from 'date-fns';
import { z } from 'zod';

export const isoDateSchema = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((value) => toIsoDate(new Date(`${value}T00:00:00Z`)) === value, 'is not a calendar date');

export function toIsoDate(date: Date): string {
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 10);
}

/** Which number comes first in a numeric date such as 04/05/1988. */
export type DateOrder = 'month_first' | 'day_first';

/** What {@link findDate} needs besides the text. */
export interface DateReadingOptions {
  /** The customer's convention (see {@link dateOrderOfLocale}); without one, a date that could be read
   * either way is ambiguous. */
  order?: DateOrder;
  /** Today, for "yesterday", two-digit years and dates without a year; defaults to the clock. */
  now?: Date;
  /** Read "June 10" (no year) as its latest occurrence not after today. Off for dates of birth. */
  yearless?: boolean;
}

/** Where in the text the date was written. */
interface Span {
  index: number;
  length: number;
}

/** A date found in a message: one reading, or two the customer has to choose between. */
export type DateReading =
  ({ kind: 'date'; date: string } & Span) | ({ kind: 'ambiguous' } & Ambiguity & Span);

/** A numeric date that reads as two days: both, in the order to offer them, and which is which. */
interface Ambiguity {
  choices: [string, string];
  dayFirst: string;
  monthFirst: string;
}

/** Years outside this range are typing mistakes, not dates of birth or incidents. */
const minYear = 1900;
const maxYear = 2100;

const monthNames = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
] as const;
const monthName =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
const ordinal = '(\\d{1,2})(?:st|nd|rd|th)?';

/** 1988-04-12, 1988/04/12, 1988.4.12: year first is always year, month, day. */
const yearFirst = /\b(\d{4})([-/.])(\d{1,2})\2(\d{1,2})\b/;
/** 04/12/1988, 12.04.1988, 4-12-88: day and month in the customer's order. */
const yearLast = /\b(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})\b/;
/** April 12, 1988; Apr-12-1988; April 12th 1988. */
const monthDayYear = new RegExp(`\\b${monthName}[\\s.-]+${ordinal},?[\\s,-]+(\\d{4})\\b`, 'i');
/** 12 April 1988; 12-Apr-1988; the 12th of April, 1988. */
const dayMonthYear = new RegExp(`\\b${ordinal}[\\s.-]+(?:of\\s+)?${monthName},?[\\s,-]+(\\d{4})\\b`, 'i');
/** 1988 April 12. */
const yearMonthDay = new RegExp(`\\b(\\d{4})[\\s,-]+${monthName}[\\s.-]+${ordinal}\\b`, 'i');
/** June 10, 10 June, the 10th of June: no year. */
const monthDay = new RegExp(`\\b${monthName}\\s+${ordinal}\\b(?![\\s,.-]*\\d)`, 'i');
const dayMonth = new RegExp(`\\b${ordinal}\\s+(?:of\\s+)?${monthName}\\b(?![\\s,.-]*\\d)`, 'i');
/** Dates said in words, relative to today. */
const relativeDates: readonly { pattern: RegExp; daysAgo: (match: RegExpExecArray) => number }[] = [
  { pattern: /\bday before yesterday\b/i, daysAgo: () => 2 },
  { pattern: /\btoday\b|\bthis (?:morning|afternoon|evening)\b|\btonight\b/i, daysAgo: () => 0 },
  { pattern: /\byesterday\b|\blast night\b/i, daysAgo: () => 1 },
  { pattern: /\b(\d{1,2}) days? ago\b/i, daysAgo: (match) => Number(match[1]) },
];

/**
 * The first date in `text`, in any common form: ISO and other year-first forms, numeric day and month
 * in either order (with `/`, `-` or `.`), month names, and "today" / "yesterday" / "3 days ago". A numeric
 * date that reads as two different days is decided by `order` (slashes and dashes; dots only in a
 * day-first locale, since dots are a day-first convention a month-first customer may have borrowed) and is
 * otherwise returned as ambiguous, for the caller to ask rather than guess.
 */
export function findDate(text: string, options: DateReadingOptions = {}): DateReading | undefined {
  const now = options.now ?? new Date();
  const spanOf = (match: RegExpExecArray): Span => ({ index: match.index, length: match[0].length });

  let match = yearFirst.exec(text);
  if (match) {
    const date = isoOf(Number(match[1]), Number(match[3]), Number(match[4]));
    if (date) return { kind: 'date', date, ...spanOf(match) };
  }
  match = yearLast.exec(text);
  if (match) {
    const reading = numericReading(match, options.order, now);
    if (reading) return { ...reading, ...spanOf(match) };
  }
  for (const [pattern, parts] of [
    [monthDayYear, { month: 1, day: 2, year: 3 }],
    [dayMonthYear, { day: 1, month: 2, year: 3 }],
    [yearMonthDay, { year: 1, month: 2, day: 3 }],
  ] as const) {
    match = pattern.exec(text);
    if (!match) continue;
    const date = isoOf(Number(match[parts.year]), monthOf(match[parts.month]), Number(match[parts.day]));
    if (date) return { kind: 'date', date, ...spanOf(match) };
  }
  if (options.yearless) {
    for (const [pattern, parts] of [
      [monthDay, { month: 1, day: 2 }],
      [dayMonth, { day: 1, month: 2 }],
    ] as const) {
      match = pattern.exec(text);
      if (!match) continue;
      const date = latestOccurrence(monthOf(match[parts.month]), Number(match[parts.day]), now);
      if (date) return { kind: 'date', date, ...spanOf(match) };
    }
  }
  for (const { pattern, daysAgo } of relativeDates) {
    match = pattern.exec(text);
    if (match)
      return { kind: 'date', date: format(subDays(now, daysAgo(match)), 'yyyy-MM-dd'), ...spanOf(match) };
  }
  return undefined;
}

/** The date `text` holds when it holds exactly one reading; undefined when none or ambiguous. */
export function readDate(text: string, options: DateReadingOptions = {}): string | undefined {
  const reading = findDate(text, options);
  return reading?.kind === 'date' ? reading.date : undefined;
}

/**
 * The order a locale writes numeric dates in (`en-US` month first, `en-GB` day first), as the platform's
 * own date formatting does; undefined when the locale names no region (`en` is written both ways), is
 * malformed, or writes the year first (its customers do not settle day against month).
 */
export function dateOrderOfLocale(locale: string | undefined): DateOrder | undefined {
  if (!locale) return undefined;
  try {
    if (!new Intl.Locale(locale).region) return undefined;
    const parts = new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(new Date(Date.UTC(2000, 0, 2)))
      .map((part) => part.type)
      .filter((type) => type === 'year' || type === 'month' || type === 'day');
    if (parts[0] === 'month') return 'month_first';
    if (parts[0] === 'day') return 'day_first';
    return undefined;
  } catch {
    return undefined;
  }
}

/** "4 May 1988": a date as the question about an ambiguous one names it. */
export function spokenDate(iso: string): string {
  const [year, month, day] = iso.split('-').map(Number);
  const name = monthNames[(month ?? 1) - 1] ?? '';
  return `${day} ${name.charAt(0).toUpperCase()}${name.slice(1)} ${year}`;
}

/**
 * Which of two readings the customer's reply chose: the date itself (as a button sends it), "the
 * first" / "2", or the month of just one of them ("May"). Undefined when the reply does not decide.
 */
export function chosenDate(reply: string, choices: readonly [string, string]): string | undefined {
  const reading = findDate(reply);
  if (reading?.kind === 'date') return choices.find((choice) => choice === reading.date);
  const typed = reply.trim().toLowerCase();
  if (/^(?:the )?(?:first|1st|1|former)(?: one)?$/.test(typed)) return choices[0];
  if (/^(?:the )?(?:second|2nd|2|latter|last)(?: one)?$/.test(typed)) return choices[1];
  const named = choices.filter((choice) => {
    const month = monthNames[Number(choice.slice(5, 7)) - 1] ?? '';
    return new RegExp(`\\b${month.slice(0, 3)}`, 'i').test(typed);
  });
  return named.length === 1 ? named[0] : undefined;
}

function numericReading(
  match: RegExpExecArray,
  order: DateOrder | undefined,
  now: Date,
): { kind: 'date'; date: string } | ({ kind: 'ambiguous' } & Ambiguity) | undefined {
  const first = Number(match[1]);
  const second = Number(match[3]);
  const year = fullYear(match[4] ?? '', now);
  const monthFirst = isoOf(year, first, second);
  const dayFirst = isoOf(year, second, first);
  if (!monthFirst || !dayFirst || monthFirst === dayFirst) {
    const date = monthFirst ?? dayFirst;
    return date ? { kind: 'date', date } : undefined;
  }
  const decided = match[2] === '.' ? (order === 'day_first' ? order : undefined) : order;
  if (decided === 'month_first') return { kind: 'date', date: monthFirst };
  if (decided === 'day_first') return { kind: 'date', date: dayFirst };
  // In the order the customer's locale (or, without one, the most common convention) would suggest.
  return {
    kind: 'ambiguous',
    choices: match[2] === '.' ? [dayFirst, monthFirst] : [monthFirst, dayFirst],
    dayFirst,
    monthFirst,
  };
}

/** Two-digit years are the latest year ending in them that is not in the future: births and incidents. */
function fullYear(digits: string, now: Date): number {
  if (digits.length === 4) return Number(digits);
  const recent = 2000 + Number(digits);
  return recent <= now.getFullYear() ? recent : recent - 100;
}

function monthOf(name: string | undefined): number {
  const prefix = (name ?? '').toLowerCase().slice(0, 3);
  return monthNames.findIndex((month) => month.startsWith(prefix)) + 1;
}

function latestOccurrence(month: number, day: number, now: Date): string | undefined {
  const thisYear = isoOf(now.getFullYear(), month, day);
  if (thisYear && thisYear <= format(now, 'yyyy-MM-dd')) return thisYear;
  return isoOf(now.getFullYear() - 1, month, day);
}

function isoOf(year: number, month: number, day: number): string | undefined {
  if (year < minYear || year > maxYear || month < 1 || month > 12 || day < 1) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? toIsoDate(date) : undefined;
}

/**
 * The support team's business hours (`SUPPORT_HOURS`, e.g. `Mon-Fri 09:00-17:00`, in one IANA time
 * zone): whether the team is in now, and a deadline counted in business minutes only, so a live
 * handoff asked for at 16:55 is due the next morning and a ticket promised "within 8 business hours"
 * on a Friday evening is due on Monday.
 */
import { z } from 'zod';

const dayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** Business hours as the services use them. */
export interface BusinessHours {
  /** Days of the week the team works, 0 = Sunday. */
  days: ReadonlySet<number>;
  /** Minutes after local midnight the day starts and ends. */
  opensAt: number;
  closesAt: number;
  timeZone: string;
}

const clock = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Parses `Mon-Fri 09:00-17:00` (days as a range or a comma list: `Mon,Wed,Fri`, `Mon-Sat`); undefined
 * when the text is not of that shape.
 */
export function parseBusinessHours(text: string, timeZone: string): BusinessHours | undefined {
  const match = /^\s*([A-Za-z,\- ]+?)\s+(\d{2}:\d{2})\s*-\s*(\d{2}:\d{2})\s*$/.exec(text);
  if (!match) return undefined;
  const [, dayText = '', open = '', close = ''] = match;
  const days = new Set<number>();
  for (const part of dayText.toLowerCase().split(',')) {
    const [from, to] = part.split('-').map((entry) => dayNames.indexOf(entry.trim().slice(0, 3) as never));
    if (from === undefined || from < 0 || (to !== undefined && to < 0)) return undefined;
    for (let day = from; ; day = (day + 1) % 7) {
      days.add(day);
      if (to === undefined || day === to) break;
    }
  }
  const minutes = (value: string) => {
    const parts = clock.exec(value);
    return parts ? Number(parts[1]) * 60 + Number(parts[2]) : undefined;
  };
  const opensAt = minutes(open);
  const closesAt = minutes(close);
  if (opensAt === undefined || closesAt === undefined || closesAt <= opensAt || days.size === 0)
    return undefined;
  return { days, opensAt, closesAt, timeZone };
}

/** The zod form of `SUPPORT_HOURS` text, checked but kept as text (the zone comes separately). */
export const businessHoursText = z
  .string()
  .trim()
  .refine((value) => parseBusinessHours(value, 'UTC') !== undefined, {
    message: 'must look like Mon-Fri 09:00-17:00',
  });

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Local weekday and minute of the day of `at` in `timeZone`. */
function local(at: Date, timeZone: string): { day: number; minute: number } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  let day = 0;
  let minute = 0;
  for (const part of format.formatToParts(at)) {
    if (part.type === 'weekday') day = dayNames.indexOf(part.value.toLowerCase().slice(0, 3) as never);
    if (part.type === 'hour') minute += Number(part.value) * 60;
    if (part.type === 'minute') minute += Number(part.value);
  }
  return { day, minute };
}

/** True when `at` falls within the hours. */
export function isOpen(hours: BusinessHours, at: Date): boolean {
  const { day, minute } = local(at, hours.timeZone);
  return hours.days.has(day) && minute >= hours.opensAt && minute < hours.closesAt;
}

const minuteMs = 60_000;
/** Far enough to pass any closed stretch (a long weekend of a five-day week and more). */
const maxScanMinutes = 14 * 24 * 60;

/** `minutes` business minutes after `from`: the clock runs only while the team is in. */
export function addBusinessMinutes(hours: BusinessHours, from: Date, minutes: number): Date {
  let at = from.getTime();
  let left = minutes;
  for (let scanned = 0; left > 0 && scanned < maxScanMinutes; scanned++) {
    if (isOpen(hours, new Date(at))) left--;
    at += minuteMs;
  }
  return new Date(at);
}

/** The next moment the team is in, from `from` on (itself when open). */
export function nextOpening(hours: BusinessHours, from: Date): Date {
  let at = from.getTime();
  for (let scanned = 0; !isOpen(hours, new Date(at)) && scanned < maxScanMinutes; scanned++) {
    at += minuteMs;
  }
  return new Date(at);
}

/** `Mon–Fri 9:00–17:00` for people. */
export function describeHours(hours: BusinessHours): string {
  const sorted = [...hours.days].sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7));
  const name = (day: number) => {
    const text = dayNames[day] ?? '';
    return text.charAt(0).toUpperCase() + text.slice(1);
  };
  const consecutive = sorted.every((day, index) => index === 0 || day === ((sorted[index - 1] ?? 0) + 1) % 7);
  const days =
    sorted.length > 2 && consecutive
      ? `${name(sorted[0] ?? 0)}–${name(sorted.at(-1) ?? 0)}`
      : sorted.map(name).join(', ');
  const time = (minute: number) => `${Math.floor(minute / 60)}:${String(minute % 60).padStart(2, '0')}`;
  return `${days} ${time(hours.opensAt)}–${time(hours.closesAt)}`;
}

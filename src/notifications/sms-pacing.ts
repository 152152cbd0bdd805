/**
 * When an SMS may leave: never in the customer's quiet hours (before 8:00 or from 21:00 their time),
 * and no faster than `ratePerSecond` over every process sharing the database. The pace is one counter
 * in MongoDB holding the next free send slot; each send takes the slot after the last one taken, with
 * one atomic update so two dispatchers never take the same slot. A send whose slot is near waits for
 * it; one whose slot is further off keeps the slot (in the outbox row, `paceSlot`) and is put back in
 * the outbox until then, so a long queue is deferred once per row rather than on every pass.
 */
import type { Collection } from 'mongodb';
import type { Types } from 'mongoose';
import type { Models } from '../db/models/index.js';

/** First local hour an SMS may be sent in. */
export const quietHoursEnd = 8;
/** First local hour no SMS may be sent in. */
export const quietHoursStart = 21;

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(at: Date, timeZone: string): WallClock {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((part) => [part.type, part.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** How far the zone's clock is ahead of UTC at `at`, in milliseconds. */
function offsetMs(at: Date, timeZone: string): number {
  const wall = wallClock(at, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant the zone's clock shows `hour`:00 on the given day (day may overflow the month). */
function zonedHour(year: number, month: number, day: number, hour: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day, hour);
  // Twice: the first guess may sit on the other side of a daylight-saving change.
  let instant = wall - offsetMs(new Date(wall), timeZone);
  instant = wall - offsetMs(new Date(instant), timeZone);
  return new Date(instant);
}

/** The local hour of `at` in `timeZone` (0–23). */
export function localHour(at: Date, timeZone: string): number {
  return wallClock(at, timeZone).hour;
}

/** `at` itself when it is outside the quiet hours of `timeZone`, else the next 8:00 there. */
export function nextSendableAt(at: Date, timeZone: string): Date {
  const wall = wallClock(at, timeZone);
  if (wall.hour >= quietHoursEnd && wall.hour < quietHoursStart) return at;
  const day = wall.hour < quietHoursEnd ? wall.day : wall.day + 1;
  return zonedHour(wall.year, wall.month, day, quietHoursEnd, timeZone);
}

/**
 * Dispatcher workers enough for the pace, not a worker's round trips, to set the rate at
 * `ratePerSecond`: a worker holding an SMS waits for its slot, so up to a quarter of a second of
 * round trips per send (a loaded machine) still leaves the next slot taken in time.
 */
export function pacedConcurrency(ratePerSecond: number): number {
  return Math.max(8, Math.ceil(ratePerSecond / 4));
}

/** Options of {@link SmsPacing}. */
export interface SmsPacingOptions {
  models: Pick<Models, 'customers'>;
  /** Where the pace counter lives (shared by every process). */
  collection: Collection<PacingDocument>;
  ratePerSecond: number;
  /** The zone of a customer who has none. */
  defaultTimeZone: string;
  now?: () => Date;
  /** A slot at most this far off is waited for instead of deferring the row; default 1 s. */
  maxWaitMs?: number;
  /** A slot kept by a row longer ago than this was left by a stopped dispatcher and is taken anew; default 60 s. */
  staleMs?: number;
  /** How long a customer's time zone, once read, is used without reading it again; default 60 s. */
  timeZoneTtlMs?: number;
}

/** The counter: `_id: 'sms'`, `next`, the next free slot in epoch milliseconds. */
export interface PacingDocument {
  _id: string;
  next?: number;
}

/** The outbox row fields pacing needs. */
export interface PacedRow {
  _id: Types.ObjectId;
  route: string;
  recipient: Types.ObjectId;
  /** The send slot the row took when it was last put back for the pace. */
  paceSlot?: Date | null;
}

/** When a row must wait: until `until`, keeping `slot` (a send slot it took) if there is one. */
export interface PacingDeferral {
  until: Date;
  slot?: Date;
}

const counterId = 'sms';
const maxCachedZones = 10_000;

export class SmsPacing {
  private readonly now: () => Date;
  private readonly intervalMs: number;
  private readonly zones = new Map<string, { zone: string | undefined; until: number }>();

  constructor(private readonly options: SmsPacingOptions) {
    this.now = options.now ?? (() => new Date());
    this.intervalMs = 1000 / options.ratePerSecond;
  }

  /**
   * When an SMS row must wait: a later time to put it back in the outbox until (with the slot it took,
   * when the pace is the reason), or undefined to send it now (after waiting for its slot when that is
   * near). Rows of other routes are never held. One database round trip per send at most: the slot.
   */
  async deferUntil(row: PacedRow): Promise<PacingDeferral | undefined> {
    if (row.route !== 'sms') return undefined;
    const now = this.now();
    const quietUntil = nextSendableAt(now, await this.timeZoneOf(row.recipient));
    if (quietUntil.getTime() > now.getTime()) return { until: quietUntil };

    // The row's own slot, taken when it was put back for the pace: it is the row's alone (the row is
    // leased), so using it needs no round trip, and it is not counted twice.
    const kept = row.paceSlot?.getTime();
    const staleBefore = now.getTime() - (this.options.staleMs ?? 60_000);
    const slot = kept !== undefined && kept >= staleBefore ? kept : await this.takeSlot();
    const wait = slot - this.now().getTime();
    if (wait <= 0) return undefined;
    if (wait <= (this.options.maxWaitMs ?? 1000)) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      return undefined;
    }
    return { until: new Date(slot), slot: new Date(slot) };
  }

  /** The customer's zone (or the default), read at most once a minute per customer. */
  private async timeZoneOf(customer: Types.ObjectId): Promise<string> {
    const id = customer.toString();
    const now = Date.now();
    let cached = this.zones.get(id);
    if (!cached || cached.until <= now) {
      const found = await this.options.models.customers.findById(customer).select({ timezone: 1 }).lean();
      if (this.zones.size >= maxCachedZones) this.zones.clear();
      cached = { zone: found?.timezone || undefined, until: now + (this.options.timeZoneTtlMs ?? 60_000) };
      this.zones.set(id, cached);
    }
    return cached.zone ?? this.options.defaultTimeZone;
  }

  /**
   * Takes the next free slot; resolves with its time (epoch milliseconds). One atomic update, however
   * many senders race: the counter is raised to now if it fell behind, then moved on by one interval,
   * and the slot is the value before that move.
   */
  private async takeSlot(): Promise<number> {
    const now = this.now().getTime();
    const update = [
      { $set: { next: { $add: [{ $max: [{ $ifNull: ['$next', 0] }, now] }, this.intervalMs] } } },
    ];
    const take = () =>
      this.options.collection.findOneAndUpdate({ _id: counterId }, update, {
        upsert: true,
        returnDocument: 'after',
      });
    let after;
    try {
      after = await take();
    } catch (error) {
      // Two first-ever senders both upserted the counter: it exists now, so once more updates it.
      if ((error as { code?: number }).code !== 11000) throw error;
      after = await take();
    }
    return Math.ceil((after?.next ?? now + this.intervalMs) - this.intervalMs);
  }
}

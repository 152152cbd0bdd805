/**
 * When an SMS may leave: never in the customer's quiet hours (before 8:00 or from 21:00 their time),
 * and no faster than `ratePerSecond` over every process sharing the database. The pace is one counter
 * in MongoDB holding the next free send slot; each send takes the slot after the last one taken, with
 * atomic updates so two dispatchers never take the same slot. A send whose slot is near waits for it;
 * one whose slot is further off keeps the slot (a reservation under the row's id) and is put back in
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

/** Options of {@link SmsPacing}. */
export interface SmsPacingOptions {
  models: Pick<Models, 'customers'>;
  /** Where the pace counter and the reservations live (shared by every process). */
  collection: Collection<PacingDocument>;
  ratePerSecond: number;
  /** The zone of a customer who has none. */
  defaultTimeZone: string;
  now?: () => Date;
  /** A slot at most this far off is waited for instead of deferring the row; default 1 s. */
  maxWaitMs?: number;
  /** A reservation older than this was left by a stopped dispatcher and is taken anew; default 60 s. */
  staleMs?: number;
}

/**
 * The counter (`_id: 'sms'`, `next`: the next free slot in epoch milliseconds) and the reservations
 * (`_id: 'row:<notification id>'`, `at`).
 */
export interface PacingDocument {
  _id: string;
  at?: Date;
  next?: number;
}

/** The outbox row fields pacing needs. */
export interface PacedRow {
  _id: Types.ObjectId;
  route: string;
  recipient: Types.ObjectId;
}

const counterId = 'sms';

export class SmsPacing {
  private readonly now: () => Date;
  private readonly intervalMs: number;

  constructor(private readonly options: SmsPacingOptions) {
    this.now = options.now ?? (() => new Date());
    this.intervalMs = 1000 / options.ratePerSecond;
  }

  /**
   * When an SMS row must wait: a later time to put it back in the outbox until, or undefined to send
   * it now (after waiting for its slot when that is near). Rows of other routes are never held.
   */
  async deferUntil(row: PacedRow): Promise<Date | undefined> {
    if (row.route !== 'sms') return undefined;
    const now = this.now();
    const customer = await this.options.models.customers
      .findById(row.recipient)
      .select({ timezone: 1 })
      .lean();
    const quietUntil = nextSendableAt(now, customer?.timezone ?? this.options.defaultTimeZone);
    if (quietUntil.getTime() > now.getTime()) return quietUntil;

    const reservationId = `row:${row._id.toString()}`;
    const reserved = await this.options.collection.findOneAndDelete({ _id: reservationId });
    const staleBefore = now.getTime() - (this.options.staleMs ?? 60_000);
    const slot =
      reserved?.at && reserved.at.getTime() >= staleBefore ? reserved.at.getTime() : await this.takeSlot();
    const wait = slot - this.now().getTime();
    if (wait <= 0) return undefined;
    if (wait <= (this.options.maxWaitMs ?? 1000)) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      return undefined;
    }
    await this.options.collection.updateOne(
      { _id: reservationId },
      { $set: { at: new Date(slot) } },
      { upsert: true },
    );
    return new Date(slot);
  }

  /**
   * Takes the next free slot; resolves with its time (epoch milliseconds). Two atomic updates and no
   * retries, however many senders race: the counter is first raised to now, then moved on by one
   * interval, and the value it had is the slot.
   */
  private async takeSlot(): Promise<number> {
    const collection = this.options.collection;
    await collection.updateOne(
      { _id: counterId },
      { $max: { next: this.now().getTime() } },
      { upsert: true },
    );
    const before = await collection.findOneAndUpdate(
      { _id: counterId },
      { $inc: { next: this.intervalMs } },
      { returnDocument: 'before' },
    );
    return Math.ceil(before?.next ?? this.now().getTime());
  }
}

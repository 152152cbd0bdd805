import type { Collection } from 'mongoose';
import type { Models } from '../db/models/index.js';
import { isDuplicateKeyError } from './mapping.js';

/** A human-readable numbering scheme: `CLM` + six digits. */
export interface NumberFormat {
  counter: string;
  prefix: string;
  digits: number;
}

export const claimNumbers: NumberFormat = { counter: 'claim', prefix: 'CLM', digits: 6 };
export const benefitRequestNumbers: NumberFormat = { counter: 'benefit_request', prefix: 'BEN', digits: 6 };
export const dependentRequestNumbers: NumberFormat = {
  counter: 'dependent_request',
  prefix: 'DEP',
  digits: 6,
};
export const renewalRequestNumbers: NumberFormat = { counter: 'renewal_request', prefix: 'RNW', digits: 6 };
export const upgradeRequestNumbers: NumberFormat = { counter: 'upgrade_request', prefix: 'UPG', digits: 6 };

export function formatNumber(format: NumberFormat, seq: number): string {
  return `${format.prefix}-${String(seq).padStart(format.digits, '0')}`;
}

const maxAttempts = 5;

/**
 * Hands out numbers from an atomic counter (`$inc` in one findAndModify, so concurrent callers never
 * share one) and inserts with them. Should the counter lag behind the data — a restore without the
 * counters collection, documents inserted by hand — the unique index refuses the insert; the counter
 * is then moved past the highest number in use and the insert retried.
 */
export class NumberAllocator {
  constructor(private readonly models: Pick<Models, 'counters'>) {}

  async next(format: NumberFormat): Promise<string> {
    const counter = await this.models.counters
      .findOneAndUpdate(
        { _id: format.counter },
        { $inc: { seq: 1 } },
        { upsert: true, returnDocument: 'after' },
      )
      .lean();
    return formatNumber(format, counter.seq);
  }

  /** Moves the counter to at least `seq` (never backwards). */
  async advanceTo(format: NumberFormat, seq: number): Promise<void> {
    await this.models.counters.updateOne({ _id: format.counter }, { $max: { seq } }, { upsert: true });
  }

  /**
   * Runs `insert` with fresh numbers until one is not already taken in the numbered collection; `first`
   * is a number the caller took beforehand from {@link next} (alongside its other reads), tried first.
   */
  async insertWithNumber<T>(
    format: NumberFormat,
    numbered: { collection: Collection },
    insert: (number: string) => Promise<T>,
    first?: string,
  ): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const number = attempt === 1 && first !== undefined ? first : await this.next(format);
      try {
        return await insert(number);
      } catch (error) {
        const onNumber = isDuplicateKeyError(error) && (!error.keyPattern || 'number' in error.keyPattern);
        if (!onNumber || attempt >= maxAttempts) {
          throw error;
        }
        await this.resync(format, numbered.collection);
      }
    }
  }

  private async resync(format: NumberFormat, collection: Collection): Promise<void> {
    // Fixed-width numbers sort lexicographically in numeric order.
    const [highest] = await collection
      .find({ number: { $regex: `^${format.prefix}-\\d{${format.digits}}$` } })
      .sort({ number: -1 })
      .limit(1)
      .project({ number: 1 })
      .toArray();
    const number: unknown = highest?.number;
    const seq = typeof number === 'string' ? Number(number.slice(format.prefix.length + 1)) : 0;
    await this.advanceTo(format, seq);
  }
}

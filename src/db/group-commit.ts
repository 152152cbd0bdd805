/**
 * Group commit: many small writes of the same kind, made close together, become one database call.
 * The first item waits `windowMs` for company; items arriving while a batch is being written go into
 * the next one. Each caller's promise settles only when the write holding its item has: nothing is
 * acknowledged before it is stored, so a crash loses nothing that was answered.
 *
 * For writes whose callers do not need the answer at once (delivery receipts, which Twilio gives
 * 15 seconds), never for a step a customer is waiting on.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface GroupCommitOptions {
  /** How long the first item of a batch waits for others (default 10 ms). */
  windowMs?: number;
  /** The most items one write takes (default 500). */
  maxBatch?: number;
}

/**
 * Wraps `write`, which stores a batch and returns one result per item in the same order, into a
 * function taking one item. A failed write rejects every item of its batch.
 */
export function groupCommit<Item, Result>(
  write: (items: Item[]) => Promise<Result[]>,
  options: GroupCommitOptions = {},
): (item: Item) => Promise<Result> {
  const windowMs = options.windowMs ?? 10;
  const maxBatch = options.maxBatch ?? 500;
  let queue: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  let writing = false;

  async function drain(): Promise<void> {
    writing = true;
    await sleep(windowMs);
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        const results = await write(batch.map((entry) => entry.item));
        batch.forEach((entry, index) => entry.resolve(results[index]!));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    writing = false;
  }

  return (item) =>
    new Promise<Result>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!writing) void drain();
    });
}

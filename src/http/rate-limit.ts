/**
 * Per-client rate limits. Counters are documents in the app's MongoDB (`rate_limits`), so a limit holds
 * across every process on one database. A key that has used up its window is then refused from this
 * process's memory until the window ends, so a flood costs no database round trips; should the database
 * fail, each process falls back to counting in memory rather than refusing everyone.
 */
import type { Db } from 'mongodb';
import {
  RateLimiterMemory,
  RateLimiterMongo,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
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

/** A limiter named `name` (its keys are kept apart from every other limiter's) over `db`. */
export async function createMongoLimiter(db: Db, name: string, limit: Limit): Promise<RateLimiterAbstract> {
  const limiter = new RateLimiterMongo({
    storeClient: db,
    tableName: collectionName,
    keyPrefix: name,
    points: limit.points,
    duration: limit.durationSeconds,
    inMemoryBlockOnConsumed: limit.points,
    insuranceLimiter: new RateLimiterMemory({
      keyPrefix: name,
      points: limit.points,
      duration: limit.durationSeconds,
    }),
    // Created here and awaited, so a failure stops the start instead of landing in the console.
    disableIndexesCreation: true,
  });
  await limiter.createIndexes();
  return limiter;
}

/**
 * A handler that consumes one point of `key(req)` on `limiter`. Over the limit: 429 `rate_limited` with
 * `Retry-After` in seconds. `what` names the action in the message ("messages in this conversation").
 */
export function rateLimit(
  limiter: RateLimiterAbstract,
  key: (req: Request) => string,
  what: string,
): RateLimitHandler {
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

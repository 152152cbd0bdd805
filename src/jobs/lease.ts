/**
 * One runner per job across every process on the database: a lease document per job in `jobleases`
 * (`_id` the job's name, `owner`, `expiresAt`). A process takes the lease when it is free or expired,
 * renews it while it works, and gives it back when done; a process that dies holding it blocks the
 * job only until the lease expires.
 */
import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';

/** A lease document. */
export interface LeaseDocument {
  _id: string;
  owner: string;
  expiresAt: Date;
}

/** Options of {@link JobLease}. */
export interface JobLeaseOptions {
  collection: Collection<LeaseDocument>;
  /** The job's name. */
  job: string;
  /** How long the lease lasts without renewal. */
  ttlMs: number;
  now?: () => Date;
}

export class JobLease {
  /** Names this process's hold on the lease. */
  readonly owner = randomUUID();
  private readonly now: () => Date;

  constructor(private readonly options: JobLeaseOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Takes the lease if it is free, expired or already ours; true when we hold it now. */
  async acquire(): Promise<boolean> {
    const now = this.now();
    try {
      const taken = await this.options.collection.findOneAndUpdate(
        { _id: this.options.job, $or: [{ owner: this.owner }, { expiresAt: { $lte: now } }] },
        { $set: { owner: this.owner, expiresAt: this.expiry(now) } },
        { upsert: true, returnDocument: 'after' },
      );
      return taken?.owner === this.owner;
    } catch (error) {
      // The lease exists and is someone else's: the upsert collided with it.
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  /** Extends the lease; false when it is no longer ours (it expired and another process took it). */
  async renew(): Promise<boolean> {
    const now = this.now();
    const result = await this.options.collection.updateOne(
      { _id: this.options.job, owner: this.owner, expiresAt: { $gt: now } },
      { $set: { expiresAt: this.expiry(now) } },
    );
    return result.matchedCount === 1;
  }

  /** Gives the lease back, so the next pass anywhere need not wait for it to expire. */
  async release(): Promise<void> {
    await this.options.collection.updateOne(
      { _id: this.options.job, owner: this.owner },
      { $set: { expiresAt: new Date(0) } },
    );
  }

  /**
   * Runs `work` while holding the lease, renewing it every third of its lifetime; `work`'s signal
   * aborts when a renewal finds the lease lost. Resolves with undefined when another process holds it.
   */
  async run<T>(work: (signal: AbortSignal) => Promise<T>): Promise<{ result: T } | undefined> {
    if (!(await this.acquire())) return undefined;
    const lost = new AbortController();
    const renewal = setInterval(() => {
      this.renew().then(
        (held) => {
          if (!held) lost.abort(new Error(`the ${this.options.job} lease was lost`));
        },
        (error: unknown) => lost.abort(error),
      );
    }, this.options.ttlMs / 3);
    try {
      return { result: await work(lost.signal) };
    } finally {
      clearInterval(renewal);
      if (!lost.signal.aborted) await this.release();
    }
  }

  private expiry(now: Date): Date {
    return new Date(now.getTime() + this.options.ttlMs);
  }
}

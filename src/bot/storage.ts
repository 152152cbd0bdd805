/**
 * Bot state (conversation and user state, dialog stacks) in MongoDB, behind botbuilder's `Storage`.
 */
import { randomUUID } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import type { Collection } from 'mongodb';
import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKeyError } from '../domain/mapping.js';

/** The collection holding bot state, one document per storage key. */
const botStateCollection = 'botstate';

interface BotStateRow {
  _id: string;
  /** The item as JSON, so any key botbuilder or a dialog uses (dots, `$`) survives untouched. */
  data: string;
  eTag: string;
  updatedAt: Date;
}

const botStateSchema = new Schema<BotStateRow>(
  {
    _id: { type: String, required: true },
    data: { type: String, required: true },
    eTag: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: botStateCollection, versionKey: false },
);
/** State of a conversation nobody has touched for this long is removed, so the collection stays bounded. */
const botStateRetentionDays = 30;
botStateSchema.index({ updatedAt: 1 }, { expireAfterSeconds: botStateRetentionDays * 24 * 60 * 60 });

/** An item as this process last wrote it. */
interface WrittenItem {
  data: string;
  eTag: string;
  /** When it was written (epoch ms). */
  at: number;
}

export interface MongoStorageOptions {
  /** How long an item this process wrote is read back from memory; default one minute, 0 turns it off. */
  cacheMs?: number;
  /** The clock, in epoch ms. */
  now?: () => number;
}

/** See `MongoStorageOptions.cacheMs`. */
const defaultCacheMs = 60_000;
/** Most items kept in memory; the least recently written go first. */
const cachedItems = 10_000;

function itemOf(row: Pick<BotStateRow, 'data' | 'eTag'>): StoreItems[string] {
  return { ...(JSON.parse(row.data) as object), eTag: row.eTag };
}

/**
 * A write refused because the item changed since it was read (its eTag no longer matches): the turn
 * that wrote second must reload and retry rather than overwrite the other turn's state.
 */
export class StoragePreconditionError extends Error {
  /** The HTTP status a store such as Cosmos DB or Blob storage reports for the same refusal. */
  readonly status = 412;
  readonly code = 'precondition_failed';

  constructor(readonly key: string) {
    super(`Storage: error writing "${key}" due to eTag conflict.`);
    this.name = 'StoragePreconditionError';
  }
}

/**
 * botbuilder `Storage` on a mongoose connection, with optimistic concurrency as botbuilder defines it:
 * an item written with no eTag or with `eTag: '*'` is written unconditionally; an item written with the
 * eTag it was read with is written only if nobody wrote it since, otherwise the write fails with
 * `StoragePreconditionError`. Every successful write gives the item a new eTag, returned by `read`.
 * An item written with a concrete eTag that no longer exists (deleted meanwhile) is refused too, since
 * writing it back would silently undo the delete. A written item gets its new eTag set on the object
 * passed in, so the caller can write it again without re-reading it.
 *
 * Reading state is the one database round trip every turn makes, so an item this process wrote is read
 * back from memory for a while (`cacheMs`, default a minute) rather than fetched. Where one process
 * serves a conversation that copy is exact. Should another process write the item meanwhile, this one
 * may read its own older copy for up to `cacheMs`, but never overwrites the newer item: its write
 * carries the older eTag and is refused, which also drops the copy, so the next read fetches the item.
 */
export class MongoStorage implements Storage {
  private readonly model: Model<BotStateRow>;
  /** The model's driver collection, typed: mongoose declares it for any document. */
  private readonly rows: Collection<BotStateRow>;
  /** Items as this process last wrote them, least recently written first. */
  private readonly written = new Map<string, WrittenItem>();
  /** Writes in flight per key; `overlapped` once another write or a delete of the key came in between. */
  private readonly pending = new Map<string, { writes: number; overlapped: boolean }>();
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(connection: Connection, options: MongoStorageOptions = {}) {
    // Compiling the same schema again on a connection returns the model already there.
    this.model = connection.model<BotStateRow>('BotStateItem', botStateSchema);
    this.rows = this.model.collection as unknown as Collection<BotStateRow>;
    this.cacheMs = options.cacheMs ?? defaultCacheMs;
    this.now = options.now ?? Date.now;
  }

  /** Builds the collection's indexes (the retention TTL); call once at start. */
  async ensureIndexes(): Promise<void> {
    await this.model.createIndexes();
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (!Array.isArray(keys)) throw new ReferenceError('Keys are required when reading.');
    const items: StoreItems = {};
    const missing: string[] = [];
    for (const key of keys) {
      const cached = this.recent(key);
      if (cached) items[key] = itemOf(cached);
      else missing.push(key);
    }
    if (missing.length === 0) return items;
    // The driver directly: this runs on every turn, and the rows need no casting.
    const rows = await this.rows
      .find({ _id: { $in: missing } }, { projection: { data: 1, eTag: 1 } })
      .toArray();
    for (const row of rows) items[row._id] = itemOf(row);
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    if (!changes || typeof changes !== 'object')
      throw new ReferenceError('Changes are required when writing.');
    // Keys are independent (as in every botbuilder store); all are attempted, then the first refusal is raised.
    const results = await Promise.allSettled(
      Object.entries(changes).map(([key, item]: [string, unknown]) => this.writeOne(key, item)),
    );
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  }

  async delete(keys: string[]): Promise<void> {
    if (!Array.isArray(keys)) throw new ReferenceError('Keys are required when deleting.');
    if (keys.length === 0) return;
    for (const key of keys) this.forget(key);
    await this.model.deleteMany({ _id: { $in: keys } });
  }

  private async writeOne(key: string, item: unknown): Promise<void> {
    if (typeof item !== 'object' || item === null) {
      throw new TypeError(`Storage: item "${key}" must be an object.`);
    }
    const { eTag: expected, ...rest } = item as { eTag?: unknown };
    const next = { data: JSON.stringify(rest), eTag: randomUUID(), updatedAt: new Date() };
    const pending = this.beginWrite(key);
    try {
      if (expected === undefined || expected === null || expected === '' || expected === '*') {
        await this.upsert(key, next);
      } else {
        const result = await this.model.updateOne({ _id: key, eTag: String(expected) }, { $set: next });
        if (result.matchedCount === 0) throw new StoragePreconditionError(key);
      }
      // Of overlapping writes of one key, the database decides which lands last: none is remembered.
      if (!pending.overlapped) this.remember(key, { data: next.data, eTag: next.eTag, at: this.now() });
    } catch (error) {
      // Refused (another process wrote it) or failed: the next read goes to the database.
      this.forget(key);
      throw error;
    } finally {
      if (--pending.writes === 0) this.pending.delete(key);
    }
    (item as { eTag?: string }).eTag = next.eTag;
  }

  /** The item as this process wrote it, if that was recently enough to trust. */
  private recent(key: string): WrittenItem | undefined {
    const cached = this.written.get(key);
    if (!cached) return undefined;
    if (this.now() - cached.at >= this.cacheMs) {
      this.written.delete(key);
      return undefined;
    }
    return cached;
  }

  private remember(key: string, item: WrittenItem): void {
    this.written.delete(key);
    this.written.set(key, item);
    if (this.written.size > cachedItems) {
      const oldest = this.written.keys().next().value;
      if (oldest !== undefined) this.written.delete(oldest);
    }
  }

  private beginWrite(key: string): { writes: number; overlapped: boolean } {
    const pending = this.pending.get(key);
    if (!pending) {
      const first = { writes: 1, overlapped: false };
      this.pending.set(key, first);
      return first;
    }
    pending.writes++;
    this.forget(key);
    return pending;
  }

  /** Drops what is remembered of the key, and keeps writes of it in flight from remembering theirs. */
  private forget(key: string): void {
    this.written.delete(key);
    const pending = this.pending.get(key);
    if (pending) pending.overlapped = true;
  }

  private async upsert(key: string, next: Omit<BotStateRow, '_id'>): Promise<void> {
    try {
      await this.model.updateOne({ _id: key }, { $set: next }, { upsert: true });
    } catch (error) {
      // Two first writes of one key can both try to insert; the loser's write then lands as an update.
      if (!isDuplicateKeyError(error)) throw error;
      await this.model.updateOne({ _id: key }, { $set: next });
    }
  }
}

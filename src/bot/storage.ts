/**
 * Bot state (conversation and user state, dialog stacks) in MongoDB, behind botbuilder's `Storage`.
 */
import { randomUUID } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import type { Collection } from 'mongodb';
import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKeyError } from '../domain/mapping.js';

/** The collection holding bot state, one document per storage key. */
export const botStateCollection = 'botstate';

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
export const botStateRetentionDays = 30;
botStateSchema.index({ updatedAt: 1 }, { expireAfterSeconds: botStateRetentionDays * 24 * 60 * 60 });

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
 */
export class MongoStorage implements Storage {
  private readonly model: Model<BotStateRow>;
  /** The model's driver collection, typed: mongoose declares it for any document. */
  private readonly rows: Collection<BotStateRow>;

  constructor(connection: Connection) {
    // Compiling the same schema again on a connection returns the model already there.
    this.model = connection.model<BotStateRow>('BotStateItem', botStateSchema);
    this.rows = this.model.collection as unknown as Collection<BotStateRow>;
  }

  /** Builds the collection's indexes (the retention TTL); call once at start. */
  async ensureIndexes(): Promise<void> {
    await this.model.createIndexes();
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (!Array.isArray(keys)) throw new ReferenceError('Keys are required when reading.');
    if (keys.length === 0) return {};
    // The driver directly: this runs on every turn, and the rows need no casting.
    const rows = await this.rows.find({ _id: { $in: keys } }, { projection: { data: 1, eTag: 1 } }).toArray();
    const items: StoreItems = {};
    for (const row of rows) {
      items[row._id] = { ...(JSON.parse(row.data) as object), eTag: row.eTag };
    }
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
    await this.model.deleteMany({ _id: { $in: keys } });
  }

  private async writeOne(key: string, item: unknown): Promise<void> {
    if (typeof item !== 'object' || item === null) {
      throw new TypeError(`Storage: item "${key}" must be an object.`);
    }
    const { eTag: expected, ...rest } = item as { eTag?: unknown };
    const next = { data: JSON.stringify(rest), eTag: randomUUID(), updatedAt: new Date() };
    if (expected === undefined || expected === null || expected === '' || expected === '*') {
      await this.upsert(key, next);
    } else {
      const result = await this.model.updateOne({ _id: key, eTag: String(expected) }, { $set: next });
      if (result.matchedCount === 0) throw new StoragePreconditionError(key);
    }
    (item as { eTag?: string }).eTag = next.eTag;
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

/**
 * The same small CRUD surface implemented twice, over the official driver and over mongoose models, so
 * every conformance case runs through both client stacks.
 */
import type { Collection, Document } from 'mongodb';
import mongoose from 'mongoose';
import type { TestDatabase } from './database.js';

interface UpdateOutcome {
  matched: number;
  modified: number;
  upsertedId: unknown;
}

interface FindOptions {
  sort?: Record<string, 1 | -1>;
  projection?: Document;
  skip?: number;
  limit?: number;
}

/** One collection, reached through one client stack. */
export interface CrudApi {
  insertMany(docs: Document[]): Promise<void>;
  find(filter: Document, options?: FindOptions): Promise<Document[]>;
  updateOne(filter: Document, update: Document | Document[], options?: Document): Promise<UpdateOutcome>;
  updateMany(filter: Document, update: Document, options?: Document): Promise<UpdateOutcome>;
  replaceOne(filter: Document, replacement: Document, options?: Document): Promise<UpdateOutcome>;
  deleteOne(filter: Document): Promise<number>;
  deleteMany(filter: Document): Promise<number>;
  findOneAndUpdate(
    filter: Document,
    update: Document,
    options?: { after?: boolean; upsert?: boolean; sort?: Record<string, 1 | -1>; projection?: Document },
  ): Promise<Document | null>;
  findOneAndDelete(filter: Document, options?: { sort?: Record<string, 1 | -1> }): Promise<Document | null>;
  count(filter: Document): Promise<number>;
  distinct(key: string, filter?: Document): Promise<unknown[]>;
  aggregate(pipeline: Document[]): Promise<Document[]>;
}

type Flavour = 'driver' | 'mongoose';
export const FLAVOURS: Flavour[] = ['driver', 'mongoose'];

function driverApi(coll: Collection): CrudApi {
  return {
    async insertMany(docs) {
      await coll.insertMany(docs.map((d) => ({ ...d })));
    },
    find: (filter, o = {}) =>
      coll.find(filter, { projection: o.projection, sort: o.sort, skip: o.skip, limit: o.limit }).toArray(),
    async updateOne(filter, update, options) {
      const r = await coll.updateOne(filter, update, options);
      return { matched: r.matchedCount, modified: r.modifiedCount, upsertedId: r.upsertedId };
    },
    async updateMany(filter, update, options) {
      const r = await coll.updateMany(filter, update, options);
      return { matched: r.matchedCount, modified: r.modifiedCount, upsertedId: r.upsertedId };
    },
    async replaceOne(filter, replacement, options) {
      const r = await coll.replaceOne(filter, replacement, options);
      return { matched: r.matchedCount, modified: r.modifiedCount, upsertedId: r.upsertedId };
    },
    deleteOne: async (filter) => (await coll.deleteOne(filter)).deletedCount,
    deleteMany: async (filter) => (await coll.deleteMany(filter)).deletedCount,
    findOneAndUpdate: (filter, update, o = {}) =>
      coll.findOneAndUpdate(filter, update, {
        returnDocument: o.after ? 'after' : 'before',
        upsert: o.upsert,
        sort: o.sort,
        projection: o.projection,
      }),
    findOneAndDelete: (filter, o = {}) => coll.findOneAndDelete(filter, { sort: o.sort }),
    count: (filter) => coll.countDocuments(filter),
    distinct: (key, filter = {}) => coll.distinct(key, filter),
    aggregate: (pipeline) => coll.aggregate(pipeline).toArray(),
  };
}

function mongooseApi(model: mongoose.Model<Document>): CrudApi {
  const outcome = (r: {
    matchedCount: number;
    modifiedCount: number;
    upsertedId?: unknown;
  }): UpdateOutcome => ({
    matched: r.matchedCount,
    modified: r.modifiedCount,
    upsertedId: r.upsertedId ?? null,
  });
  return {
    async insertMany(docs) {
      await model.insertMany(docs.map((d) => ({ ...d })));
    },
    async find(filter, o = {}) {
      let q = model.find(filter, o.projection);
      if (o.sort) q = q.sort(o.sort);
      if (o.skip !== undefined) q = q.skip(o.skip);
      if (o.limit !== undefined) q = q.limit(o.limit);
      return (await q.lean().exec()) as Document[];
    },
    updateOne: async (filter, update, options = {}) =>
      outcome(
        await model
          .updateOne(filter, update as mongoose.UpdateQuery<Document>, {
            ...options,
            // mongoose refuses pipeline-style updates unless asked for explicitly.
            ...(Array.isArray(update) ? { updatePipeline: true } : {}),
          })
          .exec(),
      ),
    updateMany: async (filter, update, options = {}) =>
      outcome(await model.updateMany(filter, update, options).exec()),
    replaceOne: async (filter, replacement, options = {}) =>
      outcome(await model.replaceOne(filter, replacement, options).exec()),
    deleteOne: async (filter) => (await model.deleteOne(filter).exec()).deletedCount,
    deleteMany: async (filter) => (await model.deleteMany(filter).exec()).deletedCount,
    findOneAndUpdate: async (filter, update, o = {}) =>
      (await model
        .findOneAndUpdate(filter, update, {
          returnDocument: o.after ? 'after' : 'before',
          upsert: o.upsert,
          sort: o.sort,
          projection: o.projection,
        })
        .lean()
        .exec()) as Document | null,
    findOneAndDelete: async (filter, o = {}) =>
      (await model.findOneAndDelete(filter, { sort: o.sort }).lean().exec()) as Document | null,
    count: (filter) => model.countDocuments(filter).exec(),
    distinct: (key, filter = {}) => model.distinct(key, filter).exec() as Promise<unknown[]>,
    aggregate: (pipeline) => model.aggregate(pipeline as mongoose.PipelineStage[]).exec(),
  };
}

let counter = 0;

/** A fresh, empty collection reached through the given client stack. */
export async function collectionApi(
  t: TestDatabase,
  flavour: Flavour,
): Promise<{ api: CrudApi; name: string }> {
  const name = `c${++counter}_${flavour}`;
  if (flavour === 'driver') return { api: driverApi(t.db.collection(name)), name };
  const conn = await t.mongoose();
  const schema = new mongoose.Schema<Document>(
    { _id: mongoose.Schema.Types.Mixed },
    { strict: false, strictQuery: false, versionKey: false },
  );
  return { api: mongooseApi(conn.model<Document>(name, schema, name)), name };
}

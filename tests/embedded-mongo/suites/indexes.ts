import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import {
  MongoServerError,
  type CreateIndexesOptions,
  type Document,
  type Filter,
  type ObjectId,
} from 'mongodb';
import mongoose from 'mongoose';
import { openTestDatabase, type LooseDoc, type TestDatabase } from '../database.js';

describe('indexes', () => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase('idx');
  });
  after(async () => {
    await t.close();
  });

  /** Asserts a duplicate-key error shaped like MongoDB's and returns it. */
  async function duplicate(
    promise: Promise<unknown>,
    keyPattern: Document,
    keyValue: Document,
  ): Promise<void> {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof MongoServerError, String(err));
      assert.equal(err.code, 11000);
      assert.deepEqual(err.keyPattern, keyPattern);
      assert.deepEqual(err.keyValue, keyValue);
      assert.match(err.message, /^E11000 duplicate key error collection: \S+ index: \S+ dup key: \{ .* \}$/);
      return true;
    });
  }

  /**
   * Stores `docs` in a plain collection and in one indexed on `v` with `indexOptions`, then asserts every
   * filter finds the same documents in both.
   */
  async function answersLikeScan(
    prefix: string,
    docs: LooseDoc[],
    indexOptions: CreateIndexesOptions,
    filters: Filter<LooseDoc>[],
  ): Promise<void> {
    const plain = t.coll(`${prefix}_plain`);
    const indexed = t.coll(`${prefix}_indexed`);
    await plain.insertMany(docs);
    await indexed.createIndex({ v: 1 }, indexOptions);
    await indexed.insertMany(docs);
    for (const filter of filters) {
      const expected = (await plain.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);
      const actual = (await indexed.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);
      assert.deepEqual(actual, expected, JSON.stringify(filter));
    }
  }

  describe('unique indexes', () => {
    test('single field, with the real index name in the message', async () => {
      const c = t.coll('u1');
      assert.equal(await c.createIndex({ email: 1 }, { unique: true }), 'email_1');
      await c.insertOne({ email: 'a' });
      await duplicate(c.insertOne({ email: 'a' }), { email: 1 }, { email: 'a' });
      await c.insertOne({ email: 'b' });
      await duplicate(c.updateOne({ email: 'b' }, { $set: { email: 'a' } }), { email: 1 }, { email: 'a' });
      await duplicate(
        c.findOneAndUpdate({ email: 'b' }, { $set: { email: 'a' } }),
        { email: 1 },
        { email: 'a' },
      );
      assert.deepEqual(
        await c
          .find({}, { projection: { _id: 0 } })
          .sort({ email: 1 })
          .toArray(),
        [{ email: 'a' }, { email: 'b' }],
      );
    });

    test('_id is always unique', async () => {
      const c = t.coll('u0');
      await c.insertOne({ _id: 'k' });
      await duplicate(c.insertOne({ _id: 'k' }), { _id: 1 }, { _id: 'k' });
    });

    test('compound and nested paths', async () => {
      const c = t.coll('u2');
      await c.createIndex({ 'owner.id': 1, kind: -1 }, { unique: true, name: 'owner_kind' });
      await c.insertMany([
        { owner: { id: 1 }, kind: 'a' },
        { owner: { id: 1 }, kind: 'b' },
        { owner: { id: 2 }, kind: 'a' },
      ]);
      await duplicate(
        c.insertOne({ owner: { id: 1 }, kind: 'a' }),
        { 'owner.id': 1, kind: -1 },
        { 'owner.id': 1, kind: 'a' },
      );
      const err = await c.insertOne({ owner: { id: 2 }, kind: 'a' }).catch((e: unknown) => e);
      assert.match(
        String((err as Error).message),
        /index: owner_kind dup key: \{ owner\.id: 2, kind: "a" \}/,
      );
    });

    test('missing fields count as null unless the index is sparse', async () => {
      const dense = t.coll('u3');
      await dense.createIndex({ code: 1 }, { unique: true });
      await dense.insertOne({ name: 'no code' });
      await duplicate(dense.insertOne({ name: 'no code either' }), { code: 1 }, { code: null });

      const sparse = t.coll('u4');
      await sparse.createIndex({ code: 1 }, { unique: true, sparse: true });
      await sparse.insertMany([{ name: 'x' }, { name: 'y' }, { code: 1 }]);
      await duplicate(sparse.insertOne({ code: 1 }), { code: 1 }, { code: 1 });
      assert.equal(await sparse.countDocuments(), 3);
    });

    test('partialFilterExpression limits uniqueness to matching documents', async () => {
      const c = t.coll('u5');
      await c.createIndex({ user: 1 }, { unique: true, partialFilterExpression: { active: true } });
      await c.insertMany([
        { user: 'u', active: false },
        { user: 'u', active: false },
        { user: 'u', active: true },
      ]);
      await duplicate(c.insertOne({ user: 'u', active: true }), { user: 1 }, { user: 'u' });
      await duplicate(c.updateOne({ active: false }, { $set: { active: true } }), { user: 1 }, { user: 'u' });
    });

    test('array values are indexed per element', async () => {
      const c = t.coll('u6');
      await c.createIndex({ tags: 1 }, { unique: true });
      await c.insertOne({ tags: ['a', 'b'] });
      await duplicate(c.insertOne({ tags: ['c', 'b'] }), { tags: 1 }, { tags: 'b' });
    });

    test('building a unique index over existing duplicates fails and leaves no index', async () => {
      const c = t.coll('u7');
      await c.insertMany([{ v: 1 }, { v: 1 }]);
      await assert.rejects(c.createIndex({ v: 1 }, { unique: true }), (err: unknown) => {
        assert.equal((err as { code?: unknown }).code, 11000);
        return true;
      });
      assert.deepEqual(
        (await c.listIndexes().toArray()).map((i) => i.name),
        ['_id_'],
      );
    });

    test('mongoose surfaces duplicates from schema-declared unique and compound indexes', async () => {
      const conn = await t.mongoose();
      const schema = new mongoose.Schema({
        tenant: String,
        slug: String,
        email: { type: String, unique: true },
      });
      schema.index({ tenant: 1, slug: 1 }, { unique: true });
      const Page = conn.model('Page', schema);
      await Page.init();
      await Page.create({ tenant: 't', slug: 's', email: 'e1' });
      await assert.rejects(Page.create({ tenant: 't', slug: 's', email: 'e2' }), (err: unknown) => {
        const e = err as { code?: unknown; keyValue?: unknown };
        assert.equal(e.code, 11000);
        assert.deepEqual(e.keyValue, { tenant: 't', slug: 's' });
        return true;
      });
      await assert.rejects(Page.create({ tenant: 't', slug: 'other', email: 'e1' }), (err: unknown) => {
        assert.equal((err as { code?: unknown }).code, 11000);
        return true;
      });
      const names = (await Page.listIndexes()).map((i: { name?: unknown }) => i.name).sort();
      assert.deepEqual(names, ['_id_', 'email_1', 'tenant_1_slug_1']);
    });
  });

  describe('index management', () => {
    test('listIndexes reports options; conflicting definitions and unknown names are refused; drop works', async () => {
      const c = t.coll('m1');
      await c.createIndex({ a: 1 }, { name: 'a_idx', sparse: true });
      const listed = await c.listIndexes().toArray();
      assert.deepEqual(
        listed.map((i) => [i.name, i.key, i.sparse ?? false]),
        [
          ['_id_', { _id: 1 }, false],
          ['a_idx', { a: 1 }, true],
        ],
      );
      await c.createIndex({ a: 1 }, { name: 'a_idx', sparse: true });
      await assert.rejects(c.createIndex({ b: 1 }, { name: 'a_idx' }), (err: unknown) => {
        assert.equal((err as { code?: unknown }).code, 86);
        return true;
      });
      await assert.rejects(c.createIndex({ a: 1 }, { name: 'other' }), (err: unknown) => {
        assert.equal((err as { code?: unknown }).code, 85);
        return true;
      });
      await assert.rejects(c.dropIndex('nope'), (err: unknown) => {
        assert.equal((err as { code?: unknown }).code, 27);
        return true;
      });
      await c.dropIndex('a_idx');
      assert.deepEqual(
        (await c.listIndexes().toArray()).map((i) => i.name),
        ['_id_'],
      );
    });

    test('queries answer the same with and without an index (arrays, nulls, missing fields, mixed types)', async () => {
      const values: unknown[] = [
        1,
        2.5,
        -3,
        'a',
        'b',
        null,
        true,
        [1, 5],
        [],
        ['a', 2],
        { x: 1 },
        new Date(5),
        10,
      ];
      const docs = values.map((v, i) => ({ _id: i, v }));
      docs.push({ _id: 100 } as { _id: number; v: unknown });
      await answersLikeScan('same', docs, {}, [
        { v: 1 },
        { v: 'a' },
        { v: null },
        { v: { $gt: 1 } },
        { v: { $gte: 2.5, $lt: 10 } },
        { v: { $lte: 'a' } },
        { v: { $in: [1, 'b', null] } },
        { v: { $lt: new Date(10) } },
        { v: { $eq: 5 } },
        { v: [] },
        { v: { x: 1 } },
        { v: { $gt: 0, $ne: 10 } },
      ]);
    });

    test('equality through a unique index answers like a scan', async () => {
      const values: unknown[] = [1, 2.5, 'a', 'b', null, { x: 1 }, [5, 6], new Date(5)];
      const docs = values.map((v, i) => ({ _id: i, v }));
      await answersLikeScan('unique', docs, { unique: true }, [
        { v: 1 },
        { v: 'a' },
        { v: null },
        { v: 6 },
        { v: { x: 1 } },
        { v: { $in: [2.5, 'b', 7] } },
        { v: { $in: [] } },
      ]);
    });

    test('equality and range finds on an indexed field read only the matching documents', async () => {
      const c = t.coll('big');
      const total = 100_000;
      for (let start = 0; start < total; start += 25_000) {
        await c.insertMany(
          Array.from({ length: 25_000 }, (_, i) => ({ n: start + i, group: (start + i) % 100 })),
        );
      }
      await c.createIndex({ n: 1 });
      const point = await c.find({ n: 77_777 }).explain('executionStats');
      assert.equal(point.executionStats.nReturned, 1);
      assert.ok(point.executionStats.totalDocsExamined <= 1, JSON.stringify(point.executionStats));
      const range = await c.find({ n: { $gte: 500, $lt: 510 }, group: { $ne: 3 } }).explain('executionStats');
      assert.equal(range.executionStats.nReturned, 9);
      assert.ok(range.executionStats.totalDocsExamined <= 10);
      const inList = await c.find({ n: { $in: [1, 2, 3] } }).toArray();
      assert.deepEqual(inList.map((d) => d.n).sort(), [1, 2, 3]);
      const latest = await c.find({}).sort({ n: -1 }).limit(3).toArray();
      assert.deepEqual(
        latest.map((d) => d.n),
        [99_999, 99_998, 99_997],
      );
      const topN = await c.find({}).sort({ n: -1 }).limit(3).explain('executionStats');
      assert.ok(topN.executionStats.totalDocsExamined <= 3, JSON.stringify(topN.executionStats));
      const newest = await c.find({}).sort({ _id: -1 }).limit(2).explain('executionStats');
      assert.ok(newest.executionStats.totalDocsExamined <= 2, JSON.stringify(newest.executionStats));
      const idRange = await c
        .find({ _id: { $lte: latest[2]?._id as ObjectId } })
        .sort({ _id: -1 })
        .limit(1)
        .toArray();
      assert.equal(idRange[0]?.n, 99_997);
      const scan = await c.find({ group: 5 }).explain('executionStats');
      assert.equal(scan.executionStats.totalDocsExamined, total);
    });
  });

  describe('TTL indexes', () => {
    test('expired documents are removed by the sweeper; others stay', async () => {
      const c = t.coll('ttl');
      await c.createIndex({ at: 1 }, { expireAfterSeconds: 0 });
      await c.insertMany([
        { _id: 'old', at: new Date(Date.now() - 60_000) },
        { _id: 'future', at: new Date(Date.now() + 3_600_000) },
        { _id: 'no-date', at: 'not a date' },
      ]);
      // mongod sweeps every 60 s; the embedded server every second.
      const deadline = Date.now() + (t.embedded ? 10_000 : 120_000);
      while ((await c.countDocuments({ _id: 'old' })) > 0 && Date.now() < deadline) await sleep(200);
      assert.deepEqual(
        (await c.find().sort({ _id: 1 }).toArray()).map((d) => d._id),
        ['future', 'no-date'],
      );
    });
  });
});

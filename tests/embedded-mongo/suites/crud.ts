import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Decimal128, Double, Long, ObjectId } from 'mongodb';
import { collectionApi, FLAVOURS } from '../api.js';
import { openTestDatabase, type TestDatabase } from '../database.js';

describe('CRUD', () => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase('crud');
  });
  after(async () => {
    await t.close();
  });

  for (const flavour of FLAVOURS) {
    describe(`CRUD and update operators through ${flavour}`, () => {
      const fresh = async () => (await collectionApi(t, flavour)).api;

      test('insert gives every document an ObjectId _id; find filters, sorts, skips, limits and projects', async () => {
        const api = await fresh();
        await api.insertMany([
          { name: 'a', n: 3, tags: ['x'] },
          { name: 'b', n: 1, tags: ['y'] },
          { name: 'c', n: 2, tags: ['x', 'y'] },
        ]);
        const all = await api.find({});
        assert.equal(all.length, 3);
        assert.ok(all.every((d) => d._id instanceof ObjectId));
        const page = await api.find(
          { tags: 'x' },
          { sort: { n: -1 }, projection: { _id: 0, name: 1 }, skip: 0, limit: 1 },
        );
        assert.deepEqual(page, [{ name: 'a' }]);
        assert.deepEqual(
          (await api.find({}, { sort: { n: 1 }, skip: 1 })).map((d) => d.name),
          ['c', 'a'],
        );
        assert.deepEqual(
          await api.find({}, { projection: { tags: 0, _id: 0 }, sort: { name: 1 }, limit: 1 }),
          [{ name: 'a', n: 3 }],
        );
      });

      test('$set, $unset, $inc, $mul, $min, $max, $rename and $currentDate', async () => {
        const api = await fresh();
        await api.insertMany([{ _id: 1, a: 1, b: 2, c: 5, d: 5, e: 'x', f: 10, nested: { x: 1 } }]);
        const r = await api.updateOne(
          { _id: 1 },
          {
            $set: { 'nested.y': 2, g: 'new' },
            $unset: { b: '' },
            $inc: { a: 4 },
            $mul: { f: 3 },
            $min: { c: 2 },
            $max: { d: 9 },
            $rename: { e: 'renamed' },
            $currentDate: { touched: true },
          },
        );
        assert.deepEqual([r.matched, r.modified], [1, 1]);
        const [doc] = await api.find({ _id: 1 });
        assert.ok(doc);
        assert.ok(doc.touched instanceof Date);
        delete doc.touched;
        assert.deepEqual(doc, {
          _id: 1,
          a: 5,
          c: 2,
          d: 9,
          f: 30,
          nested: { x: 1, y: 2 },
          g: 'new',
          renamed: 'x',
        });
      });

      test('$set of top-level fields: equal values (dates, documents, arrays, ids) change nothing', async () => {
        const api = await fresh();
        const at = new Date('2026-01-02T03:04:05Z');
        const ref = new ObjectId();
        const start = { at, doc: { x: 1, list: [1, 2] }, list: [{ k: 'a' }], ref, n: 1, s: 'a', nil: null };
        await api.insertMany([{ _id: 1, ...start }]);
        const same = await api.updateOne(
          { _id: 1 },
          {
            $set: {
              at: new Date(at.getTime()),
              doc: { x: 1, list: [1, 2] },
              list: [{ k: 'a' }],
              ref: new ObjectId(ref.toHexString()),
              n: 1,
              s: 'a',
              nil: null,
            },
          },
        );
        assert.deepEqual([same.matched, same.modified], [1, 0]);
        const later = new Date(at.getTime() + 1);
        const changed = await api.updateOne(
          { _id: 1 },
          { $set: { at: later, list: [{ k: 'b' }], n: new Decimal128('1.5'), added: [] } },
        );
        assert.equal(changed.modified, 1);
        const [doc] = await api.find({ _id: 1 });
        assert.deepEqual(
          { at: doc?.at, list: doc?.list, n: String(doc?.n), added: doc?.added, ref: String(doc?.ref) },
          { at: later, list: [{ k: 'b' }], n: '1.5', added: [], ref: ref.toHexString() },
        );
      });

      test('array operators: $push with modifiers, $addToSet, $pull, $pullAll, $pop', async () => {
        const api = await fresh();
        await api.insertMany([
          { _id: 1, list: [3, 1], set: ['a'], pulls: [1, 2, 3, 4, 5], all: [1, 2, 1, 3], pop: [1, 2, 3] },
        ]);
        await api.updateOne(
          { _id: 1 },
          {
            $push: { list: { $each: [5, 2, 4], $sort: 1, $slice: 4 } },
            $addToSet: { set: { $each: ['a', 'b'] } },
            $pull: { pulls: { $gte: 4 } },
            $pullAll: { all: [1] },
            $pop: { pop: -1 },
          },
        );
        const [doc] = await api.find({ _id: 1 });
        assert.deepEqual(doc, {
          _id: 1,
          list: [1, 2, 3, 4],
          set: ['a', 'b'],
          pulls: [1, 2, 3],
          all: [2, 3],
          pop: [2, 3],
        });
        await api.updateOne({ _id: 1 }, { $push: { list: { $each: [0], $position: 0 } } });
        assert.deepEqual((await api.find({ _id: 1 }))[0]?.list, [0, 1, 2, 3, 4]);
      });

      test('$bit and positional updates: $, $[] and $[identifier] with arrayFilters', async () => {
        const api = await fresh();
        await api.insertMany([
          {
            _id: 1,
            flags: 5,
            items: [
              { sku: 'a', qty: 1 },
              { sku: 'b', qty: 2 },
            ],
            grades: [80, 95, 100],
            scores: [1, 2],
          },
        ]);
        await api.updateOne({ _id: 1 }, { $bit: { flags: { or: 2 } } });
        await api.updateOne({ _id: 1, 'items.sku': 'b' }, { $set: { 'items.$.qty': 20 } });
        await api.updateOne({ _id: 1 }, { $inc: { 'scores.$[]': 10 } });
        await api.updateOne(
          { _id: 1 },
          { $set: { 'grades.$[high]': 0 } },
          { arrayFilters: [{ high: { $gte: 95 } }] },
        );
        const [doc] = await api.find({ _id: 1 });
        assert.deepEqual(doc, {
          _id: 1,
          flags: 7,
          items: [
            { sku: 'a', qty: 1 },
            { sku: 'b', qty: 20 },
          ],
          grades: [80, 0, 0],
          scores: [11, 12],
        });
      });

      test('upsert seeds the new document from the filter and applies $setOnInsert only on insert', async () => {
        const api = await fresh();
        const first = await api.updateOne(
          { key: 'k1', 'meta.kind': 'x' },
          { $set: { v: 1 }, $setOnInsert: { created: true } },
          { upsert: true },
        );
        assert.ok(first.upsertedId instanceof ObjectId);
        const second = await api.updateOne(
          { key: 'k1' },
          { $set: { v: 2 }, $setOnInsert: { created: false } },
          { upsert: true },
        );
        assert.deepEqual([second.matched, second.modified, second.upsertedId], [1, 1, null]);
        const docs = await api.find({}, { projection: { _id: 0 } });
        assert.deepEqual(docs, [{ key: 'k1', meta: { kind: 'x' }, v: 2, created: true }]);
      });

      test('replacement keeps _id; updateMany counts matched and modified; changing _id is refused', async () => {
        const api = await fresh();
        await api.insertMany([
          { _id: 1, a: 1, keep: false },
          { _id: 2, a: 1 },
          { _id: 3, a: 2 },
        ]);
        const replaced = await api.replaceOne({ _id: 1 }, { b: 'only' });
        assert.equal(replaced.modified, 1);
        assert.deepEqual((await api.find({ _id: 1 }))[0], { _id: 1, b: 'only' });
        const many = await api.updateMany({ a: { $exists: true } }, { $set: { a: 1 } });
        assert.deepEqual([many.matched, many.modified], [2, 1]);
        await assert.rejects(api.updateOne({ _id: 2 }, { $set: { _id: 99 } }), (err: unknown) => {
          assert.equal((err as { code?: unknown }).code, 66);
          return true;
        });
        const upserted = await api.replaceOne({ _id: 7 }, { fresh: true }, { upsert: true });
        assert.equal(upserted.upsertedId, 7);
      });

      test('findOneAndUpdate: before/after images, sort, projection, upsert; findOneAndDelete', async () => {
        const api = await fresh();
        await api.insertMany([
          { _id: 1, q: 'w', p: 1 },
          { _id: 2, q: 'w', p: 5 },
        ]);
        const before = await api.findOneAndUpdate({ q: 'w' }, { $set: { taken: true } }, { sort: { p: -1 } });
        assert.deepEqual(before, { _id: 2, q: 'w', p: 5 });
        const afterImage = await api.findOneAndUpdate(
          { q: 'w', taken: { $exists: false } },
          { $inc: { p: 1 } },
          { after: true, projection: { p: 1 } },
        );
        assert.deepEqual(afterImage, { _id: 1, p: 2 });
        const created = await api.findOneAndUpdate(
          { _id: 3 },
          { $set: { q: 'new' } },
          { upsert: true, after: true },
        );
        assert.deepEqual(created, { _id: 3, q: 'new' });
        assert.equal(await api.findOneAndUpdate({ _id: 99 }, { $set: { x: 1 } }), null);
        const removed = await api.findOneAndDelete({ q: 'w' }, { sort: { p: 1 } });
        assert.equal(removed?._id, 1);
        assert.equal(await api.count({}), 2);
      });

      test('deleteOne removes one match, deleteMany all; count and distinct', async () => {
        const api = await fresh();
        await api.insertMany([
          { k: 'a', tags: ['x', 'y'] },
          { k: 'a', tags: ['y', 'z'] },
          { k: 'b', tags: [] },
        ]);
        assert.deepEqual(((await api.distinct('tags')) as string[]).sort(), ['x', 'y', 'z']);
        assert.deepEqual(((await api.distinct('k', { tags: 'z' })) as string[]).sort(), ['a']);
        assert.equal(await api.deleteOne({ k: 'a' }), 1);
        assert.equal(await api.count({ k: 'a' }), 1);
        assert.equal(await api.deleteMany({}), 2);
        assert.equal(await api.count({}), 0);
      });

      test('pipeline-style updates compute fields from the document', async () => {
        const api = await fresh();
        await api.insertMany([{ _id: 1, first: 'Ada', last: 'Lovelace', old: true }]);
        await api.updateOne({ _id: 1 }, [
          { $set: { full: { $concat: ['$first', ' ', '$last'] } } },
          { $unset: 'old' },
        ]);
        assert.deepEqual((await api.find({ _id: 1 }))[0], {
          _id: 1,
          first: 'Ada',
          last: 'Lovelace',
          full: 'Ada Lovelace',
        });
      });
    });
  }

  test('unknown update operators are rejected with FailedToParse (9)', async () => {
    await assert.rejects(
      t.coll('x').updateOne({}, { $frobnicate: { a: 1 } }, { upsert: true }),
      (err: unknown) => {
        assert.equal((err as { code?: unknown }).code, 9);
        return true;
      },
    );
  });

  describe('arithmetic keeps BSON numeric types', () => {
    test('$inc and $mul on Long, Double and Decimal128 fields; non-numeric targets are refused', async () => {
      const coll = t.coll('arith');
      await coll.insertMany([
        {
          _id: 1,
          long: Long.fromString('9007199254740993'),
          dbl: new Double(2),
          dec: Decimal128.fromString('1.5'),
          n: 3,
          s: 'x',
        },
        {
          _id: 2,
          long: Long.fromNumber(1),
          dbl: new Double(1),
          dec: Decimal128.fromString('0'),
          n: 1,
          s: 'y',
        },
      ]);
      const untyped = t.db.collection('arith');
      await untyped.updateMany({}, { $inc: { long: 2, dec: 1, n: 1 }, $mul: { dbl: 3 } });
      const exact = { promoteValues: false, promoteLongs: false } as const;
      const [first] = await coll.find({ _id: 1 }, exact).toArray();
      assert.ok(first?.long instanceof Long);
      assert.equal(String(first.long), '9007199254740995');
      assert.ok(first.dbl instanceof Double);
      assert.equal(first.dbl.value, 6);
      assert.equal(String(first.dec), '2.5');
      assert.equal((await coll.findOne({ _id: 2 }))?.n, 2);
      await assert.rejects(untyped.updateOne({ s: 'x' }, { $inc: { s: 1 } }), (err: unknown) => {
        assert.equal((err as { code?: unknown }).code, 14);
        return true;
      });
    });
  });

  describe('bulk inserts', () => {
    test('ordered insert stops at the first duplicate; unordered reports every error and inserts the rest', async () => {
      const coll = t.coll('bulk');
      await assert.rejects(
        coll.insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }], { ordered: true }),
        (err: unknown) => {
          const e = err as { code?: unknown; insertedCount?: number; writeErrors?: unknown };
          assert.equal(e.code, 11000);
          return true;
        },
      );
      assert.equal(await coll.countDocuments(), 1);
      await assert.rejects(
        coll.insertMany([{ _id: 1 }, { _id: 3 }, { _id: 2 }, { _id: 3 }], { ordered: false }),
        (err: unknown) => {
          const e = err as { writeErrors?: Array<{ index: number; code: number }> };
          assert.deepEqual(
            (e.writeErrors ?? []).map((w) => [w.index, w.code]),
            [
              [0, 11000],
              [3, 11000],
            ],
          );
          return true;
        },
      );
      assert.deepEqual(
        (await coll.find({}).sort({ _id: 1 }).toArray()).map((d) => d._id),
        [1, 2, 3],
      );
    });
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Binary, BSON, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId } from 'mongodb';
import { collectionApi, FLAVOURS, type CrudApi } from '../api.js';
import { openTestDatabase, type TestDatabase } from '../database.js';

describe('queries', () => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase('query');
  });
  after(async () => {
    await t.close();
  });

  const people = [
    {
      _id: 1,
      name: 'ann',
      age: 31,
      tags: ['a', 'b'],
      address: { city: 'Oslo', zip: '0150' },
      scores: [90, 70],
    },
    { _id: 2, name: 'bob', age: 25, tags: ['b'], address: { city: 'Bergen', zip: '5003' }, scores: [60] },
    {
      _id: 3,
      name: 'cat',
      age: 40,
      tags: [],
      address: { city: 'Oslo', zip: '0151' },
      scores: [85, 95],
      pets: [
        { kind: 'dog', age: 3 },
        { kind: 'cat', age: 9 },
      ],
    },
    { _id: 4, name: 'dan', tags: ['c', 'a'], pets: [{ kind: 'dog', age: 12 }] },
  ];

  for (const flavour of FLAVOURS) {
    describe(`query operators through ${flavour}`, () => {
      // Every case only reads, so one seeded collection serves them all.
      let api: CrudApi;
      before(async () => {
        ({ api } = await collectionApi(t, flavour));
        await api.insertMany(people);
      });
      const ids = async (filter: Record<string, unknown>): Promise<unknown[]> =>
        (await api.find(filter, { sort: { _id: 1 } })).map((d) => d._id);

      test('comparison, logical and element operators', async () => {
        assert.deepEqual(await ids({ age: { $gt: 25, $lte: 40 } }), [1, 3]);
        assert.deepEqual(await ids({ age: { $in: [25, 40] } }), [2, 3]);
        assert.deepEqual(await ids({ age: { $nin: [25, 40] } }), [1, 4]);
        assert.deepEqual(await ids({ age: { $ne: 31 } }), [2, 3, 4]);
        assert.deepEqual(await ids({ age: { $exists: false } }), [4]);
        assert.deepEqual(await ids({ $or: [{ name: 'ann' }, { age: { $lt: 30 } }] }), [1, 2]);
        assert.deepEqual(await ids({ $and: [{ age: { $gt: 20 } }, { age: { $not: { $gt: 30 } } }] }), [2]);
        assert.deepEqual(await ids({ $nor: [{ name: 'ann' }, { name: 'bob' }] }), [3, 4]);
        assert.deepEqual(await ids({ name: { $regex: '^[ab]' } }), [1, 2]);
        assert.deepEqual(await ids({ name: /N$/i }), [1, 4]);
        assert.deepEqual(await ids({ age: { $mod: [5, 0] } }), [2, 3]);
        assert.deepEqual(await ids({ $expr: { $gt: [{ $size: '$tags' }, 1] } }), [1, 4]);
        assert.deepEqual(await ids({ age: { $type: 'number' } }), [1, 2, 3]);
      });

      test('$in and $eq of scalars: array elements, nested paths, numbers of any type, null apart', async () => {
        assert.deepEqual(await ids({ tags: { $in: ['c', 'z'] } }), [4]);
        assert.deepEqual(await ids({ tags: { $in: ['a'] }, age: { $in: [31, 99] } }), [1]);
        assert.deepEqual(await ids({ 'address.city': { $in: ['Bergen'] } }), [2]);
        assert.deepEqual(await ids({ 'pets.kind': { $in: ['cat'] } }), [3]);
        assert.deepEqual(await ids({ age: { $in: [new Int32(25), new Double(40)] } }), [2, 3]);
        assert.deepEqual(await ids({ age: { $eq: Long.fromNumber(31) } }), [1]);
        assert.deepEqual(await ids({ _id: { $in: [4, 2, 2, 7] } }), [2, 4]);
        assert.deepEqual(await ids({ age: { $in: [null, 25] } }), [2, 4]);
        assert.deepEqual(await ids({ age: { $in: [] } }), []);
        assert.deepEqual(await ids({ name: { $in: ['ann', /^b/] } }), [1, 2]);
      });

      test('$ne and $nin of scalars: no element matches, missing fields match, numbers of any type', async () => {
        assert.deepEqual(await ids({ tags: { $ne: 'a' } }), [2, 3]);
        assert.deepEqual(await ids({ tags: { $nin: ['a', 'c'] } }), [2, 3]);
        assert.deepEqual(await ids({ 'pets.kind': { $ne: 'cat' } }), [1, 2, 4]);
        assert.deepEqual(await ids({ age: { $ne: new Double(31) } }), [2, 3, 4]);
        assert.deepEqual(await ids({ age: { $nin: [Long.fromNumber(25), new Int32(40)] } }), [1, 4]);
        assert.deepEqual(await ids({ _id: 1, tags: { $ne: 'b' } }), []);
        assert.deepEqual(await ids({ _id: 2, tags: { $ne: 'a' } }), [2]);
        assert.deepEqual(await ids({ age: { $nin: [] } }), [1, 2, 3, 4]);
        assert.deepEqual(await ids({ age: { $ne: null } }), [1, 2, 3]);
        assert.deepEqual(await ids({ age: { $nin: [null, 31] } }), [2, 3]);
      });

      test('arrays: element match, $all, $size, $elemMatch, positional index', async () => {
        assert.deepEqual(await ids({ tags: 'a' }), [1, 4]);
        assert.deepEqual(await ids({ tags: ['b'] }), [2]);
        assert.deepEqual(await ids({ tags: { $all: ['a', 'b'] } }), [1]);
        assert.deepEqual(await ids({ tags: { $size: 0 } }), [3]);
        assert.deepEqual(await ids({ scores: { $elemMatch: { $gt: 80, $lt: 92 } } }), [1, 3]);
        assert.deepEqual(await ids({ scores: { $gt: 92 } }), [3]);
        assert.deepEqual(await ids({ 'scores.0': { $gte: 85 } }), [1, 3]);
        assert.deepEqual(await ids({ 'tags.1': 'a' }), [4]);
      });

      test('nested documents and arrays of documents', async () => {
        assert.deepEqual(await ids({ 'address.city': 'Oslo' }), [1, 3]);
        assert.deepEqual(await ids({ address: { city: 'Bergen', zip: '5003' } }), [2]);
        assert.deepEqual(await ids({ 'pets.kind': 'dog' }), [3, 4]);
        assert.deepEqual(await ids({ pets: { $elemMatch: { kind: 'dog', age: { $gt: 10 } } } }), [4]);
        // Without $elemMatch the conditions may be met by different elements.
        assert.deepEqual(await ids({ 'pets.kind': 'dog', 'pets.age': { $gt: 5 } }), [3, 4]);
      });

      test('projection of top-level fields: kept in stored order or dropped; mixing them is refused', async () => {
        const [kept] = await api.find({ _id: 1 }, { projection: { scores: 1, name: 1 } });
        assert.deepEqual(Object.keys(kept ?? {}), ['_id', 'name', 'scores']);
        assert.deepEqual(kept, { _id: 1, name: 'ann', scores: [90, 70] });
        assert.deepEqual(await api.find({ _id: 2 }, { projection: { name: 1, _id: 0 } }), [{ name: 'bob' }]);
        assert.deepEqual(await api.find({ _id: 2 }, { projection: { _id: 1 } }), [{ _id: 2 }]);
        assert.deepEqual(await api.find({ _id: 2 }, { projection: { address: 0, scores: 0, tags: 0 } }), [
          { _id: 2, name: 'bob', age: 25 },
        ]);
        assert.deepEqual(await api.find({ _id: 4 }, { projection: { _id: 0, pets: 0 } }), [
          { name: 'dan', tags: ['c', 'a'] },
        ]);
        // A field the document lacks is simply absent.
        assert.deepEqual(await api.find({ _id: 4 }, { projection: { age: 1 } }), [{ _id: 4 }]);
        await assert.rejects(api.find({}, { projection: { name: 1, age: 0 } }), (err: unknown) => {
          assert.equal((err as { code?: unknown }).code, 31254);
          return true;
        });
      });

      test('projection: nested inclusion, $slice and $elemMatch', async () => {
        assert.deepEqual(
          await api.find({ _id: 3 }, { projection: { 'address.zip': 0, scores: 0, pets: 0, tags: 0 } }),
          [{ _id: 3, name: 'cat', age: 40, address: { city: 'Oslo' } }],
        );
        // Projections shape the reply only, never the stored document.
        assert.deepEqual(await api.find({ _id: 3 }), [people[2]]);
        assert.deepEqual(await api.find({ _id: 3 }, { projection: { 'address.city': 1, _id: 0 } }), [
          { address: { city: 'Oslo' } },
        ]);
        assert.deepEqual(await api.find({ _id: 3 }, { projection: { scores: { $slice: 1 }, name: 1 } }), [
          { _id: 3, name: 'cat', scores: [85] },
        ]);
        assert.deepEqual(
          await api.find({ _id: 3 }, { projection: { pets: { $elemMatch: { kind: 'cat' } } } }),
          [{ _id: 3, pets: [{ kind: 'cat', age: 9 }] }],
        );
      });
    });
  }

  describe('BSON types and ordering', () => {
    test('values round-trip exactly, Int32 and Double included', async () => {
      const coll = t.coll('types');
      const doc = {
        _id: new ObjectId(),
        int: new Int32(7),
        double: new Double(7),
        fraction: new Double(2.5),
        long: Long.fromString('9007199254740993'),
        decimal: Decimal128.fromString('12.340'),
        date: new Date('2024-02-29T12:00:00.123Z'),
        bin: new Binary(Buffer.from([0, 1, 2, 255]), 0),
        uuid: new Binary(Buffer.alloc(16, 7), 4),
        nested: [[1, [2, { x: new Double(3) }]], []],
        nil: null,
        bool: false,
        str: 'héllo',
      };
      await coll.insertOne(doc);
      const exact = { promoteValues: false, promoteLongs: false } as const;
      const raw = await coll.findOne({ _id: doc._id }, exact);
      assert.deepEqual(raw, BSON.deserialize(BSON.serialize(doc), exact));
      assert.equal((await coll.find({ double: { $type: 'double' } }).toArray()).length, 1);
      assert.equal((await coll.find({ int: { $type: 'int' } }).toArray()).length, 1);
      assert.equal((await coll.find({ long: { $type: 'long' } }).toArray()).length, 1);
      assert.equal(
        (await coll.find({ bin: { $type: 'binData' }, _id: { $type: 'objectId' } }).toArray()).length,
        1,
      );
      assert.equal((await coll.find({ double: 7, decimal: { $gt: 12 } }).toArray()).length, 1);
    });

    test('sorting mixes types in MongoDB order', async () => {
      const coll = t.coll('mixed');
      const oid = new ObjectId('000000000000000000000001');
      await coll.insertMany([
        { _id: 1, v: 'text' },
        { _id: 2, v: 10 },
        { _id: 3, v: null },
        { _id: 4, v: new Date(0) },
        { _id: 5, v: true },
        { _id: 6, v: oid },
        { _id: 7, v: { a: 1 } },
        { _id: 8, v: new MaxKey() },
        { _id: 9, v: new MinKey() },
        { _id: 10 },
        { _id: 11, v: 2.5 },
        { _id: 12, v: new Binary(Buffer.from('x')) },
      ]);
      const order = (await coll.find({}).sort({ v: 1, _id: 1 }).toArray()).map((d) => d._id);
      assert.deepEqual(order, [9, 3, 10, 11, 2, 1, 7, 12, 6, 5, 4, 8]);
    });

    test('sorting on an array field uses its smallest element ascending and largest descending', async () => {
      const coll = t.coll('arraysort');
      await coll.insertMany([
        { _id: 'a', v: [5, 1] },
        { _id: 'b', v: 3 },
        { _id: 'c', v: [2, 9] },
      ]);
      assert.deepEqual(
        (await coll.find().sort({ v: 1 }).toArray()).map((d) => d._id),
        ['a', 'c', 'b'],
      );
      assert.deepEqual(
        (await coll.find().sort({ v: -1 }).toArray()).map((d) => d._id),
        ['c', 'a', 'b'],
      );
    });
  });

  describe('expressions in filters', () => {
    test('$$NOW is evaluated afresh for every query', async () => {
      const coll = t.coll('now');
      await coll.insertOne({ _id: 1, due: new Date(Date.now() + 300) });
      const overdue = { $expr: { $lt: ['$due', '$$NOW'] } };
      assert.equal(await coll.countDocuments(overdue), 0);
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(await coll.countDocuments(overdue), 1);
    });
  });

  describe('cursors', () => {
    test('10k documents stream back in batches through getMore, in order', async () => {
      const coll = t.coll('many');
      await coll.insertMany(Array.from({ length: 10_000 }, (_, i) => ({ _id: i, pad: 'x'.repeat(20) })));
      let seen = 0;
      let ordered = true;
      for await (const doc of coll.find({}, { batchSize: 500 }).sort({ _id: 1 })) {
        if (doc._id !== seen) ordered = false;
        seen++;
      }
      assert.equal(seen, 10_000);
      assert.ok(ordered);
      const limited = await coll
        .find({ _id: { $gte: 9000 } })
        .limit(150)
        .toArray();
      assert.equal(limited.length, 150);
    });

    test('a killed cursor is gone: getMore reports CursorNotFound (43)', async () => {
      const coll = t.coll('many');
      const first = await t.db.command({ find: 'many', filter: {}, batchSize: 2 }, { promoteLongs: false });
      const id = (first.cursor as { id: Long }).id;
      assert.ok(!id.isZero());
      const killed = await t.db.command({ killCursors: 'many', cursors: [id] });
      assert.equal((killed.cursorsKilled as unknown[]).length, 1);
      await assert.rejects(t.db.command({ getMore: id, collection: 'many' }), (err: unknown) => {
        assert.equal((err as { code?: unknown }).code, 43);
        return true;
      });
      assert.ok((await coll.estimatedDocumentCount()) >= 10_000);
    });
  });
});

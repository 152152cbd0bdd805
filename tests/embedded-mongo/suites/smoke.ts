import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MongoServerError } from 'mongodb';
import mongoose from 'mongoose';
import { openTestDatabase, type TestDatabase } from '../database.js';

describe('embedded server smoke test: the driver and mongoose work unchanged', () => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase('smoke');
  });
  after(async () => {
    await t.close();
  });

  test('driver: insert, find, update, delete', async () => {
    const coll = t.db.collection('things');
    const { insertedId } = await coll.insertOne({ name: 'a', n: 1 });
    await coll.insertMany([
      { name: 'b', n: 2 },
      { name: 'c', n: 3 },
    ]);
    const found = await coll
      .find({ n: { $gte: 2 } })
      .sort({ n: -1 })
      .toArray();
    assert.deepEqual(
      found.map((d) => d.name),
      ['c', 'b'],
    );
    const updated = await coll.updateOne({ _id: insertedId }, { $inc: { n: 10 }, $set: { tag: 'x' } });
    assert.equal(updated.modifiedCount, 1);
    assert.deepEqual(await coll.findOne({ _id: insertedId }, { projection: { _id: 0 } }), {
      name: 'a',
      n: 11,
      tag: 'x',
    });
    const deleted = await coll.deleteMany({ n: { $lt: 5 } });
    assert.equal(deleted.deletedCount, 2);
    assert.equal(await coll.countDocuments(), 1);
  });

  test('driver: a unique index rejects a duplicate with code 11000, keyPattern and keyValue', async () => {
    const coll = t.db.collection('people');
    await coll.createIndex({ email: 1 }, { unique: true });
    await coll.insertOne({ email: 'a@example.com' });
    await assert.rejects(coll.insertOne({ email: 'a@example.com' }), (err: unknown) => {
      assert.ok(err instanceof MongoServerError);
      assert.equal(err.code, 11000);
      assert.deepEqual(err.keyPattern, { email: 1 });
      assert.deepEqual(err.keyValue, { email: 'a@example.com' });
      assert.match(
        err.message,
        /E11000 duplicate key error collection: \S+\.people index: email_1 dup key: \{ email: "a@example.com" \}/,
      );
      return true;
    });
  });

  test('mongoose: schema with a unique index, create, find, update, duplicate key', async () => {
    const conn = await t.mongoose();
    const schema = new mongoose.Schema({
      email: { type: String, required: true, unique: true },
      visits: Number,
    });
    const User = conn.model('User', schema);
    await User.init();
    const created = await User.create({ email: 'x@example.com', visits: 1 });
    await User.updateOne({ _id: created._id }, { $inc: { visits: 2 } });
    const found = await User.findOne({ email: 'x@example.com' }).lean();
    assert.equal(found?.visits, 3);
    await assert.rejects(User.create({ email: 'x@example.com' }), (err: unknown) => {
      assert.equal((err as { code?: unknown }).code, 11000);
      return true;
    });
    assert.equal(await User.countDocuments(), 1);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mongoose from 'mongoose';
import { openTestDatabase, type TestDatabase } from '../database.js';

describe('concurrency', () => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase('claims');
  });
  after(async () => {
    await t.close();
  });

  test('driver: 50 concurrent findAndModify claims on 10 jobs grant each job exactly once', async () => {
    const jobs = t.coll('jobs');
    await jobs.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i, state: 'queued' })));
    const claims = await Promise.all(
      Array.from({ length: 50 }, (_, worker) =>
        jobs.findOneAndUpdate(
          { state: 'queued' },
          { $set: { state: 'claimed', worker } },
          { returnDocument: 'after', sort: { _id: 1 } },
        ),
      ),
    );
    const granted = claims.filter((c) => c !== null);
    assert.equal(granted.length, 10);
    assert.equal(new Set(granted.map((c) => c._id)).size, 10);
    const stored = await jobs.find().toArray();
    assert.ok(stored.every((j) => j.state === 'claimed'));
    assert.deepEqual(new Set(stored.map((j) => j.worker)), new Set(granted.map((c) => c.worker)));
  });

  test('mongoose: 50 concurrent claims through separate connections grant each job exactly once', async () => {
    const schema = new mongoose.Schema({ _id: Number, state: String, worker: Number });
    const conns = await Promise.all(
      Array.from({ length: 3 }, () => mongoose.createConnection(t.uri, { dbName: t.dbName }).asPromise()),
    );
    try {
      const models = conns.map((c) => c.model('Task', schema));
      await models[0]?.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i, state: 'queued' })));
      const claims = await Promise.all(
        Array.from({ length: 50 }, (_, worker) =>
          models[worker % models.length]
            ?.findOneAndUpdate(
              { state: 'queued' },
              { $set: { state: 'claimed', worker } },
              { returnDocument: 'after' },
            )
            .lean(),
        ),
      );
      const granted = claims.filter((c) => c !== null && c !== undefined);
      assert.equal(granted.length, 10);
      assert.equal(new Set(granted.map((c) => c._id)).size, 10);
      assert.equal(await models[0]?.countDocuments({ state: 'queued' }), 0);
    } finally {
      await Promise.all(conns.map((c) => c.close()));
    }
  });
});

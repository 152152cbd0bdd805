import assert from 'node:assert/strict';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Decimal128, Double, Long, MongoClient, MongoServerError } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongoOptions } from '../../src/embedded-mongo/index.js';
import type { LooseDoc } from './database.js';
import { suiteTempDir } from '../support/temp-dir.js';

/** Runs `fn` against an embedded server started with `options`, then stops it. */
async function withServer<T>(
  options: EmbeddedMongoOptions,
  fn: (client: MongoClient) => Promise<T>,
): Promise<T> {
  const server = await startEmbeddedMongo(options);
  const client = await MongoClient.connect(server.uri);
  try {
    return await fn(client);
  } finally {
    await client.close();
    await server.stop();
  }
}

describe('embedded server durability', () => {
  const inDir = suiteTempDir('embedded-mongo-durable-');

  test('writes, indexes and drops survive a restart with exact types', async () => {
    const dataDir = inDir('restart');
    await withServer({ dataDir }, async (client) => {
      const db = client.db('app');
      const users = db.collection<LooseDoc>('users');
      await users.createIndex({ email: 1 }, { unique: true });
      await users.insertMany([
        { _id: 1, email: 'a', score: new Double(3), big: Long.fromString('9007199254740993') },
        { _id: 2, email: 'b', price: Decimal128.fromString('9.90') },
        { _id: 3, email: 'c' },
      ]);
      await users.updateOne({ _id: 2 }, { $set: { email: 'bb', tags: ['x'] } });
      await users.deleteOne({ _id: 3 });
      await db.collection('scratch').insertOne({ gone: true });
      await db.collection('scratch').drop();
    });
    await withServer({ dataDir }, async (client) => {
      const db = client.db('app');
      const users = db.collection<LooseDoc>('users');
      const raw = await users
        .find({}, { promoteValues: false, promoteLongs: false })
        .sort({ _id: 1 })
        .toArray();
      assert.equal(raw.length, 2);
      assert.ok(raw[0]?.score instanceof Double);
      assert.equal(String(raw[0]?.big), '9007199254740993');
      assert.deepEqual(await users.findOne({ _id: 2 }, { projection: { _id: 0 } }), {
        email: 'bb',
        price: Decimal128.fromString('9.90'),
        tags: ['x'],
      });
      await assert.rejects(users.insertOne({ _id: 4, email: 'a' }), (err: unknown) => {
        assert.ok(err instanceof MongoServerError);
        assert.equal(err.code, 11000);
        return true;
      });
      assert.deepEqual(
        (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
        ['users'],
      );
    });
  });

  test('compaction keeps the journal bounded and the state intact', async () => {
    const dataDir = inDir('compact');
    const options = { dataDir, compactAfterBytes: 64 * 1024 };
    await withServer(options, async (client) => {
      const c = client.db('app').collection<LooseDoc>('events');
      await c.createIndex({ n: 1 });
      for (let round = 0; round < 20; round++) {
        await c.insertMany(
          Array.from({ length: 50 }, (_, i) => ({ _id: round * 50 + i, n: i, pad: 'x'.repeat(100) })),
        );
        await c.deleteMany({ _id: { $lt: round * 50 } });
      }
    });
    const files = await readdir(dataDir);
    let journalBytes = 0;
    for (const f of files) if (f.startsWith('journal.')) journalBytes += (await stat(join(dataDir, f))).size;
    assert.ok(files.includes('snapshot.bson'), files.join(','));
    assert.ok(journalBytes < 256 * 1024, `journal is ${journalBytes} bytes`);
    await withServer(options, async (client) => {
      const c = client.db('app').collection<LooseDoc>('events');
      assert.equal(await c.countDocuments(), 50);
      assert.equal((await c.find({}).sort({ _id: 1 }).limit(1).toArray())[0]?._id, 950);
      assert.deepEqual(
        (await c.listIndexes().toArray()).map((i) => i.name),
        ['_id_', 'n_1'],
      );
    });
  });

  test('TTL indexes keep expiring documents after a restart (from the journal and from a snapshot)', async () => {
    for (const compactAfterBytes of [64 * 1024 * 1024, 1]) {
      const dataDir = inDir(`ttl-${compactAfterBytes}`);
      await withServer({ dataDir, compactAfterBytes }, async (client) => {
        const c = client.db('app').collection<LooseDoc>('sessions');
        await c.createIndex({ at: 1 }, { expireAfterSeconds: 1 });
        await c.insertOne({ _id: 'fresh', at: new Date() });
      });
      await withServer({ dataDir, ttlIntervalMs: 50 }, async (client) => {
        const c = client.db('app').collection<LooseDoc>('sessions');
        const [index] = (await c.listIndexes().toArray()).filter((i) => i.name === 'at_1');
        assert.equal(index?.expireAfterSeconds, 1);
        await c.insertOne({ _id: 'stale', at: new Date(Date.now() - 60_000) });
        const deadline = Date.now() + 5000;
        while ((await c.countDocuments({ _id: 'stale' })) > 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.equal(await c.countDocuments({ _id: 'stale' }), 0);
      });
    }
  });

  test('a second server on the same data directory is refused with the owner named', async () => {
    const dataDir = inDir('owned');
    const first = await startEmbeddedMongo({ dataDir });
    try {
      await assert.rejects(startEmbeddedMongo({ dataDir }), /in use by process \d+/);
    } finally {
      await first.stop();
    }
  });
});

describe('embedded server on a Unix socket', () => {
  const inDir = suiteTempDir('embedded-mongo-socket-');

  test('serves the same data over TCP and the socket; a stale socket file is replaced, a live one is not', async () => {
    const socketPath = inDir('mongo.sock');
    await writeFile(socketPath, 'left behind by a process that died');
    const server = await startEmbeddedMongo({ socketPath });
    try {
      assert.ok(server.socketUri);
      const viaSocket = await MongoClient.connect(server.socketUri);
      const viaTcp = await MongoClient.connect(server.uri);
      try {
        await viaSocket.db('app').collection<LooseDoc>('s').insertOne({ _id: 1, over: 'socket' });
        assert.deepEqual(await viaTcp.db('app').collection('s').findOne({}), { _id: 1, over: 'socket' });
      } finally {
        await viaSocket.close();
        await viaTcp.close();
      }
      await assert.rejects(startEmbeddedMongo({ socketPath }), /EADDRINUSE/);
    } finally {
      await server.stop();
    }
  });
});

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Binary, GridFSBucket, MongoClient, ObjectId, type Db } from 'mongodb';
import mongoose from 'mongoose';
import { BlobStore, externalForm } from '../../src/embedded-mongo/blobs.js';
import { startEmbeddedMongo, type EmbeddedMongoOptions } from '../../src/embedded-mongo/index.js';
import type { LooseDoc } from './database.js';
import { suiteTempDir } from '../support/temp-dir.js';

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

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function upload(db: Db, name: string, bytes: Buffer): Promise<ObjectId> {
  const stream = new GridFSBucket(db).openUploadStream(name);
  stream.end(bytes);
  await once(stream, 'finish');
  return stream.id;
}

async function download(db: Db, id: ObjectId): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of new GridFSBucket(db).openDownloadStream(id)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Bytes of the files in a data directory whose names start with `prefix`. */
async function filesBytes(dir: string, prefix: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir))
    if (name.startsWith(prefix)) total += (await stat(join(dir, name))).size;
  return total;
}

const segmentBytes = (dir: string): Promise<number> => filesBytes(dir, 'blobs.');

describe('large binary values', () => {
  const inDir = suiteTempDir('embedded-mongo-blobs-');

  test('GridFS files round-trip in memory and after a restart, through the driver and mongoose', async () => {
    const dataDir = inDir('gridfs');
    const files = [randomBytes(3 * 1024 * 1024 + 17), randomBytes(100 * 1024), randomBytes(10)];
    const ids = await withServer({ dataDir }, async (client) => {
      const db = client.db('app');
      const ids: ObjectId[] = [];
      for (const [i, bytes] of files.entries()) ids.push(await upload(db, `f${i}`, bytes));
      for (const [i, id] of ids.entries()) assert.equal(await download(db, id), sha(files[i] as Buffer));
      return ids;
    });
    assert.ok((await segmentBytes(dataDir)) >= files[0]!.length, 'chunks are kept in blob segments');
    const journalBytes = (await filesBytes(dataDir, 'journal.')) + (await filesBytes(dataDir, 'snapshot.'));
    assert.ok(journalBytes < 64 * 1024, `the journal holds references only (${journalBytes} bytes)`);
    const server = await startEmbeddedMongo({ dataDir });
    try {
      const client = await MongoClient.connect(server.uri);
      const db = client.db('app');
      for (const [i, id] of ids.entries()) assert.equal(await download(db, id), sha(files[i] as Buffer));
      await client.close();
      const connection = await mongoose.createConnection(server.uri, { dbName: 'app' }).asPromise();
      const bucket = new mongoose.mongo.GridFSBucket(connection.db as unknown as Db);
      const hash = createHash('sha256');
      for await (const chunk of bucket.openDownloadStream(ids[0] as ObjectId)) hash.update(chunk as Buffer);
      assert.equal(hash.digest('hex'), sha(files[0] as Buffer));
      await connection.close();
    } finally {
      await server.stop();
    }
  });

  test('a large Binary keeps its exact bytes and subtype, and queries and updates see it', async () => {
    const big = randomBytes(64 * 1024);
    const other = randomBytes(40 * 1024);
    for (const dataDir of [undefined, inDir('values')]) {
      await withServer({ dataDir }, async (client) => {
        const coll = client.db('app').collection<LooseDoc>('values');
        await coll.insertOne({ _id: 1, data: new Binary(big, 128), nested: [{ b: new Binary(big) }], n: 1 });
        await coll.insertOne({ _id: 2, data: new Binary(other), n: 2 });
        const found = await coll.findOne({ _id: 1 });
        assert.ok(found?.data instanceof Binary);
        assert.equal(found.data.sub_type, 128);
        assert.equal(sha(found.data.buffer), sha(big));
        // Predicates on the large field read it on demand.
        assert.deepEqual(
          (await coll.find({ data: new Binary(other) }).toArray()).map((d) => d._id),
          [2],
        );
        assert.deepEqual(
          (await coll.find({ data: { $in: [new Binary(big, 128)] } }).toArray()).map((d) => d._id),
          [1],
        );
        // Another field of a blob document changes; the blob stays.
        await coll.updateOne({ _id: 1 }, { $set: { n: 11, label: 'one' } });
        // A positional update goes through the general update path.
        await coll.updateOne({ _id: 1, 'nested.b': { $exists: true } }, { $set: { 'nested.$.c': 1 } });
        // A new blob replaces an old one.
        await coll.updateOne({ _id: 2 }, { $set: { data: new Binary(big) } });
        await coll.insertOne({ _id: 3, data: new Binary(other) });
        await coll.deleteOne({ _id: 3 });
      });
      const check = async (client: MongoClient): Promise<void> => {
        const coll = client.db('app').collection<LooseDoc>('values');
        const one = await coll.findOne({ _id: 1 });
        assert.equal(one?.n, 11);
        assert.equal(sha((one?.data as Binary).buffer), sha(big));
        assert.equal(sha(((one?.nested as LooseDoc[])[0]?.b as Binary).buffer), sha(big));
        assert.equal((one?.nested as LooseDoc[])[0]?.c, 1);
        const two = await coll.findOne({ _id: 2 });
        assert.equal(sha((two?.data as Binary).buffer), sha(big));
        assert.equal(await coll.countDocuments({ _id: 3 }), 0);
      };
      if (dataDir) await withServer({ dataDir }, check);
    }
  });

  test('deleted files give their space back at compaction, and the rest stays readable', async () => {
    const dataDir = inDir('reclaim');
    const files = Array.from({ length: 8 }, () => randomBytes(10 * 1024 * 1024));
    const options = { dataDir, compactAfterBytes: 16 * 1024 * 1024 };
    const kept = await withServer(options, async (client) => {
      const db = client.db('app');
      const ids: ObjectId[] = [];
      for (const [i, bytes] of files.entries()) ids.push(await upload(db, `f${i}`, bytes));
      assert.ok((await segmentBytes(dataDir)) >= 80 * 1024 * 1024);
      const bucket = new GridFSBucket(db);
      // Every other file: no segment empties entirely, so reclaiming means copying what is still live.
      for (let i = 0; i < ids.length; i += 2) await bucket.delete(ids[i] as ObjectId);
      return ids.filter((_, i) => i % 2 === 1);
    });
    const after = await segmentBytes(dataDir);
    assert.ok(after < 60 * 1024 * 1024, `segments hold ${after} bytes after deleting half of 80 MB`);
    await withServer(options, async (client) => {
      const db = client.db('app');
      for (const [k, id] of kept.entries())
        assert.equal(await download(db, id), sha(files[2 * k + 1] as Buffer));
      assert.equal(await db.collection('fs.files').countDocuments(), 4);
    });
  });

  test('space deleted while a compaction runs comes back too, with no later write', async () => {
    const dataDir = inDir('reclaim-during');
    const files = Array.from({ length: 8 }, () => randomBytes(10 * 1024 * 1024));
    const options = { dataDir, compactAfterBytes: 16 * 1024 * 1024 };
    await withServer(options, async (client) => {
      const db = client.db('app');
      const ids: ObjectId[] = [];
      for (const [i, bytes] of files.entries()) ids.push(await upload(db, `f${i}`, bytes));
      const bucket = new GridFSBucket(db);
      // All at once: the first deletions start a compaction, the others land while it runs.
      await Promise.all(ids.filter((_, i) => i % 2 === 0).map((id) => bucket.delete(id)));
    });
    const after = await segmentBytes(dataDir);
    assert.ok(after < 60 * 1024 * 1024, `segments hold ${after} bytes after deleting half of 80 MB`);
  });

  test('segments: sparse ones are copied, empty ones dropped, references move with their bytes', () => {
    const dir = inDir('segments');
    const store = new BlobStore({ dir, segmentBytes: 100 * 1024 });
    const values = Array.from({ length: 12 }, (_, i) => new Binary(randomBytes(20 * 1024 + i), i % 3));
    const refs = values.map((v) => store.store(v));
    // 12 values of 20 KB in segments of 100 KB: segments 0 and 1 hold 5 each, segment 2 the rest.
    assert.deepEqual(
      refs.map((r) => r.segment),
      [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2],
    );
    // One value of segment 0 stays (sparse), four of segment 1 (dense) and both of segment 2 (the newest).
    const kept = [refs[0], refs[5], refs[6], refs[7], refs[8], refs[10], refs[11]] as typeof refs;
    const obsolete = store.reclaim([...kept, kept[0]!]);
    assert.deepEqual(obsolete, [0]);
    assert.equal(kept[0]?.segment, 2, 'the live value of the sparse segment moved to the newest');
    // Records are written after the move, so they list the new place.
    const shared = externalForm({ a: kept[0], b: [kept[0]] });
    assert.equal(shared.blobs.length, 2);
    store.drop(obsolete);
    for (const ref of kept) {
      const original = values[refs.indexOf(ref)] as Binary;
      assert.ok(Buffer.from(ref.buffer).equals(Buffer.from(original.buffer)));
      assert.equal(ref.sub_type, original.sub_type);
    }
    store.close();
    // Reopened, the references a record lists read the same bytes.
    const reopened = new BlobStore({ dir, segmentBytes: 100 * 1024 });
    const doc: Record<string, unknown> = { a: null, b: [null] };
    reopened.reviveInto(doc, shared.blobs);
    assert.ok(Buffer.from((doc.a as Binary).buffer).equals(Buffer.from(values[0]!.buffer)));
    reopened.close();
  });

  test('in memory, reclaiming deleted values leaves the live ones readable', async () => {
    const server = await startEmbeddedMongo({ compactAfterBytes: 1024 * 1024, ttlIntervalMs: 20 });
    const client = await MongoClient.connect(server.uri);
    try {
      const coll = client.db('app').collection<LooseDoc>('values');
      const values = Array.from({ length: 70 }, (_, i) => Buffer.alloc(1024 * 1024, i));
      for (const [i, bytes] of values.entries()) await coll.insertOne({ _id: i, data: new Binary(bytes) });
      // The first 64 MB segment keeps 4 of its values: they are copied, and the segment is dropped.
      await coll.deleteMany({ _id: { $lt: 60 } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const left = await coll.find().sort({ _id: 1 }).toArray();
      assert.deepEqual(
        left.map((d) => d._id),
        Array.from({ length: 10 }, (_, i) => 60 + i),
      );
      for (const doc of left) {
        assert.ok(Buffer.from((doc.data as Binary).buffer).equals(values[doc._id as number] as Buffer));
      }
    } finally {
      await client.close();
      await server.stop();
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MongoClient } from 'mongodb';
import { openTestDatabase, type TestDatabase } from '../database.js';
import { exchange, opMsg, opQuery, replyDocument } from '../wire-support.js';

describe('commands and handshake', () => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase('cmds');
  });
  after(async () => {
    await t.close();
  });

  describe('handshake', () => {
    test('legacy OP_QUERY isMaster is answered with OP_REPLY describing a writable standalone', async () => {
      const { reply } = await exchange(t.uri, opQuery('admin', { isMaster: 1 }));
      assert.ok(reply);
      assert.equal(reply.readInt32LE(12), 1);
      const doc = replyDocument(reply);
      assert.equal(doc.ok, 1);
      assert.equal(doc.ismaster, true);
      assert.equal(doc.setName, undefined);
      assert.ok((doc.maxWireVersion as number) >= 9);
    });

    test('OP_MSG hello with a CRC-32C checksum is accepted', async () => {
      const { reply } = await exchange(t.uri, withChecksum(opMsg({ hello: 1, $db: 'admin' }, 1)));
      assert.ok(reply);
      const doc = replyDocument(reply);
      assert.equal(doc.ok, 1);
      assert.equal(doc.isWritablePrimary, true);
    });

    test('buildInfo and ping answer; an unknown command answers code 59', async () => {
      const admin = t.client.db('admin');
      assert.equal((await admin.command({ ping: 1 })).ok, 1);
      assert.match(String((await admin.command({ buildInfo: 1 })).version), /^\d+\.\d+/);
      await assert.rejects(admin.command({ definitelyNotACommand: 1 }), (err: unknown) => {
        const e = err as { code?: unknown; codeName?: unknown };
        assert.equal(e.code, 59);
        assert.equal(e.codeName, 'CommandNotFound');
        return true;
      });
    });
  });

  describe('databases and collections', () => {
    test('create, listCollections, drop, listDatabases, dropDatabase', async () => {
      const dbName = `${t.dbName}_extra`;
      const db = t.client.db(dbName);
      await db.createCollection('alpha');
      await assert.rejects(db.createCollection('alpha'), (err: unknown) => {
        assert.equal((err as { code?: unknown }).code, 48);
        return true;
      });
      await db.collection('beta').insertOne({ x: 1 });
      const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
      assert.deepEqual(names, ['alpha', 'beta']);
      const filtered = await db.listCollections({ name: 'beta' }).toArray();
      assert.equal(filtered.length, 1);
      assert.equal(filtered[0]?.type, 'collection');
      assert.equal(await db.collection('alpha').drop(), true);
      const dbs = await t.client.db('admin').admin().listDatabases();
      assert.ok(dbs.databases.some((d) => d.name === dbName));
      await db.dropDatabase();
      const after = await t.client.db('admin').admin().listDatabases({ nameOnly: true });
      assert.ok(!after.databases.some((d) => d.name === dbName));
    });

    test('renameCollection moves documents and indexes; an existing target needs dropTarget', async () => {
      const from = t.coll('rename_from');
      await from.createIndex({ code: 1 }, { unique: true });
      await from.insertMany([{ code: 1 }, { code: 2 }]);
      await t.coll('rename_taken').insertOne({ other: true });
      await assert.rejects(from.rename('rename_taken'), (err: unknown) => {
        assert.equal((err as { code?: unknown }).code, 48);
        return true;
      });
      const to = await from.rename('rename_taken', { dropTarget: true });
      assert.deepEqual(
        await to
          .find({}, { projection: { _id: 0 } })
          .sort({ code: 1 })
          .toArray(),
        [{ code: 1 }, { code: 2 }],
      );
      assert.deepEqual(
        (await to.listIndexes().toArray()).map((i) => i.name),
        ['_id_', 'code_1'],
      );
      const names = (await t.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
      assert.ok(!names.includes('rename_from'));
    });

    test('unacknowledged writes (w: 0, moreToCome) are applied without a reply', async () => {
      const c = t.coll('fire_and_forget');
      const result = await c.insertOne({ _id: 'w0' }, { writeConcern: { w: 0 } });
      assert.equal(result.acknowledged, false);
      let found = null;
      for (let attempt = 0; attempt < 50 && !found; attempt++) {
        found = await c.findOne({ _id: 'w0' });
        if (!found) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(found, { _id: 'w0' });
      assert.equal((await t.client.db('admin').command({ ping: 1 })).ok, 1);
    });

    test('collStats and dbStats report counts', async () => {
      const c = t.coll('stats');
      await c.insertMany([{ a: 'x'.repeat(100) }, { a: 'y'.repeat(100) }]);
      await c.createIndex({ a: 1 });
      const coll = await t.db.command({ collStats: 'stats' });
      assert.equal(coll.count, 2);
      assert.ok((coll.size as number) > 200);
      assert.equal(coll.nindexes, 2);
      const db = await t.db.command({ dbStats: 1 });
      assert.ok((db.objects as number) >= 2);
      assert.ok((db.collections as number) >= 1);
    });

    test('transactions work on a replica set and are refused by a standalone server', async () => {
      const hello = await t.client.db('admin').command({ hello: 1 });
      const coll = t.coll('txn');
      await coll.insertOne({ _id: 'seed' });
      const session = t.client.startSession();
      try {
        const attempt = session.withTransaction(async () => {
          await coll.insertOne({ _id: 'in-txn' }, { session });
        });
        if (hello.setName === undefined) {
          // The driver rewords mongod's code 20 ("Transaction numbers are only allowed on a replica set
          // member or mongos") into this message.
          await assert.rejects(attempt, /does not support retryable writes|Transaction numbers/);
          assert.equal(await coll.countDocuments({ _id: 'in-txn' }), 0);
        } else {
          await attempt;
          assert.equal(await coll.countDocuments({ _id: 'in-txn' }), 1);
        }
      } finally {
        await session.endSession();
      }
    });

    test('a second driver connected by URI sees the same data', async () => {
      await t.coll('shared').insertOne({ _id: 'v', n: 1 });
      const other = await MongoClient.connect(t.uri);
      try {
        assert.deepEqual(await other.db(t.dbName).collection('shared').findOne({}), { _id: 'v', n: 1 });
      } finally {
        await other.close();
      }
    });
  });

  /** CRC-32C over the message, appended (the length field already counts the 4 checksum bytes). */
  function withChecksum(msg: Buffer): Buffer {
    const out = Buffer.concat([msg, Buffer.alloc(4)]);
    out.writeInt32LE(out.length, 0);
    let crc = 0xffffffff;
    for (const byte of out.subarray(0, out.length - 4)) {
      crc ^= byte;
      for (let k = 0; k < 8; k++) crc = crc & 1 ? 0x82f63b78 ^ (crc >>> 1) : crc >>> 1;
    }
    out.writeUInt32LE((crc ^ 0xffffffff) >>> 0, out.length - 4);
    return out;
  }
});

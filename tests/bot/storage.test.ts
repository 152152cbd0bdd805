import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MongoStorage, StoragePreconditionError } from '../../src/bot/storage.js';
import { startTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;

before(async () => {
  db = await startTestDatabase();
});
after(async () => {
  await db.stop();
});

describe('MongoStorage', () => {
  let storage: MongoStorage;

  before(() => {
    storage = new MongoStorage(db.connection);
  });
  beforeEach(async () => {
    await storage.delete(['a', 'b', 'c', 'conv/1']);
  });

  it('round-trips nested state with keys botbuilder uses, and gives each write a new eTag', async () => {
    const state = {
      dialogState: {
        dialogStack: [{ id: 'main', state: { 'dotted.key': 1, $dollar: [1, { deep: [true, null, 'x'] }] } }],
      },
      verified: { customerId: 'c1', at: '2026-01-01T00:00:00.000Z' },
    };
    await storage.write({ 'conv/1': { ...state } });
    const first = await storage.read(['conv/1', 'missing']);
    assert.deepEqual(Object.keys(first), ['conv/1']);
    const { eTag, ...stored } = first['conv/1'] as { eTag: string };
    assert.deepEqual(stored, state);
    assert.equal(typeof eTag, 'string');

    const again = { ...state, eTag };
    await storage.write({ 'conv/1': again });
    const second = await storage.read(['conv/1']);
    assert.notEqual((second['conv/1'] as { eTag: string }).eTag, eTag);
    // The written item carries its new eTag, so it can be written again without a read.
    assert.equal(again.eTag, (second['conv/1'] as { eTag: string }).eTag);
    await storage.write({ 'conv/1': again });
  });

  it('lets one of two writers holding the same eTag win and refuses the other', async () => {
    await storage.write({ a: { count: 0 } });
    const read1 = (await storage.read(['a'])).a as { eTag: string; count: number };
    const read2 = (await storage.read(['a'])).a as { eTag: string; count: number };
    assert.equal(read1.eTag, read2.eTag);

    const outcomes = await Promise.allSettled([
      storage.write({ a: { ...read1, count: 1 } }),
      storage.write({ a: { ...read2, count: 2 } }),
    ]);
    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const lost = outcomes.filter((outcome) => outcome.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.ok(lost[0]?.status === 'rejected' && lost[0].reason instanceof StoragePreconditionError);
    assert.equal(lost[0].reason.status, 412);

    const winner = outcomes[0]?.status === 'fulfilled' ? 1 : 2;
    const final = (await storage.read(['a'])).a as { count: number };
    assert.equal(final.count, winner);
  });

  it('writes unconditionally with eTag "*" or none, even over a newer item', async () => {
    await storage.write({ a: { v: 1 } });
    await storage.write({ a: { v: 2, eTag: '*' } });
    assert.equal(((await storage.read(['a'])).a as { v: number }).v, 2);
    await storage.write({ a: { v: 3 } });
    assert.equal(((await storage.read(['a'])).a as { v: number }).v, 3);
  });

  it('refuses a stale eTag for a deleted item instead of resurrecting it', async () => {
    await storage.write({ a: { v: 1 } });
    const read = (await storage.read(['a'])).a as { eTag: string };
    await storage.delete(['a']);
    await assert.rejects(storage.write({ a: { ...read, v: 2 } }), StoragePreconditionError);
    assert.deepEqual(await storage.read(['a']), {});
  });

  it('expires state untouched for 30 days', async () => {
    await storage.ensureIndexes();
    const indexes = await db.connection.collection('botstate').indexes();
    const ttl = indexes.find((index) => index.key.updatedAt === 1);
    assert.equal(ttl?.expireAfterSeconds, 30 * 24 * 60 * 60);
  });

  it('reads, writes and deletes many keys at once, applying the keys that were not refused', async () => {
    await storage.write({ a: { n: 1 }, b: { n: 2 }, c: { n: 3 } });
    const all = await storage.read(['a', 'b', 'c']);
    assert.deepEqual(
      Object.fromEntries(Object.entries(all).map(([key, item]) => [key, (item as { n: number }).n])),
      { a: 1, b: 2, c: 3 },
    );
    await assert.rejects(
      storage.write({ a: { n: 10, eTag: 'stale' }, b: { n: 20, eTag: (all.b as { eTag: string }).eTag } }),
      StoragePreconditionError,
    );
    const afterWrite = await storage.read(['a', 'b']);
    assert.equal((afterWrite.a as { n: number }).n, 1);
    assert.equal((afterWrite.b as { n: number }).n, 20);

    await storage.delete(['a', 'c', 'never-written']);
    assert.deepEqual(Object.keys(await storage.read(['a', 'b', 'c'])), ['b']);
  });
});

describe('MongoStorage read-back of its own writes, with other processes writing too', () => {
  let clock: number;
  /** Two app processes: each storage keeps its own copies, the database is shared. */
  let here: MongoStorage;
  let elsewhere: MongoStorage;
  const valueOf = async (storage: MongoStorage, key = 'k') =>
    ((await storage.read([key]))[key] as { v: number } | undefined)?.v;
  beforeEach(async () => {
    clock = Date.parse('2026-11-21T12:00:00Z');
    here = new MongoStorage(db.connection, { now: () => clock });
    elsewhere = new MongoStorage(db.connection, { now: () => clock });
    await elsewhere.delete(['k']);
  });

  it('reads back its own write from memory for a minute, then from the database', async () => {
    await here.write({ k: { v: 1 } });
    await elsewhere.write({ k: { v: 2 } });
    assert.equal(await valueOf(here), 1);
    clock += 59_999;
    assert.equal(await valueOf(here), 1);
    clock += 1;
    assert.equal(await valueOf(here), 2);
  });

  it('never overwrites a newer item with its older copy, and fetches the item once refused', async () => {
    await here.write({ k: { v: 1 } });
    await elsewhere.write({ k: { v: 2 } });
    const stale = (await here.read(['k'])).k as { v: number; eTag: string };
    await assert.rejects(here.write({ k: { ...stale, v: 3 } }), StoragePreconditionError);
    assert.equal(await valueOf(here), 2);
    assert.equal(await valueOf(elsewhere), 2);
  });

  it('remembers nothing of overlapping writes of one key, whichever landed last', async () => {
    await Promise.all([here.write({ k: { v: 1 } }), here.write({ k: { v: 2 } })]);
    const landed = await valueOf(elsewhere);
    await elsewhere.write({ k: { v: 3 } });
    assert.ok(landed === 1 || landed === 2);
    assert.equal(await valueOf(here), 3);
  });

  it('forgets a deleted item', async () => {
    await here.write({ k: { v: 1 } });
    await here.delete(['k']);
    assert.equal(await valueOf(here), undefined);
    await elsewhere.write({ k: { v: 2 } });
    assert.equal(await valueOf(here), 2);
  });

  it('reads every time from the database with cacheMs 0', async () => {
    const uncached = new MongoStorage(db.connection, { cacheMs: 0, now: () => clock });
    await uncached.write({ k: { v: 1 } });
    await elsewhere.write({ k: { v: 2 } });
    assert.equal(await valueOf(uncached), 2);
  });
});

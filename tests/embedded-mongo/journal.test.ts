import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, open, readdir, readFile, stat, truncate, writeFile, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  Binary,
  Decimal128,
  Double,
  EJSON,
  Int32,
  Long,
  ObjectId,
  Timestamp,
  UUID,
  serialize,
  type Document,
} from 'bson';
import { openJournal } from '../../src/embedded-mongo/journal.js';
import { suiteTempDir } from '../support/temp-dir.js';

const inRoot = suiteTempDir('journal-test-');

let dirCount = 0;
function freshDir(): string {
  return inRoot(`d${dirCount++}`);
}

/** Canonical Extended JSON keeps every BSON type visible, so equal strings mean identical documents. */
function canonical(docs: Document[]): string[] {
  return docs.map((doc) => EJSON.stringify(doc, { relaxed: false }));
}

async function reopen(dir: string): Promise<{ snapshot: string[]; entries: string[] }> {
  const { journal, recovered } = await openJournal(dir);
  await journal.close();
  return { snapshot: canonical(recovered.snapshot), entries: canonical(recovered.entries) };
}

async function logFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.log')).sort();
}

describe('journal', () => {
  it('round-trips exact BSON types, including entries over 17 MB', async () => {
    const dir = freshDir();
    const entry = {
      _id: new ObjectId(),
      at: new Date('2026-01-02T03:04:05.678Z'),
      amount: Decimal128.fromString('1234.5600'),
      big: Long.fromString('9007199254740993'),
      smallLong: Long.fromNumber(5),
      int: new Int32(5),
      double: new Double(5),
      fraction: 5.25,
      bytes: new Binary(Buffer.from([0, 1, 2, 255]), Binary.SUBTYPE_DEFAULT),
      uuid: new UUID(),
      ts: new Timestamp({ t: 100, i: 2 }),
      nested: [[new Int32(1), [new Double(2), 'x']], { a: [null, true, { b: new Date(0) }] }],
      'dotted.key': { $dollar: 'kept' },
    };
    const large = { blob: new Binary(Buffer.alloc(18 * 1024 * 1024, 7)) };
    const { journal } = await openJournal(dir);
    await Promise.all([journal.append(entry), journal.append(large)]);
    await journal.close();

    const { journal: again, recovered } = await openJournal(dir);
    await again.close();
    const [first, second] = recovered.entries;
    assert.ok(first && second);
    assert.deepEqual(Buffer.from(serialize(first)), Buffer.from(serialize(entry)));
    assert.deepEqual(Buffer.from(serialize(second)), Buffer.from(serialize(large)));
    assert.ok(first.int instanceof Int32);
    assert.ok(first.double instanceof Double);
    assert.ok(first.big instanceof Long);
    assert.ok(first.smallLong instanceof Long);
    assert.ok(first.amount instanceof Decimal128);
  });

  it('recovers every entry in order after reopening, and counts the bytes since the snapshot', async () => {
    const dir = freshDir();
    const { journal, recovered } = await openJournal(dir);
    assert.deepEqual(recovered, { snapshot: [], entries: [] });
    assert.equal(journal.sizeSinceSnapshot, 0);
    const written = Array.from({ length: 50 }, (_, i) => ({
      ops: [{ op: 'put', ns: 'db.c', doc: { n: i } }],
    }));
    for (const entry of written) await journal.append(entry);
    const size = journal.sizeSinceSnapshot;
    assert.ok(size > 0);
    await journal.close();

    const { journal: again, recovered: back } = await openJournal(dir);
    assert.equal(again.sizeSinceSnapshot, size);
    await again.close();
    assert.deepEqual(canonical(back.entries), canonical(written));
  });

  it('drops a torn tail and garbage, and appends after the last valid entry', async () => {
    const dir = freshDir();
    const { journal } = await openJournal(dir);
    for (const n of [1, 2, 3]) await journal.append({ n: new Int32(n), pad: 'p'.repeat(100) });
    await journal.close();
    const [log] = await logFiles(dir);
    assert.ok(log);
    const path = join(dir, log);
    await truncate(path, (await stat(path)).size - 20);
    await writeFile(path, Buffer.from('garbage that is not a frame at all'), { flag: 'a' });

    const { journal: again, recovered } = await openJournal(dir);
    assert.deepEqual(
      recovered.entries.map((e) => Number(e.n)),
      [1, 2],
    );
    await again.append({ n: new Int32(4) });
    await again.close();

    assert.deepEqual(
      (await reopen(dir)).entries.map((e) => JSON.parse(e).n.$numberInt),
      ['1', '2', '4'],
    );
  });

  it('drops an entry whose checksum does not match', async () => {
    const dir = freshDir();
    const { journal } = await openJournal(dir);
    for (const n of [1, 2]) await journal.append({ n: new Int32(n) });
    await journal.close();
    const [log] = await logFiles(dir);
    assert.ok(log);
    const bytes = await readFile(join(dir, log));
    const at = bytes.length - 3;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
    await writeFile(join(dir, log), bytes);

    assert.deepEqual((await reopen(dir)).entries, canonical([{ n: new Int32(1) }]));
  });

  it('compacts: reopening yields the snapshot and the later entries exactly once', async () => {
    const dir = freshDir();
    const { journal } = await openJournal(dir);
    await journal.append({ e: 'before' });
    const records = [
      { ns: 'db.c', indexes: [] },
      ...Array.from({ length: 1000 }, (_, i) => ({ ns: 'db.c', doc: { i } })),
    ];
    const compacting = journal.compact(records);
    // Issued while the snapshot is still being made durable: must land after it.
    const during = journal.append({ e: 'during' });
    await Promise.all([compacting, during]);
    assert.ok(journal.sizeSinceSnapshot > 0);
    await journal.append({ e: 'after' });
    await journal.close();

    assert.deepEqual(await reopen(dir), {
      snapshot: canonical(records),
      entries: canonical([{ e: 'during' }, { e: 'after' }]),
    });
    assert.equal((await logFiles(dir)).length, 1);
  });

  it('snapshots the state as it was when compact was called, even from a lazy view', async () => {
    const dir = freshDir();
    const { journal } = await openJournal(dir);
    const state = new Map<number, Document>();
    const write = (i: number): Promise<void> => {
      state.set(i, { i });
      return journal.append({ put: i });
    };
    const first = [0, 1, 2].map(write);
    const compacting = journal.compact(state.values());
    const later = [3, 4].map(write);
    await Promise.all([...first, compacting, ...later]);
    await journal.close();

    assert.deepEqual(await reopen(dir), {
      snapshot: canonical([{ i: 0 }, { i: 1 }, { i: 2 }]),
      entries: canonical([{ put: 3 }, { put: 4 }]),
    });
  });

  it('recovers consistently from a crash at either side of the snapshot rename', async () => {
    const before = freshDir();
    const { journal } = await openJournal(before);
    await journal.append({ e: 1 });
    await journal.append({ e: 2 });
    await journal.close();
    const after = freshDir();
    await cp(before, after, { recursive: true });
    const { journal: compacting } = await openJournal(after);
    await compacting.compact([{ s: 1 }]);
    await compacting.append({ e: 3 });
    await compacting.close();
    const [oldLog] = await logFiles(before);
    const [newLog] = await logFiles(after);
    assert.ok(oldLog && newLog && oldLog !== newLog);

    // Renamed, old log not yet deleted: its entries are in the snapshot and must not be applied again.
    const renamed = freshDir();
    await cp(after, renamed, { recursive: true });
    await cp(join(before, oldLog), join(renamed, oldLog));
    assert.deepEqual(await reopen(renamed), {
      snapshot: canonical([{ s: 1 }]),
      entries: canonical([{ e: 3 }]),
    });
    assert.deepEqual(await logFiles(renamed), [newLog]);

    // Not yet renamed: old snapshot, both logs, and a half-written temporary snapshot.
    const unrenamed = freshDir();
    await cp(before, unrenamed, { recursive: true });
    await cp(join(after, newLog), join(unrenamed, newLog));
    await writeFile(join(unrenamed, 'snapshot.bson.tmp'), Buffer.from('half a snapshot'));
    assert.deepEqual(await reopen(unrenamed), {
      snapshot: [],
      entries: canonical([{ e: 1 }, { e: 2 }, { e: 3 }]),
    });
  });

  it('group-commits concurrent appends: all durable, far fewer fsyncs than appends', async () => {
    const dir = freshDir();
    const probe = await open(inRoot('probe'), 'w');
    const proto: FileHandle = Object.getPrototypeOf(probe);
    await probe.close();
    const { datasync, sync } = proto;
    let fsyncs = 0;
    proto.datasync = function (this: FileHandle) {
      fsyncs++;
      return datasync.call(this);
    };
    proto.sync = function (this: FileHandle) {
      fsyncs++;
      return sync.call(this);
    };
    const { journal } = await openJournal(dir);
    const workers = 16;
    const perWorker = 20;
    fsyncs = 0;
    try {
      // Like one client with 16 operations in flight: each worker issues its next write when the last is acknowledged.
      await Promise.all(
        Array.from({ length: workers }, async (_, w) => {
          for (let k = 0; k < perWorker; k++) await journal.append({ w, k });
        }),
      );
    } finally {
      proto.datasync = datasync;
      proto.sync = sync;
    }
    await journal.close();
    const appends = workers * perWorker;
    assert.ok(fsyncs > 0 && fsyncs <= appends / 4, `${fsyncs} fsyncs for ${appends} appends`);

    const { entries } = await reopen(dir);
    assert.equal(entries.length, appends);
    for (let w = 0; w < workers; w++) {
      const mine = entries.map((e) => JSON.parse(e)).filter((e) => Number(e.w.$numberInt) === w);
      assert.deepEqual(
        mine.map((e) => Number(e.k.$numberInt)),
        Array.from({ length: perWorker }, (_, k) => k),
      );
    }
  });

  it('lets one opener own a directory and names the owner to the next', async () => {
    const dir = freshDir();
    const { journal } = await openJournal(dir);
    await assert.rejects(openJournal(dir), {
      message: `data directory ${dir} is in use by process ${process.pid} on host ${hostname()}`,
    });
    await journal.close();
    assert.ok(!(await readdir(dir)).includes('LOCK'));
    const { journal: again } = await openJournal(dir);
    await again.close();
  });

  it('takes over a lock left by a dead process, but not one held on another host', async () => {
    const dir = freshDir();
    await openJournal(dir).then(({ journal }) => journal.close());
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    assert.ok(dead);
    await writeFile(join(dir, 'LOCK'), JSON.stringify({ pid: dead, host: hostname() }));
    const { journal } = await openJournal(dir);
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'LOCK'), 'utf8')), {
      pid: process.pid,
      host: hostname(),
    });
    await journal.close();

    await writeFile(join(dir, 'LOCK'), JSON.stringify({ pid: dead, host: 'elsewhere' }));
    await assert.rejects(openJournal(dir), {
      message: `data directory ${dir} is in use by process ${dead} on host elsewhere`,
    });
  });

  it('flushes on close and rejects operations afterwards', async () => {
    const dir = freshDir();
    const { journal } = await openJournal(dir);
    const pending = journal.append({ last: true });
    await journal.close();
    await pending;
    await assert.rejects(journal.append({ late: true }), /closed/);
    await assert.rejects(journal.compact([]), /closed/);
    assert.deepEqual((await reopen(dir)).entries, canonical([{ last: true }]));
  });
});

/**
 * Child process of crash.test.ts. Writes to a data directory in a burst, 16 writes in flight, and prints
 * one line per write as soon as it is acknowledged; the parent kills it with SIGKILL mid-burst.
 *   journal DIR   appends `{ seq, payload }` to the journal after the recovered ones, compacting every 200
 *   server DIR    inserts `{ seq, payload }` through the driver into an embedded server on DIR (with a small
 *                 compaction threshold, so compactions run during the burst), printing each acknowledged _id
 *   blobs DIR     like server, each document holding a large Binary; every write also stores and deletes a
 *                 scratch document of the same size, so compactions reclaim blob segments during the burst
 *   hold DIR      starts an embedded server on DIR, prints "ready" and keeps running
 */
import { Int32 } from 'bson';
import { Binary, MongoClient, ObjectId } from 'mongodb';
import { startEmbeddedMongo } from '../../src/embedded-mongo/index.js';
import { openJournal } from '../../src/embedded-mongo/journal.js';
import { blobFor, payloadFor } from './crash-payload.js';

const IN_FLIGHT = 16;
const LIMIT = 1_000_000;

async function burst(first: number, write: (seq: number) => Promise<string>): Promise<void> {
  let next = first;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < LIMIT) {
        const line = await write(next++);
        process.stdout.write(`${line}\n`);
      }
    }),
  );
}

async function journalBurst(dir: string): Promise<void> {
  const { journal, recovered } = await openJournal(dir);
  // The state a snapshot describes: every seq whose append was issued, updated in the same tick as the append.
  const issued = [...recovered.snapshot, ...recovered.entries].map((doc) => Number(doc.seq));
  await burst(issued.length, async (seq) => {
    issued.push(seq);
    const written = journal.append({ seq: new Int32(seq), payload: payloadFor(seq) });
    if (seq % 200 === 199) {
      journal.compact(issued.map((s) => ({ seq: new Int32(s) }))).catch((err: unknown) => {
        process.stderr.write(`compaction failed: ${String(err)}\n`);
        process.exit(2);
      });
    }
    await written;
    return String(seq);
  });
}

async function serverBurst(dir: string): Promise<void> {
  const server = await startEmbeddedMongo({ dataDir: dir, compactAfterBytes: 256 * 1024 });
  const client = await MongoClient.connect(server.uri, { maxPoolSize: IN_FLIGHT });
  const docs = client.db('crash').collection<{ _id: ObjectId; seq: number; payload: string }>('docs');
  await burst(0, async (seq) => {
    const _id = new ObjectId();
    await docs.insertOne({ _id, seq, payload: payloadFor(seq) });
    return _id.toHexString();
  });
}

async function blobBurst(dir: string): Promise<void> {
  const server = await startEmbeddedMongo({ dataDir: dir, compactAfterBytes: 4 * 1024 * 1024 });
  const client = await MongoClient.connect(server.uri, { maxPoolSize: IN_FLIGHT });
  const db = client.db('crash');
  const docs = db.collection<{ _id: ObjectId; seq: number; data: Binary }>('blobs');
  const scratch = db.collection<{ _id: ObjectId; data: Binary }>('scratch');
  await burst(0, async (seq) => {
    const _id = new ObjectId();
    await docs.insertOne({ _id, seq, data: new Binary(blobFor(seq)) });
    const gone = new ObjectId();
    await scratch.insertOne({ _id: gone, data: new Binary(blobFor(seq + 1)) });
    await scratch.deleteOne({ _id: gone });
    return _id.toHexString();
  });
}

async function hold(dir: string): Promise<void> {
  await startEmbeddedMongo({ dataDir: dir });
  process.stdout.write('ready\n');
  // Runs until killed, owning the directory.
  setInterval(() => undefined, 60_000);
}

const [mode, dir] = process.argv.slice(2);
const run = { journal: journalBurst, server: serverBurst, blobs: blobBurst, hold }[mode ?? ''];
if (!run || !dir) throw new Error('usage: crash-writer.ts journal|server|blobs|hold DIR');
await run(dir);

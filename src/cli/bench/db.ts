/**
 * Embedded database benchmark: single-document inserts, indexed point lookups and findAndModify claims
 * from one driver client keeping 16 operations in flight — in memory with the server inside the client's
 * process over a Unix socket (as the app runs it) and over TCP, in memory with the server in its own
 * process (`npm run db`), and durable (journal with fsync in a temporary directory) — then the memory
 * 100k documents of 1 KB take, and 1 GB of files stored through GridFS on a durable server: write and
 * read MB/s and the resident memory the stored files add (large binary values live in blob segment files,
 * so the target is at most 100 MB).
 * The baseline is the in-memory run of the same process layout: durable inserts are judged as a share
 * of it. Each rate is measured in several rounds and the best round reported, with the median beside
 * it: a rate is a capacity, and on a shared machine a round can only lose time to other work, never gain
 * it. With the server in its own process the CPU each side spends per operation is reported too, so
 * the server's own capacity can be told apart from the client's.
 * The ceiling is the same driver client against the same wire server with the measured commands answered
 * at once instead of executed: the most one client can drive on this machine. The server's in-process
 * rates are also given as a share of it, a figure that moves far less with the machine's speed and load
 * than the rates themselves.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { GridFSBucket, Long, MongoClient, ObjectId, type Collection, type Document } from 'mongodb';
import { Engine, type ClientInfo } from '../../embedded-mongo/engine.js';
import { socketUri, startEmbeddedMongo } from '../../embedded-mongo/index.js';
import { WireServer } from '../../embedded-mongo/server.js';

const IN_FLIGHT = 16;
const DATABASE = 'bench';
const COLLECTION = 'items';
const OPS = 10_000;
/** Rounds per rate; the best is the capacity. */
const ROUNDS = 3;
const MEMORY_DOCS = 100_000;
/** The files part: this many GridFS files of FILE_BYTES each, 1 GB in all. */
const FILES = 100;
const FILE_BYTES = 10 * 1024 * 1024;
/** Resident memory 1 GB of stored files may add. */
const FILES_RSS_TARGET_MB = 100;
/** Linux reports process CPU time in clock ticks of 1/100 s. */
const TICKS_PER_SECOND = 100;

interface Rate {
  perSecond: number;
  /** The median round's rate. */
  medianPerSecond: number;
  /** CPU microseconds per operation spent by this process (the client, plus the server when in-process). */
  clientUs: number;
  /** CPU microseconds per operation spent by a separate server process, when known. */
  serverUs: number | undefined;
}

interface Rates {
  inserts: Rate;
  /** Through `findOne`, cursor bookkeeping of the driver included. */
  lookups: Rate;
  /** The same lookups as the bare `find` command `findOne` sends (limit 1, single batch). */
  lookupCommands: Rate;
  claims: Rate;
}

/** A server to measure: its URI, its CPU seconds so far (when separate) and how to stop it. */
interface Target {
  uri: string;
  cpuSeconds(): number | undefined;
  stop(): Promise<void>;
}

/** The server inside this process, as the app runs it; reached over its Unix socket when `socketPath` is set. */
async function inProcess(socketPath?: string): Promise<Target> {
  const server = await startEmbeddedMongo({ socketPath });
  return { uri: server.socketUri ?? server.uri, cpuSeconds: () => undefined, stop: () => server.stop() };
}

/** Answers the measured commands with a stored-looking document without doing their work. */
class AnsweringEngine extends Engine {
  private readonly stored = { _id: new ObjectId(), key: 'k-0', n: 0, state: 'queued' };

  override run(cmd: Document, client: ClientInfo): Document | Promise<Document> {
    if (cmd.insert === COLLECTION) return { n: (cmd.documents as unknown[]).length, ok: 1 };
    if (cmd.find === COLLECTION) {
      return { cursor: { firstBatch: [this.stored], id: Long.ZERO, ns: `${DATABASE}.${COLLECTION}` }, ok: 1 };
    }
    if (cmd.findAndModify === COLLECTION) {
      return { lastErrorObject: { n: 1, updatedExisting: true }, value: this.stored, ok: 1 };
    }
    return super.run(cmd, client);
  }
}

/** The ceiling: the wire server with an {@link AnsweringEngine}, in this process over a Unix socket. */
async function ceiling(socketPath: string): Promise<Target> {
  const server = new WireServer(new AnsweringEngine());
  await server.listenOnSocket(socketPath);
  return { uri: socketUri(socketPath), cpuSeconds: () => undefined, stop: () => server.close() };
}

/** CPU seconds (user + system) a process has used, from /proc; undefined where that is unavailable. */
function processCpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** The server as `npm run db` runs it, so it does not share a thread with the client. */
async function childProcess(dataDir?: string): Promise<Target> {
  const script = fileURLToPath(new URL('../db.ts', import.meta.url));
  const args = ['--import', 'tsx', script, '--port', '0', ...(dataDir ? ['--data-dir', dataDir] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout }), 'line'),
    exited.then(() => {
      throw new Error('the database process exited before printing its URI');
    }),
  ])) as [string];
  return {
    uri: line.trim(),
    cpuSeconds: () => processCpuSeconds(child.pid),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

type Operation = keyof Rates;
const OPERATIONS: { name: Operation; count: number }[] = [
  { name: 'inserts', count: OPS },
  { name: 'lookups', count: OPS },
  { name: 'lookupCommands', count: OPS },
  { name: 'claims', count: OPS / 4 },
];

/** A server layout under measurement: its target, a connected client and the operations to time. */
interface Layout {
  label: string;
  target: Target;
  client: MongoClient;
  /** Operation number i (counting on across rounds, so inserted keys stay unique). */
  ops: Record<Operation, (i: number) => Promise<unknown>>;
}

async function connect(label: string, target: Target): Promise<Layout> {
  const client = await MongoClient.connect(target.uri, { maxPoolSize: IN_FLIGHT });
  const db = client.db(DATABASE);
  const coll: Collection<Document> = db.collection(COLLECTION);
  await coll.createIndex({ key: 1 }, { unique: true });
  // A work queue indexes the state it claims by, as the app's queues do.
  await coll.createIndex({ state: 1 });
  // Warm-up so connection setup and JIT are not measured.
  await round(target, 1000, (i) => coll.insertOne({ key: `warm-${i}`, n: i }));
  const stored = OPS * ROUNDS;
  return {
    label,
    target,
    client,
    ops: {
      inserts: (i) => coll.insertOne({ key: `k-${i}`, n: i, state: 'queued' }),
      lookups: (i) => coll.findOne({ key: `k-${(i * 7919) % stored}` }),
      lookupCommands: (i) =>
        db.command({
          find: COLLECTION,
          filter: { key: `k-${(i * 7919) % stored}` },
          limit: 1,
          singleBatch: true,
        }),
      claims: () =>
        coll.findOneAndUpdate(
          { state: 'queued' },
          { $set: { state: 'claimed' } },
          { returnDocument: 'after' },
        ),
    },
  };
}

/** Runs `op(i)` for i in [0, count) with `IN_FLIGHT` operations outstanding. */
async function round(
  target: Target,
  count: number,
  op: (i: number) => Promise<unknown>,
): Promise<Omit<Rate, 'medianPerSecond'>> {
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const serverBefore = target.cpuSeconds();
  const worker = async (): Promise<void> => {
    while (next < count) await op(next++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const cpu = process.cpuUsage(cpuBefore);
  const serverAfter = target.cpuSeconds();
  return {
    perSecond: count / ((performance.now() - started) / 1000),
    clientUs: (cpu.user + cpu.system) / count,
    serverUs:
      serverBefore === undefined || serverAfter === undefined
        ? undefined
        : ((serverAfter - serverBefore) * 1e6) / count,
  };
}

/**
 * Measures every operation on every layout, `ROUNDS` rounds each. The layouts take turns round by round,
 * so a slow moment of the machine hits them alike rather than whichever happened to run then.
 */
async function measure(layouts: Layout[]): Promise<Rates[]> {
  const rates = layouts.map(() => ({}) as Rates);
  for (const { name, count } of OPERATIONS) {
    const rounds = layouts.map((): Omit<Rate, 'medianPerSecond'>[] => []);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [k, layout] of layouts.entries()) {
        rounds[k]!.push(await round(layout.target, count, (i) => layout.ops[name](r * count + i)));
      }
    }
    for (const [k, measured] of rounds.entries()) {
      measured.sort((a, b) => b.perSecond - a.perSecond);
      rates[k]![name] = { ...measured[0]!, medianPerSecond: measured[Math.floor(ROUNDS / 2)]!.perSecond };
    }
  }
  return rates;
}

/**
 * Memory after a full garbage collection, so the figures measure what the documents keep alive rather
 * than garbage left by the sections before. `gc` is exposed at run time since tsx starts node for us.
 */
function settledMemory(): NodeJS.MemoryUsage {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage();
}

async function memoryFor100k(): Promise<{ rssMb: number; heapMb: number }> {
  const server = await startEmbeddedMongo();
  const client = await MongoClient.connect(server.uri);
  try {
    const coll = client.db('bench').collection('memory');
    const pad = 'x'.repeat(1000);
    await coll.insertOne({ warm: true });
    const before = settledMemory();
    for (let start = 0; start < MEMORY_DOCS; start += 5000) {
      await coll.insertMany(Array.from({ length: 5000 }, (_, i) => ({ n: start + i, pad })));
    }
    const after = settledMemory();
    return {
      rssMb: (after.rss - before.rss) / 1024 / 1024,
      heapMb: (after.heapUsed - before.heapUsed) / 1024 / 1024,
    };
  } finally {
    await client.close();
    await server.stop();
  }
}

/** Bytes of the files directly inside `dir`, and of those among them that are not blob segments. */
async function directoryBytes(dir: string): Promise<{ all: number; journal: number }> {
  const bytes = { all: 0, journal: 0 };
  for (const name of await readdir(dir)) {
    const size = (await stat(join(dir, name))).size;
    bytes.all += size;
    if (!name.startsWith('blobs.')) bytes.journal += size;
  }
  return bytes;
}

interface FilesFigures {
  rssMb: number;
  rssAfterReadMb: number;
  writeMbPerSecond: number;
  readMbPerSecond: number;
  diskMb: number;
  /** The journal and snapshot, without the blob segments. */
  journalMb: number;
  intact: boolean;
}

/**
 * Stores FILES files through GridFS on a durable server inside this process (over its Unix socket, as
 * the app runs it), then reads them all back and checks their hashes. RSS is taken after a full GC.
 */
async function filesThroughGridFs(): Promise<FilesFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'embedded-mongo-files-'));
  const dataDir = join(dir, 'db');
  const server = await startEmbeddedMongo({ dataDir, socketPath: join(dir, 'mongo.sock') });
  const client = await MongoClient.connect(server.socketUri ?? server.uri);
  try {
    const bucket = new GridFSBucket(client.db('bench'), { bucketName: 'files' });
    const content = randomBytes(FILE_BYTES);
    const digests: string[] = [];
    const store = async (name: string): Promise<void> => {
      const upload = bucket.openUploadStream(name);
      upload.end(content);
      await once(upload, 'finish');
    };
    // One file stored and read first, so the baseline already holds what any transfer needs (the young
    // generation at its working size, the allocator's free lists) and the growth is what the files keep.
    await store('warm-up.bin');
    for await (const chunk of bucket.openDownloadStreamByName('warm-up.bin')) void chunk;
    const before = settledMemory();
    let started = performance.now();
    for (let i = 0; i < FILES; i++) {
      // Each file differs from the others, so no two are stored from the same bytes.
      content.writeUInt32LE(i, 0);
      digests.push(createHash('sha256').update(content).digest('hex'));
      await store(`file-${i}.bin`);
    }
    const writeSeconds = (performance.now() - started) / 1000;
    const written = settledMemory();
    started = performance.now();
    let intact = true;
    for (let i = 0; i < FILES; i++) {
      const hash = createHash('sha256');
      for await (const chunk of bucket.openDownloadStreamByName(`file-${i}.bin`))
        hash.update(chunk as Buffer);
      if (hash.digest('hex') !== digests[i]) intact = false;
    }
    const readSeconds = (performance.now() - started) / 1000;
    const read = settledMemory();
    const totalMb = (FILES * FILE_BYTES) / 1024 / 1024;
    const disk = await directoryBytes(dataDir);
    return {
      rssMb: (written.rss - before.rss) / 1024 / 1024,
      rssAfterReadMb: (read.rss - before.rss) / 1024 / 1024,
      writeMbPerSecond: totalMb / writeSeconds,
      readMbPerSecond: totalMb / readSeconds,
      diskMb: disk.all / 1024 / 1024,
      journalMb: disk.journal / 1024 / 1024,
      intact,
    };
  } finally {
    await client.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function show(r: Rate): string {
  const cpu =
    r.serverUs === undefined
      ? `${fmt(r.clientUs)} µs CPU/op`
      : `client ${fmt(r.clientUs)} µs + server ${fmt(r.serverUs)} µs CPU/op, server capacity ≈ ${fmt(1e6 / r.serverUs)}/s per core`;
  return `${fmt(r.perSecond)}/s, median ${fmt(r.medianPerSecond)}/s (${cpu})`;
}

function report(label: string, r: Rates): void {
  console.log(`${label}:`);
  console.log(`  single-document inserts: ${show(r.inserts)}`);
  console.log(`  indexed point lookups:   ${show(r.lookups)} with findOne`);
  console.log(`                           ${show(r.lookupCommands)} as find commands`);
  console.log(`  findAndModify claims:    ${show(r.claims)}`);
}

const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

/** A rate and its share of the client's ceiling for the same operation. */
function against(r: number, top: number): string {
  return `${fmt(r)}/s, ${((r / top) * 100).toFixed(0)}% of the client's ceiling of ${fmt(top)}/s`;
}

export async function run(): Promise<void> {
  console.log(
    `${fmt(OPS)} operations per round, ${IN_FLIGHT} in flight from one driver client; ` +
      `each rate is the best of ${ROUNDS} rounds, with the median beside it`,
  );
  console.log(`load average at start: ${loadavg()[0]?.toFixed(1) ?? '?'} on ${availableParallelism()} cores`);
  const dir = await mkdtemp(join(tmpdir(), 'embedded-mongo-bench-'));
  const targets: Target[] = [];
  const layouts: Layout[] = [];
  let rates: Rates[];
  try {
    const open = async (label: string, started: Promise<Target>): Promise<void> => {
      const target = await started;
      targets.push(target);
      layouts.push(await connect(label, target));
    };
    await open(
      'ceiling: the same client and wire server, commands answered without being executed',
      ceiling(join(dir, 'ceiling.sock')),
    );
    await open(
      'in memory, server inside the client process (as the app runs it), over a Unix socket',
      inProcess(join(dir, 'mongo.sock')),
    );
    await open('in memory, server inside the client process, over TCP', inProcess());
    await open('in memory, server in its own process (npm run db), over TCP', childProcess());
    await open(
      'durable (journal fsync, group commit), server in its own process',
      childProcess(join(dir, 'data')),
    );
    rates = await measure(layouts);
  } finally {
    for (const { client } of layouts) await client.close();
    for (const target of targets) await target.stop();
    await rm(dir, { recursive: true, force: true });
  }
  for (const [k, layout] of layouts.entries()) report(layout.label, rates[k]!);
  const [top, socket, tcp, memory, durable] = rates as [Rates, Rates, Rates, Rates, Rates];
  const mem = await memoryFor100k();
  console.log(
    `memory for ${fmt(MEMORY_DOCS)} documents of 1 KB (server and client in one process): RSS +${mem.rssMb.toFixed(0)} MB, heap +${mem.heapMb.toFixed(0)} MB`,
  );
  const files = await filesThroughGridFs();
  const totalMb = fmt((FILES * FILE_BYTES) / 1024 / 1024);
  console.log(
    `${FILES} files of ${fmt(FILE_BYTES / 1024 / 1024)} MB through GridFS (durable, server inside the client process): ` +
      `write ${fmt(files.writeMbPerSecond)} MB/s, read ${fmt(files.readMbPerSecond)} MB/s (${files.intact ? 'every hash equal' : 'HASH MISMATCH'}), ` +
      `RSS +${files.rssMb.toFixed(0)} MB after writing, +${files.rssAfterReadMb.toFixed(0)} MB after reading, ` +
      `${fmt(files.diskMb)} MB in the data directory, ${files.journalMb.toFixed(1)} MB of it journal and snapshot`,
  );
  const inserts = Math.max(tcp.inserts.perSecond, socket.inserts.perSecond, memory.inserts.perSecond);
  // The server's lookup rate: findOne's own client-side cursor work is the driver's cost, not the server's.
  const lookups = Math.max(
    tcp.lookupCommands.perSecond,
    socket.lookupCommands.perSecond,
    memory.lookupCommands.perSecond,
  );
  const share = durable.inserts.perSecond / memory.inserts.perSecond;
  console.log('targets:');
  console.log(`  in-memory inserts >= 10,000/s: ${fmt(inserts)} (${verdict(inserts >= 10_000)})`);
  console.log(
    `  in-memory indexed lookups >= 10,000/s: ${fmt(lookups)} as find commands (${verdict(lookups >= 10_000)})`,
  );
  console.log(
    `  durable inserts >= 20% of in-memory: ${(share * 100).toFixed(0)}% (${verdict(share >= 0.2)})`,
  );
  const filesRss = Math.max(files.rssMb, files.rssAfterReadMb);
  console.log(
    `  ${totalMb} MB of stored files add <= ${FILES_RSS_TARGET_MB} MB RSS: +${filesRss.toFixed(0)} MB (${verdict(filesRss <= FILES_RSS_TARGET_MB && files.intact)})`,
  );
  console.log('the server inside the client process over a Unix socket, against the ceiling:');
  console.log(`  inserts: ${against(socket.inserts.perSecond, top.inserts.perSecond)}`);
  console.log(`  lookups with findOne: ${against(socket.lookups.perSecond, top.lookups.perSecond)}`);
  console.log(
    `  lookups as find commands: ${against(socket.lookupCommands.perSecond, top.lookupCommands.perSecond)}`,
  );
  console.log(`  findAndModify claims: ${against(socket.claims.perSecond, top.claims.perSecond)}`);
}

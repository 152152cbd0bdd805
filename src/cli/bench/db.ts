/**
 * Embedded database benchmark: single-document inserts, indexed point lookups and findAndModify claims
 * from one driver client keeping 16 operations in flight, first in memory and then durable (journal with
 * fsync in a temporary directory), in the same run; then the memory 100k documents of 1 KB take.
 * The baseline is the in-memory run: durable inserts are judged as a share of it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MongoClient, type Collection, type Document } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongoOptions } from '../../embedded-mongo/index.js';

const IN_FLIGHT = 16;
const OPS = 20_000;
const MEMORY_DOCS = 100_000;

/** Operations per wall-clock second, and per second of this process's CPU time (client and server). */
interface Rate {
  wall: number;
  cpu: number;
}

interface Rates {
  inserts: Rate;
  lookups: Rate;
  claims: Rate;
}

/** Runs `op(i)` for i in [0, count) with `IN_FLIGHT` operations outstanding. */
async function rate(count: number, op: (i: number) => Promise<unknown>): Promise<Rate> {
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const worker = async (): Promise<void> => {
    while (next < count) await op(next++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const cpu = process.cpuUsage(cpuBefore);
  return {
    wall: count / ((performance.now() - started) / 1000),
    cpu: count / ((cpu.user + cpu.system) / 1e6),
  };
}

/** A server to measure: its URI and how to stop it. */
interface Target {
  uri: string;
  stop(): Promise<void>;
}

/** The server inside this process, as the app runs it. */
async function inProcess(options: EmbeddedMongoOptions): Promise<Target> {
  const server = await startEmbeddedMongo(options);
  return { uri: server.uri, stop: () => server.stop() };
}

/** The server as `npm run db` runs it, so the client's own work does not compete with it on one core. */
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
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function measure(target: Target): Promise<Rates> {
  const server = target;
  const client = await MongoClient.connect(server.uri, { maxPoolSize: IN_FLIGHT });
  try {
    const coll: Collection<Document> = client.db('bench').collection('items');
    await coll.createIndex({ key: 1 }, { unique: true });
    // A work queue indexes the state it claims by, as the app's queues do.
    await coll.createIndex({ state: 1 });
    // Warm-up so connection setup and JIT are not measured.
    await rate(1000, (i) => coll.insertOne({ key: `warm-${i}`, n: i }));
    const inserts = await rate(OPS, (i) => coll.insertOne({ key: `k-${i}`, n: i, state: 'queued' }));
    const lookups = await rate(OPS, (i) => coll.findOne({ key: `k-${(i * 7919) % OPS}` }));
    const claims = await rate(OPS / 4, () =>
      coll.findOneAndUpdate({ state: 'queued' }, { $set: { state: 'claimed' } }, { returnDocument: 'after' }),
    );
    return { inserts, lookups, claims };
  } finally {
    await client.close();
    await server.stop();
  }
}

async function memoryFor100k(): Promise<{ rssMb: number; heapMb: number }> {
  const server = await startEmbeddedMongo();
  const client = await MongoClient.connect(server.uri);
  try {
    const coll = client.db('bench').collection('memory');
    const pad = 'x'.repeat(1000);
    await coll.insertOne({ warm: true });
    const before = process.memoryUsage();
    for (let start = 0; start < MEMORY_DOCS; start += 5000) {
      await coll.insertMany(Array.from({ length: 5000 }, (_, i) => ({ n: start + i, pad })));
    }
    const after = process.memoryUsage();
    return {
      rssMb: (after.rss - before.rss) / 1024 / 1024,
      heapMb: (after.heapUsed - before.heapUsed) / 1024 / 1024,
    };
  } finally {
    await client.close();
    await server.stop();
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const show = (r: Rate): string => `${fmt(r.wall)}/s (${fmt(r.cpu)} per CPU-second)`;

function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

function report(label: string, r: Rates): void {
  console.log(`${label}:`);
  console.log(`  single-document inserts: ${show(r.inserts)}`);
  console.log(`  indexed point lookups:   ${show(r.lookups)}`);
  console.log(`  findAndModify claims:    ${show(r.claims)}`);
}

export async function run(): Promise<void> {
  console.log(`${fmt(OPS)} operations per figure, ${IN_FLIGHT} in flight from one driver client`);
  console.log(`load average at start: ${loadavg()[0]?.toFixed(1) ?? '?'} on ${availableParallelism()} cores`);
  const embedded = await measure(await inProcess({}));
  report('in memory, server inside the client process (as the app runs it)', embedded);
  const memory = await measure(await childProcess());
  report('in memory, server in its own process (npm run db)', memory);
  const dir = await mkdtemp(join(tmpdir(), 'embedded-mongo-bench-'));
  let durable: Rates;
  try {
    durable = await measure(await childProcess(join(dir, 'data')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  report('durable (fsync per group commit), server in its own process', durable);
  const share = durable.inserts.wall / memory.inserts.wall;
  const mem = await memoryFor100k();
  console.log(
    `memory for ${fmt(MEMORY_DOCS)} docs of 1 KB (server and client in one process): RSS +${mem.rssMb.toFixed(0)} MB, heap +${mem.heapMb.toFixed(0)} MB`,
  );
  const best = (r: Rate, s: Rate): number => Math.max(r.wall, s.wall);
  console.log('targets:');
  const inserts = best(embedded.inserts, memory.inserts);
  const lookups = best(embedded.lookups, memory.lookups);
  console.log(`  in-memory inserts >= 10,000/s: ${fmt(inserts)} (${verdict(inserts >= 10_000)})`);
  console.log(`  in-memory indexed lookups >= 10,000/s: ${fmt(lookups)} (${verdict(lookups >= 10_000)})`);
  console.log(
    `  durable inserts >= 20% of in-memory: ${(share * 100).toFixed(0)}% (${verdict(share >= 0.2)})`,
  );
}

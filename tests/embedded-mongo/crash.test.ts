import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MongoClient, type Binary, type ObjectId } from 'mongodb';
import { startEmbeddedMongo } from '../../src/embedded-mongo/index.js';
import { openJournal } from '../../src/embedded-mongo/journal.js';
import { suiteTempDir } from '../support/temp-dir.js';
import { blobFor, payloadFor } from './crash-payload.js';

const writer = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill('SIGKILL');
});
const inRoot = suiteTempDir('crash-test-');

function startWriter(mode: string, dir: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, mode, dir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('close', () => children.delete(child));
  return child;
}

/** Runs the writer until it has acknowledged `acks` writes, kills it with SIGKILL, returns every acknowledgement it printed. */
async function killMidBurst(mode: string, dir: string, acks: number): Promise<string[]> {
  const child = startWriter(mode, dir);
  let out = '';
  let errors = '';
  let lines = 0;
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    lines += chunk.split('\n').length - 1;
    if (lines >= acks) child.kill('SIGKILL');
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
  });
  // 'close' comes after the pipes are drained: every line printed before the kill has been read.
  const [code, signal] = await once(child, 'close');
  assert.equal(signal, 'SIGKILL', `writer stopped by itself with code ${code}: ${errors}`);
  return out.slice(0, out.lastIndexOf('\n')).split('\n');
}

/** Collects a child's output until it exits or prints `line`. */
async function output(child: ChildProcess, line?: string): Promise<{ stdout: string; stderr: string }> {
  const seen = { stdout: '', stderr: '' };
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    seen.stderr += chunk;
  });
  await new Promise<void>((resolve) => {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      seen.stdout += chunk;
      if (line !== undefined && seen.stdout.includes(`${line}\n`)) resolve();
    });
    child.on('close', () => resolve());
  });
  return seen;
}

describe('crash safety', () => {
  it(
    'keeps every acknowledged journal append, in order and whole, across repeated SIGKILLs',
    { timeout: 60_000 },
    async () => {
      const dir = inRoot('journal');
      const acknowledged: number[] = [];
      for (const acks of [400, 700]) {
        acknowledged.push(...(await killMidBurst('journal', dir, acks)).map(Number));

        const { journal, recovered } = await openJournal(dir);
        await journal.close();
        const seqs = [...recovered.snapshot, ...recovered.entries].map((doc) => Number(doc.seq));
        assert.deepEqual(
          seqs,
          Array.from({ length: seqs.length }, (_, i) => i),
          'recovered entries are 0..n-1 in order, each once',
        );
        assert.ok(
          Math.max(...acknowledged) < seqs.length,
          `acknowledged up to ${Math.max(...acknowledged)}, recovered ${seqs.length}`,
        );
        for (const entry of recovered.entries) assert.equal(entry.payload, payloadFor(Number(entry.seq)));
      }
    },
  );

  it(
    'keeps every insert the server acknowledged when its process is killed mid-burst',
    { timeout: 60_000 },
    async () => {
      const dir = inRoot('server');
      const acknowledged = await killMidBurst('server', dir, 800);

      const server = await startEmbeddedMongo({ dataDir: dir });
      const client = await MongoClient.connect(server.uri);
      try {
        const docs = await client
          .db('crash')
          .collection<{ _id: ObjectId; seq: number; payload: string }>('docs')
          .find()
          .toArray();
        const ids = new Set(docs.map((doc) => doc._id.toHexString()));
        assert.equal(ids.size, docs.length);
        assert.deepEqual(
          acknowledged.filter((id) => !ids.has(id)),
          [],
          'acknowledged inserts missing after restart',
        );
        for (const doc of docs) assert.equal(doc.payload, payloadFor(doc.seq));
      } finally {
        await client.close();
        await server.stop();
      }
    },
  );

  it(
    'keeps every acknowledged document with a large binary value, bytes intact, across SIGKILLs',
    { timeout: 120_000 },
    async () => {
      const dir = inRoot('blobs');
      const acknowledged: string[] = [];
      for (const acks of [300, 500]) {
        acknowledged.push(...(await killMidBurst('blobs', dir, acks)));
        const server = await startEmbeddedMongo({ dataDir: dir });
        const client = await MongoClient.connect(server.uri);
        try {
          const docs = await client
            .db('crash')
            .collection<{ _id: ObjectId; seq: number; data: Binary }>('blobs')
            .find()
            .toArray();
          const ids = new Set(docs.map((doc) => doc._id.toHexString()));
          assert.deepEqual(
            acknowledged.filter((id) => !ids.has(id)),
            [],
            'acknowledged inserts missing after restart',
          );
          for (const doc of docs) assert.ok(Buffer.from(doc.data.buffer).equals(blobFor(doc.seq)));
        } finally {
          await client.close();
          await server.stop();
        }
      }
    },
  );

  it(
    'refuses a second server process on the same data directory, naming the owner',
    { timeout: 60_000 },
    async () => {
      const dir = inRoot('owned');
      const owner = startWriter('hold', dir);
      assert.match((await output(owner, 'ready')).stdout, /ready/);

      const second = await output(startWriter('hold', dir));
      assert.ok(
        second.stderr.includes(
          `data directory ${dir} is in use by process ${owner.pid} on host ${hostname()}`,
        ),
        second.stderr,
      );
      assert.doesNotMatch(second.stdout, /ready/);

      owner.kill('SIGKILL');
      await once(owner, 'close');
      // The killed owner's lock is stale now and is taken over.
      const server = await startEmbeddedMongo({ dataDir: dir });
      await server.stop();
    },
  );
});

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openJournal } from '../../src/embedded-mongo/journal.js';

const writer = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const root = await mkdtemp(join(tmpdir(), 'crash-test-'));
const children = new Set<ChildProcess>();
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

/** The payload crash-writer.ts gives entry `seq`. */
function payloadFor(seq: number): string {
  return String.fromCharCode(97 + (seq % 26)).repeat(((seq * 7919) % 3000) + 1);
}

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

describe('crash safety', () => {
  it(
    'keeps every acknowledged journal append, in order and whole, across repeated SIGKILLs',
    { timeout: 60_000 },
    async () => {
      const dir = join(root, 'journal');
      const acknowledged: number[] = [];
      for (const acks of [700, 1300, 2100]) {
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
        assert.ok(recovered.snapshot.length > 0, 'compactions ran during the burst');
        for (const entry of recovered.entries) assert.equal(entry.payload, payloadFor(Number(entry.seq)));
      }
    },
  );
});

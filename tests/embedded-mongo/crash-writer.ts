/**
 * Child process of crash.test.ts. Writes to a data directory in a burst, 16 writes in flight, and prints
 * one line per write as soon as it is acknowledged; the parent kills it with SIGKILL mid-burst.
 *   journal DIR   appends `{ seq, payload }` to the journal after the recovered ones, compacting every 500
 */
import { Int32 } from 'bson';
import { openJournal } from '../../src/embedded-mongo/journal.js';

const IN_FLIGHT = 16;
const LIMIT = 1_000_000;

/** Varied sizes, so kills land in the middle of frames of all lengths (crash.test.ts checks this shape). */
function payloadFor(seq: number): string {
  return String.fromCharCode(97 + (seq % 26)).repeat(((seq * 7919) % 3000) + 1);
}

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
    if (seq % 500 === 499) {
      journal.compact(issued.map((s) => ({ seq: new Int32(s) }))).catch((err: unknown) => {
        process.stderr.write(`compaction failed: ${String(err)}\n`);
        process.exit(2);
      });
    }
    await written;
    return String(seq);
  });
}

const [mode, dir] = process.argv.slice(2);
const run = { journal: journalBurst }[mode ?? ''];
if (!run || !dir) throw new Error('usage: crash-writer.ts journal DIR');
await run(dir);

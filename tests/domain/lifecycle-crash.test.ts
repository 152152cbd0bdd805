/**
 * A state change and its consequences are one write: a child process moving claims is killed with
 * SIGKILL at random points, twice; after a restart and a relay sweep, every committed move has exactly
 * one audit entry and exactly one notification, and nothing exists for a move that was not committed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import { createModels } from '../../src/db/models/index.js';
import { startEmbeddedMongo } from '../../src/embedded-mongo/index.js';
import { EventRelay } from '../../src/notifications/relay.js';
import { suiteTempDir } from '../support/temp-dir.js';

const mover = fileURLToPath(new URL('./lifecycle-crash-mover.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const dataDir = suiteTempDir('lifecycle-crash-');
const running = new Set<ReturnType<typeof spawn>>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

/** Runs the mover until it acknowledged `acks` moves, then kills it; returns the acknowledged moves. */
async function moveAndKill(dir: string, acks: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', mover, dir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let errors = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    if (out.split('\n').length - 1 >= acks) child.kill('SIGKILL');
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  const [code, signal] = await once(child, 'close');
  running.delete(child);
  assert.equal(signal, 'SIGKILL', `the mover stopped by itself with code ${code}: ${errors}`);
  return out.slice(0, out.lastIndexOf('\n')).split('\n');
}

test('after SIGKILLs mid-move, every committed move has one audit entry and one notification', async (t) => {
  const dir = dataDir();
  const acknowledged: string[] = [];
  for (let round = 0; round < 2; round++) {
    acknowledged.push(...(await moveAndKill(dir, 40 + Math.floor(Math.random() * 160))));
  }

  const server = await startEmbeddedMongo({ dataDir: dir });
  const connection = await mongoose
    .createConnection(server.uri, { dbName: 'crash', autoIndex: false })
    .asPromise();
  try {
    const models = createModels(connection);
    const undrained = await models.claims.countDocuments({ 'pendingEvents.0': { $exists: true } });
    const relay = new EventRelay({ models, sweepGraceMs: 0 });
    await relay.sweep(Number.MAX_SAFE_INTEGER);
    t.diagnostic(
      `${acknowledged.length} moves acknowledged; ${undrained} claims had undrained events at restart`,
    );

    const claims = await models.claims.find().lean();
    let moves = 0;
    for (const claim of claims) {
      assert.equal(claim.pendingEvents.length, 0, `${claim.number} has undrained events`);
      const history = claim.statusHistory;
      const audit = await models.auditEvents
        .find({ 'record.id': claim._id.toString(), action: 'claim.transition' })
        .sort({ at: 1 })
        .lean();
      const notices = await models.notifications.find({ 'payload.number': claim.number }).lean();
      assert.equal(audit.length, history.length, `${claim.number}: one audit entry per committed move`);
      assert.equal(notices.length, history.length, `${claim.number}: one notification per committed move`);
      assert.deepEqual(
        audit.map((entry) => [entry.details.from, entry.details.to, entry.at.getTime()]),
        history.map((change) => [change.from, change.to, change.at.getTime()]),
        `${claim.number}: the audit trail is the history`,
      );
      assert.deepEqual(
        notices.map((notice) => (notice.payload as { status: string }).status).sort(),
        history.map((change) => change.to).sort(),
      );
      moves += history.length;
    }
    // Every move the mover saw acknowledged is among them (and a kill can lose only unacknowledged ones).
    assert.ok(moves >= acknowledged.length, `${moves} committed moves, ${acknowledged.length} acknowledged`);
    const byClaim = new Map<string, number>();
    for (const line of acknowledged) {
      const number = line.split(' ')[0]!;
      byClaim.set(number, (byClaim.get(number) ?? 0) + 1);
    }
    for (const claim of claims) {
      assert.ok(
        claim.statusHistory.length >= (byClaim.get(claim.number) ?? 0),
        `${claim.number} lost a move`,
      );
    }
  } finally {
    await connection.close();
    await server.stop();
  }
});

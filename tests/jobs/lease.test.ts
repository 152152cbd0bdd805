import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { JobLease, type LeaseDocument } from '../../src/jobs/lease.js';
import { startTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
before(async () => {
  db = await startTestDatabase();
});
after(async () => {
  await db.stop();
});

function lease(job: string, clock: { now: Date }, ttlMs = 10_000) {
  return new JobLease({
    collection: db.connection.db!.collection<LeaseDocument>('jobleases'),
    job,
    ttlMs,
    now: () => clock.now,
  });
}

test('one holder at a time; another takes over only once the lease expired', async () => {
  const clock = { now: new Date('2026-06-15T12:00:00Z') };
  const [a, b] = [lease('plan', clock), lease('plan', clock)];
  assert.equal(await a.acquire(), true);
  assert.equal(await b.acquire(), false);
  assert.equal(await a.acquire(), true, 'the holder may take it again');

  clock.now = new Date(clock.now.getTime() + 9_000);
  assert.equal(await a.renew(), true);
  clock.now = new Date(clock.now.getTime() + 9_000);
  assert.equal(await b.acquire(), false, 'renewed, so not expired yet');

  clock.now = new Date(clock.now.getTime() + 2_000);
  assert.equal(await b.acquire(), true, 'expired: taken over');
  assert.equal(await a.renew(), false, 'the old holder learns it lost the lease');
  await b.release();
  assert.equal(await a.acquire(), true, 'released: free at once');
  assert.equal(await lease('other-job', clock).acquire(), true, 'each job has its own lease');
});

test('run() holds the lease while working and aborts the work when the lease is lost', async () => {
  const real = {
    get now() {
      return new Date();
    },
  };
  const holder = lease('work', real, 300);
  const other = lease('work', real, 300);
  const outcome = await holder.run(async (signal) => {
    assert.equal(await other.run(async () => 'ran'), undefined, 'held elsewhere: not run');
    // Longer than the lease's lifetime: only the renewals keep it.
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.equal(signal.aborted, false);
    // Someone forces the lease away: the next renewal notices.
    await db.connection
      .db!.collection<LeaseDocument>('jobleases')
      .updateOne({ _id: 'work' }, { $set: { owner: 'thief' } });
    await new Promise((resolve) => setTimeout(resolve, 250));
    return signal.aborted;
  });
  assert.deepEqual(outcome, { result: true });
});

/**
 * The reminder job's schedule: a pass at start-up and then on the node-cron expression, none once
 * stopped, and none without a schedule (`REMINDER_CRON=off`).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PlanSummary, ReleaseOutcome, ReminderService } from '../../src/domain/reminders.js';
import { JobLease, type LeaseDocument } from '../../src/jobs/lease.js';
import { ReminderJob } from '../../src/jobs/reminders.js';
import { createLogger } from '../../src/log.js';
import { startTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
before(async () => {
  db = await startTestDatabase();
});
after(async () => {
  await db.stop();
});

/** A reminder service that only counts the passes made on it. */
function counting() {
  const passes: Date[] = [];
  const service: ReminderService = {
    plan(now: Date): Promise<PlanSummary> {
      passes.push(now);
      return Promise.resolve({ scheduled: 0, cancelled: 0, subjects: 0 });
    },
    release(): Promise<ReleaseOutcome[]> {
      return Promise.resolve([]);
    },
    cancelPending: () => Promise.resolve(0),
  };
  return { passes, service };
}

function job(service: ReminderService, cron: string | undefined) {
  return new ReminderJob({
    reminders: service,
    lease: new JobLease({
      collection: db.connection.db!.collection<LeaseDocument>('jobleases'),
      job: `schedule-${Math.random()}`,
      ttlMs: 10_000,
    }),
    cron,
    logger: createLogger('silent'),
  });
}

const until = async (condition: () => boolean, timeoutMs: number) => {
  const started = Date.now();
  while (!condition() && Date.now() - started < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

test('a pass at start-up, then one on each tick of the schedule, and none after stop', async () => {
  const { passes, service } = counting();
  const reminders = job(service, '* * * * * *');
  reminders.start();
  await until(() => passes.length >= 1, 5000);
  assert.equal(passes.length >= 1, true, 'the start-up pass');
  await until(() => passes.length >= 3, 10_000);
  assert.ok(passes.length >= 3, `passes on the every-second schedule (${passes.length})`);
  await reminders.stop();
  const stopped = passes.length;
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(passes.length, stopped, 'no pass after stop');
});

test('without a schedule (REMINDER_CRON=off) no pass runs by itself', async () => {
  const { passes, service } = counting();
  const reminders = job(service, undefined);
  reminders.start();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await reminders.stop();
  assert.equal(passes.length, 0);
  // A pass asked for by hand (`npm run reminders`) still runs.
  assert.equal((await reminders.runPass()).ran, true);
  assert.equal(passes.length, 1);
});

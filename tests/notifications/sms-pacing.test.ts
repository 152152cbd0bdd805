/**
 * The SMS pace on a fixed clock: slots one interval apart from one shared counter, a near slot waited
 * for, a far one kept by the row it was taken for (and spent only by it), quiet hours in the
 * customer's zone.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { Types } from 'mongoose';
import { SmsPacing, type PacingDocument, type PacedRow } from '../../src/notifications/sms-pacing.js';
import { startTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let customer: Types.ObjectId;
let clock: number;
// 12:00 in New York.
const noon = Date.parse('2026-06-15T16:00:00Z');

before(async () => {
  db = await startTestDatabase();
});
after(async () => {
  await db.stop();
});
beforeEach(async () => {
  await db.clear();
  await db.connection.db!.collection('smspacing').deleteMany({});
  customer = new Types.ObjectId();
  await db.models.customers.collection.insertOne({ _id: customer, timezone: 'America/New_York' });
  clock = noon;
});

function pacing(ratePerSecond: number, options: { maxWaitMs?: number } = {}) {
  return new SmsPacing({
    models: db.models,
    collection: db.connection.db!.collection<PacingDocument>('smspacing'),
    ratePerSecond,
    defaultTimeZone: 'UTC',
    now: () => new Date(clock),
    ...options,
  });
}

const row = (fields: Partial<PacedRow> = {}): PacedRow => ({
  _id: new Types.ObjectId(),
  route: 'sms',
  recipient: customer,
  ...fields,
});

test('slots one interval apart over two senders; a far slot is kept by its row and spent by it alone', async () => {
  // Rate 1/s and a clock that stands still: the first send goes now, the next ones are a second apart.
  const [a, b] = [pacing(1, { maxWaitMs: 0 }), pacing(1, { maxWaitMs: 0 })];
  assert.equal(await a.deferUntil(row()), undefined, 'the first slot is now');
  const first = await b.deferUntil(row());
  const second = await a.deferUntil(row());
  assert.equal(first?.until.getTime(), noon + 1000);
  assert.equal(first?.slot?.getTime(), noon + 1000);
  assert.equal(second?.slot?.getTime(), noon + 2000);

  // The row that kept the 1 s slot, handled when it comes, leaves on it without taking another.
  clock = noon + 1000;
  const kept = row({ paceSlot: first!.slot! });
  assert.equal(await b.deferUntil(kept), undefined);
  const counter = await db.connection.db!.collection<PacingDocument>('smspacing').findOne({ _id: 'sms' });
  assert.equal(counter?.next, noon + 3000, 'three slots taken, none twice');
  // A fresh row gets the slot after the ones taken.
  assert.equal((await a.deferUntil(row()))?.slot?.getTime(), noon + 3000);
});

test('a kept slot gone stale (its dispatcher stopped) is replaced by a new one', async () => {
  const pace = pacing(1, { maxWaitMs: 0 });
  clock = noon + 5 * 60_000;
  const late = await pace.deferUntil(row({ paceSlot: new Date(noon) }));
  assert.equal(late, undefined, 'the counter fell behind: a new slot, now');
  const counter = await db.connection.db!.collection<PacingDocument>('smspacing').findOne({ _id: 'sms' });
  assert.equal(counter?.next, clock + 1000);
});

test('a near slot is waited for rather than deferred', async () => {
  const pace = pacing(10);
  const started = Date.now();
  assert.equal(await pace.deferUntil(row()), undefined);
  assert.equal(await pace.deferUntil(row()), undefined, '100 ms off: waited for');
  assert.ok(Date.now() - started >= 90);
});

test("quiet hours in the customer's zone defer without taking a slot; other routes are never held", async () => {
  const pace = pacing(1);
  // 23:30 in New York.
  clock = Date.parse('2026-06-16T03:30:00Z');
  const night = await pace.deferUntil(row());
  assert.equal(night?.until.toISOString(), '2026-06-16T12:00:00.000Z', '8:00 in New York');
  assert.equal(night?.slot, undefined);
  assert.equal(await db.connection.db!.collection('smspacing').countDocuments(), 0);
  assert.equal(await pace.deferUntil(row({ route: 'conversation' })), undefined);
});

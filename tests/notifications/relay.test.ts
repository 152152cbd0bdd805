import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Types } from 'mongoose';
import { pendingEvent } from '../../src/domain/lifecycle.js';
import { EventRelay } from '../../src/notifications/relay.js';
import { startTestDatabase, type TestDatabase } from '../support/db.js';

describe('the event relay', () => {
  let db: TestDatabase;
  let relay: EventRelay;
  const customer = new Types.ObjectId();
  const at = new Date('2026-06-15T12:00:00Z');

  before(async () => {
    db = await startTestDatabase();
  });
  after(() => db.stop());
  beforeEach(async () => {
    await db.clear();
    relay = new EventRelay({ models: db.models, now: () => new Date(at.getTime() + 60_000) });
  });

  /** A claim carrying one undrained event, as a crash right after its change would leave it. */
  async function claimWithPendingEvent() {
    const event = pendingEvent({
      action: 'claim.transition',
      actor: { type: 'system', id: 'tests', channel: 'system' },
      at,
      details: { number: 'CLM-000001', from: 'in_review', to: 'approved' },
      notify: {
        recipient: customer,
        template: 'claim.status',
        payload: { number: 'CLM-000001', status: 'approved' },
      },
    });
    const claim = await db.models.claims.create({
      number: 'CLM-000001',
      policy: new Types.ObjectId(),
      customer,
      incidentDate: at,
      type: 'collision',
      description: 'a test claim',
      amountClaimed: '100',
      status: 'approved',
      pendingEvents: [event],
    });
    return { claim, event };
  }

  test('drains an event into one audit entry and one outbox row, and removes it', async () => {
    const { claim, event } = await claimWithPendingEvent();
    let woken = 0;
    relay.onEnqueue(() => woken++);
    await relay.drain('claims', claim._id);
    const audit = await db.models.auditEvents.find().lean();
    assert.deepEqual(
      audit.map((entry) => [entry.eventId, entry.action, entry.record.id, entry.channel]),
      [[event.id, 'claim.transition', claim._id.toString(), 'system']],
    );
    const rows = await db.models.notifications.find().lean();
    assert.deepEqual(
      rows.map((row) => [row.idempotencyKey, row.route, row.status, row.recipient.toString()]),
      [[`event:${event.id}`, 'conversation', 'pending', customer.toString()]],
    );
    assert.equal((await db.models.claims.findById(claim._id).lean())?.pendingEvents.length, 0);
    assert.equal(woken, 1);
  });

  test('a drain repeated after a crash between its writes writes nothing twice', async () => {
    const { claim, event } = await claimWithPendingEvent();
    await relay.drain('claims', claim._id);
    // As if the process died after writing the audit entry and the outbox row, before pulling the event.
    await db.models.claims.updateOne({ _id: claim._id }, { $set: { pendingEvents: [event] } });
    await Promise.all([relay.drain('claims', claim._id), relay.drain('claims', claim._id)]);
    assert.equal(await db.models.auditEvents.countDocuments(), 1);
    assert.equal(await db.models.notifications.countDocuments(), 1);
    assert.equal((await db.models.claims.findById(claim._id).lean())?.pendingEvents.length, 0);
  });

  test('two drains of a new event at once write it once', async () => {
    const { claim } = await claimWithPendingEvent();
    let woken = 0;
    relay.onEnqueue(() => woken++);
    await Promise.all([relay.drain('claims', claim._id), relay.drain('claims', claim._id)]);
    assert.equal(await db.models.auditEvents.countDocuments(), 1);
    assert.equal(await db.models.notifications.countDocuments(), 1);
    assert.equal(woken, 1, 'only the drain that added the row wakes the dispatcher');
  });

  test('the sweep drains what a crash left behind, once it is older than the grace period', async () => {
    const { claim } = await claimWithPendingEvent();
    const early = new EventRelay({ models: db.models, now: () => new Date(at.getTime() + 1000) });
    assert.equal(await early.sweep(), 0, 'still the service’s to drain');
    assert.equal(await relay.sweep(), 1);
    assert.equal(await db.models.auditEvents.countDocuments({ 'record.id': claim._id.toString() }), 1);
    assert.equal(await relay.sweep(), 0);
  });
});

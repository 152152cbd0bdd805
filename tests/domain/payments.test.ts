import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedDemoData } from '../../src/db/seed.js';
import { createDomainServices, type DomainServices } from '../../src/domain/index.js';
import { nextDueAfter, premiumState, type CompletedCheckout } from '../../src/domain/payments.js';
import { startTestDatabase, type TestDatabase } from '../support/db.js';

const day = 86_400_000;
const utc = (iso: string) => new Date(`${iso}T00:00:00Z`);

describe('premium arithmetic', () => {
  it('moves a due date by the billing period, to the last day of a shorter month, and not past the end', () => {
    const end = utc('2030-01-01');
    assert.deepEqual(nextDueAfter(utc('2026-01-31'), 'monthly', end), utc('2026-02-28'));
    assert.deepEqual(nextDueAfter(utc('2028-01-31'), 'monthly', end), utc('2028-02-29'));
    assert.deepEqual(nextDueAfter(utc('2026-11-30'), 'quarterly', end), utc('2027-02-28'));
    assert.deepEqual(nextDueAfter(utc('2026-08-15'), 'semiannual', end), utc('2027-02-15'));
    assert.deepEqual(nextDueAfter(utc('2026-03-01'), 'annual', end), utc('2027-03-01'));
    assert.equal(nextDueAfter(utc('2029-06-01'), 'annual', end), undefined);
  });

  it('tells due, overdue within the grace period, upcoming, lapsed and nothing due apart', () => {
    const now = utc('2026-12-01');
    const policy = (offsetDays: number, status: 'active' | 'lapsed' | 'cancelled' = 'active') => ({
      status,
      nextDueDate: new Date(now.getTime() + offsetDays * day),
      endDate: utc('2027-06-01'),
    });
    assert.equal(premiumState(policy(5), now), 'due');
    assert.equal(premiumState(policy(21), now), 'due');
    assert.equal(premiumState(policy(22), now), 'upcoming');
    assert.equal(premiumState(policy(0), now), 'due');
    assert.equal(premiumState(policy(-2), now), 'overdue');
    assert.equal(premiumState(policy(-20, 'lapsed'), now), 'overdue');
    assert.equal(premiumState(policy(-31, 'lapsed'), now), 'lapsed');
    assert.equal(premiumState(policy(5, 'cancelled'), now), 'none');
    assert.equal(premiumState({ status: 'active', endDate: utc('2027-06-01') }, now), 'none');
  });
});

describe('MongoPaymentService', () => {
  let db: TestDatabase;
  let domain: DomainServices;
  before(async () => {
    db = await startTestDatabase();
    await seedDemoData(db.models, db.cipher);
    domain = createDomainServices(db.models, db.cipher);
  });
  after(() => db.stop());

  it('records a checkout reported by several deliveries at once exactly once', async () => {
    const policy = (await db.models.policies.findOne({ number: 'HLT-500600' }).lean())!;
    const dueDate = policy.nextDueDate!.toISOString().slice(0, 10);
    const checkout = (eventId: string): CompletedCheckout => ({
      provider: 'stripe',
      eventId,
      sessionId: 'cs_test_concurrentconcurrent000',
      amount: 415.75,
      currency: 'USD',
      metadata: { policyId: policy._id.toString(), policyNumber: 'HLT-500600', dueDate },
      paidAt: new Date(),
    });
    const results = await Promise.all([
      domain.payments.recordCheckout(checkout('evt_a')),
      domain.payments.recordCheckout(checkout('evt_a')),
      domain.payments.recordCheckout(checkout('evt_b')),
      domain.payments.recordCheckout(checkout('evt_a')),
    ]);
    assert.equal(results.filter((result) => result.recorded).length, 1);
    assert.equal(new Set(results.map((result) => result.paymentId)).size, 1);
    assert.equal(await db.models.payments.countDocuments({}), 1);
    const moved = (await db.models.policies.findById(policy._id).lean())!.nextDueDate!;
    assert.deepEqual(moved, nextDueAfter(policy.nextDueDate!, 'monthly', policy.endDate));
    assert.equal(await db.models.notifications.countDocuments({ template: 'payment.received' }), 1);
    const payment = (await db.models.payments.findOne({}).lean())!;
    assert.equal(payment.pendingEvents.length, 0, 'the notice was drained into the outbox');
    assert.equal(String(payment.amount), '415.75');
  });

  it("refuses to start a payment on a policy that is not the customer's, or with nothing due", async () => {
    const jordan = (await db.models.policies.findOne({ number: 'AUT-100200' }).lean())!.holder.toString();
    const other = (await db.models.policies.findOne({ holder: { $ne: jordan } }).lean())!;
    await assert.rejects(domain.payments.startPayment(jordan, other.number), { code: 'not_found' });
    await assert.rejects(domain.payments.dueFor(jordan, other.number), { code: 'not_found' });
    await assert.rejects(domain.payments.startPayment(jordan, 'HOM-300400'), { code: 'conflict' });
    const start = await domain.payments.startPayment(jordan, 'AUT-100200');
    assert.equal(start.kind, 'instructions');
    assert.ok(start.kind === 'instructions');
    assert.equal(start.insurerName, 'Northwind Mutual');
    assert.match(start.instructions, /northwind\.example\.com\/pay/);
  });
});

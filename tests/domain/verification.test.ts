import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { demoCustomer } from '../../src/db/seed.js';
import { MongoVerificationService, type VerificationResult } from '../../src/domain/verification.js';
import { startSeededDomain, type SeededDomain } from './fixtures.js';

const minute = 60 * 1000;

let env: SeededDomain;
let clock: Date;
let service: MongoVerificationService;
let attempts: SeededDomain['db']['models']['verificationAttempts'];
let conversations = 0;

before(async () => {
  env = await startSeededDomain();
  attempts = env.db.models.verificationAttempts;
  service = new MongoVerificationService(
    env.db.models,
    env.services.customers,
    env.db.cipher,
    env.services.audit,
    undefined,
    () => clock,
  );
});
after(async () => {
  await env.db.stop();
});
beforeEach(async () => {
  // Near the real time: the database's TTL sweeper, on the real clock, removes records that expired.
  clock = new Date();
  await attempts.deleteMany({});
  await env.db.models.notifications.deleteMany({});
});

/** A context for a new conversation, from `clientKey` when given. */
function conversation(clientKey?: string) {
  conversations += 1;
  return { channel: 'directline', conversationId: `c-${conversations}`, ...(clientKey ? { clientKey } : {}) };
}

const jordanByPolicy = { policyNumber: demoCustomer.policies.auto };
const right = demoCustomer.dateOfBirth;

function statuses(results: VerificationResult[]): string[] {
  return results.map((result) =>
    result.status === 'failed' ? `failed:${result.attemptsLeft}` : result.status,
  );
}

describe('MongoVerificationService', () => {
  it('verifies a policy number or phone with the right date of birth', async () => {
    const byPolicy = await service.verify({ ...jordanByPolicy, dateOfBirth: right }, conversation());
    const byPhone = await service.verify({ phone: '555-555-0123', dateOfBirth: right }, conversation());
    assert.ok(byPolicy.status === 'verified' && byPolicy.customer.id === env.jordan.id);
    assert.ok(byPhone.status === 'verified' && byPhone.customer.id === env.jordan.id);
  });

  it('locks the customer for 15 minutes after three failures, across conversations and identifiers', async () => {
    const results: VerificationResult[] = [];
    for (const day of ['01', '02', '03']) {
      results.push(
        await service.verify({ ...jordanByPolicy, dateOfBirth: `1990-01-${day}` }, conversation()),
      );
    }
    assert.deepEqual(statuses(results), ['failed:2', 'failed:1', 'locked']);
    const lock = results[2];
    assert.ok(lock?.status === 'locked' && lock.afterFailure);
    assert.equal(lock.until.getTime(), clock.getTime() + 15 * minute);

    clock = new Date(clock.getTime() + 14 * minute);
    const stillLocked = await service.verify(
      { phone: demoCustomer.phone, dateOfBirth: right },
      conversation(),
    );
    assert.ok(stillLocked.status === 'locked' && !stillLocked.afterFailure);

    clock = new Date(clock.getTime() + 2 * minute);
    const after = await service.verify({ ...jordanByPolicy, dateOfBirth: right }, conversation());
    assert.equal(after.status, 'verified');
    assert.equal(await attempts.countDocuments({ _id: `customer:${env.jordan.id}` }), 0);

    const audit = await env.services.audit.listForRecord('customers', env.jordan.id);
    assert.equal(audit.filter((entry) => entry.action === 'customer.verification_locked').length, 1);
  });

  it('forgets failures older than the lock window', async () => {
    await service.verify({ ...jordanByPolicy, dateOfBirth: '1990-01-01' }, conversation());
    await service.verify({ ...jordanByPolicy, dateOfBirth: '1990-01-02' }, conversation());
    clock = new Date(clock.getTime() + 16 * minute);
    const result = await service.verify({ ...jordanByPolicy, dateOfBirth: '1990-01-03' }, conversation());
    assert.deepEqual(statuses([result]), ['failed:2']);
  });

  it('treats an identifier nobody has exactly like a known one, without storing it in the clear', async () => {
    const unknown = [];
    const known = [];
    for (const day of ['01', '02', '03']) {
      unknown.push(
        await service.verify({ policyNumber: 'ZZZ-123456', dateOfBirth: `1990-01-${day}` }, conversation()),
      );
      known.push(await service.verify({ ...jordanByPolicy, dateOfBirth: `1990-01-${day}` }, conversation()));
    }
    assert.deepEqual(statuses(unknown), statuses(known));
    const rows = await attempts.find({}).lean();
    assert.ok(rows.some((row) => row._id.startsWith('identifier:')));
    assert.ok(rows.every((row) => !row._id.includes('ZZZ') && !row._id.includes('123456')));
  });

  it('locks a conversation that tries many identities', async () => {
    const context = conversation();
    const results = [];
    for (const number of ['QQQ-000001', 'QQQ-000002', 'QQQ-000003']) {
      results.push(await service.verify({ policyNumber: number, dateOfBirth: right }, context));
    }
    assert.deepEqual(statuses(results), ['failed:2', 'failed:1', 'locked']);
    assert.ok(await service.conversationLockedUntil(context));
    // Even the right details wait until the conversation's lock ends.
    assert.equal((await service.verify({ ...jordanByPolicy, dateOfBirth: right }, context)).status, 'locked');
    assert.equal(
      (await service.verify({ ...jordanByPolicy, dateOfBirth: right }, conversation())).status,
      'verified',
    );
  });

  it('counts a date of birth that is not a date as a failure', async () => {
    const result = await service.verify({ ...jordanByPolicy, dateOfBirth: 'not a date' }, conversation());
    assert.deepEqual(statuses([result]), ['failed:2']);
  });

  it('lets a stranger lock only their own conversations and client, not the customer', async () => {
    const stranger = 'address:203.0.113.7';
    const results: VerificationResult[] = [];
    // Three failures lock a conversation; a new one from the same client goes on until the client's ten.
    for (let chat = 0; chat < 4; chat++) {
      const context = conversation(stranger);
      for (let attempt = 0; attempt < 3 && results.length < 10; attempt++) {
        const day = String(results.length + 1).padStart(2, '0');
        results.push(await service.verify({ ...jordanByPolicy, dateOfBirth: `1990-01-${day}` }, context));
      }
    }
    assert.deepEqual(statuses(results), [
      'failed:2',
      'failed:1',
      'locked',
      'failed:2',
      'failed:1',
      'locked',
      'failed:2',
      'failed:1',
      'locked',
      'locked',
    ]);
    assert.ok(await service.conversationLockedUntil(conversation(stranger)), 'the client is locked');
    const fromStranger = await service.verify(
      { ...jordanByPolicy, dateOfBirth: right },
      conversation(stranger),
    );
    assert.equal(fromStranger.status, 'locked');

    const jordan = await service.verify(
      { ...jordanByPolicy, dateOfBirth: right },
      conversation('address:198.51.100.2'),
    );
    assert.equal(jordan.status, 'verified');
    assert.equal(await env.db.models.notifications.countDocuments({}), 0);
  });

  it('locks the customer after failures from three clients, and tells them once by SMS', async () => {
    const results: VerificationResult[] = [];
    for (const [i, client] of [
      'address:203.0.113.1',
      'address:203.0.113.2',
      'address:203.0.113.3',
    ].entries()) {
      results.push(
        await service.verify({ ...jordanByPolicy, dateOfBirth: `1990-01-0${i + 1}` }, conversation(client)),
      );
    }
    assert.deepEqual(statuses(results), ['failed:2', 'failed:1', 'locked']);
    const lock = results[2];
    assert.ok(lock?.status === 'locked' && lock.afterFailure);
    const lockStart = new Date(clock);

    // Jordan, from a client that never failed, waits; so does a fourth stranger, without a second SMS.
    const jordan = await service.verify(
      { phone: demoCustomer.phone, dateOfBirth: right },
      conversation('address:198.51.100.2'),
    );
    assert.ok(jordan.status === 'locked' && !jordan.afterFailure);
    await service.verify(
      { ...jordanByPolicy, dateOfBirth: '1990-01-04' },
      conversation('address:203.0.113.4'),
    );

    const rows = await env.db.models.notifications.find({}).lean();
    assert.equal(rows.length, 1);
    assert.equal(String(rows[0]?.recipient), env.jordan.id);
    assert.equal(rows[0]?.route, 'sms');
    assert.equal(rows[0]?.template, 'verification.locked');
    assert.deepEqual(rows[0]?.payload, {});
    assert.equal(rows[0]?.idempotencyKey, `verification.locked:${env.jordan.id}:${lockStart.toISOString()}`);
    const stored = JSON.stringify(await attempts.find({}).lean());
    assert.ok(!stored.includes('203.0.113'), 'client addresses are kept only as keyed hashes');

    clock = new Date(clock.getTime() + 16 * minute);
    const later = await service.verify(
      { ...jordanByPolicy, dateOfBirth: right },
      conversation('address:198.51.100.2'),
    );
    assert.equal(later.status, 'verified');
    assert.equal(await env.db.models.notifications.countDocuments({}), 1);
  });

  it('seals an identifier for conversation state and opens only what it sealed', () => {
    const sealed = service.sealIdentifier({ phone: demoCustomer.phone });
    assert.ok(!sealed.includes(demoCustomer.phone.slice(2)));
    assert.deepEqual(service.openIdentifier(sealed), { phone: demoCustomer.phone });
    assert.equal(service.openIdentifier(`${sealed.slice(0, -2)}xx`), undefined);
    assert.equal(service.openIdentifier('not sealed'), undefined);
  });
});

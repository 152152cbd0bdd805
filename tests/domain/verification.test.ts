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
});

/** A context for a new conversation. */
function conversation() {
  conversations += 1;
  return { channel: 'directline', conversationId: `c-${conversations}` };
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
});

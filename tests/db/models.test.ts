import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Types } from 'mongoose';
import { startTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
before(async () => {
  db = await startTestDatabase();
});
after(async () => {
  await db.stop();
});
beforeEach(async () => {
  await db.clear();
});

/** Saves raw, possibly invalid input through a model, as data from outside would arrive. */
function save(
  model: new (doc: Record<string, unknown>) => { save(): Promise<unknown> },
  doc: Record<string, unknown>,
): Promise<unknown> {
  return new model(doc).save();
}

/** Field names mongoose rejected, from a validation error. */
async function invalidFields(validation: Promise<unknown>): Promise<string[]> {
  try {
    await validation;
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationError' && 'errors' in error) {
      return Object.keys(error.errors as object).sort();
    }
    throw error;
  }
  return [];
}

function customerData(overrides: Record<string, unknown> = {}) {
  return {
    firstName: 'Ada',
    lastName: 'Lovelace',
    dateOfBirthEncrypted: db.cipher.encrypt('1990-01-01'),
    dobHash: db.cipher.blindIndex('customer.dateOfBirth', '1990-01-01'),
    phone: '+15555550199',
    ...overrides,
  };
}

function policyData(overrides: Record<string, unknown> = {}) {
  return {
    number: 'AUT-123456',
    insurer: new Types.ObjectId(),
    policyType: new Types.ObjectId(),
    holder: new Types.ObjectId(),
    premium: { amount: Types.Decimal128.fromString('99.90'), currency: 'USD', frequency: 'monthly' },
    startDate: new Date('2026-01-01'),
    endDate: new Date('2027-01-01'),
    ...overrides,
  };
}

function claimData(overrides: Record<string, unknown> = {}) {
  return {
    number: 'CLM-000001',
    policy: new Types.ObjectId(),
    customer: new Types.ObjectId(),
    incidentDate: new Date('2026-03-01'),
    type: 'collision',
    description: 'Bumper damaged in a parking lot',
    amountClaimed: Types.Decimal128.fromString('1200.00'),
    ...overrides,
  };
}

describe('model validation', () => {
  it('accepts a complete customer and applies defaults', async () => {
    await save(db.models.customers, customerData({ email: 'Ada@Example.com' }));
    const customer = await db.models.customers.findOne({ phone: '+15555550199' }).lean();
    assert.equal(customer?.email, 'ada@example.com');
    assert.equal(customer.preferredLanguage, 'en');
    assert.equal(customer.smsConsent?.status, 'unknown');
    assert.ok(customer.createdAt instanceof Date);
  });

  it('rejects a phone that is not E.164, a bad email, time zone and consent state', async () => {
    const fields = await invalidFields(
      save(
        db.models.customers,
        customerData({
          phone: '555-555-0123',
          email: 'not-an-email',
          timezone: 'Mars/Olympus',
          smsConsent: { status: 'maybe' },
        }),
      ),
    );
    assert.deepEqual(fields, ['email', 'phone', 'smsConsent.status', 'timezone']);
  });

  it('rejects a customer whose date of birth is not sealed', async () => {
    const fields = await invalidFields(
      save(db.models.customers, customerData({ dateOfBirthEncrypted: '1990-01-01' })),
    );
    assert.deepEqual(fields, ['dateOfBirthEncrypted']);
  });

  it('names every missing required field', async () => {
    assert.deepEqual(await invalidFields(save(db.models.customers, {})), [
      'dateOfBirthEncrypted',
      'dobHash',
      'firstName',
      'lastName',
      'phone',
    ]);
    assert.deepEqual(await invalidFields(save(db.models.claims, {})), [
      'amountClaimed',
      'customer',
      'description',
      'incidentDate',
      'number',
      'policy',
      'type',
    ]);
  });

  it('rejects an unknown claim status, a malformed claim number and a negative amount', async () => {
    const fields = await invalidFields(
      save(
        db.models.claims,
        claimData({
          status: 'approved_maybe',
          number: 'CLAIM-1',
          amountClaimed: Types.Decimal128.fromString('-5'),
        }),
      ),
    );
    assert.deepEqual(fields, ['amountClaimed', 'number', 'status']);
  });

  it('rejects a bad policy status, number, frequency and an end before the start', async () => {
    const fields = await invalidFields(
      save(
        db.models.policies,
        policyData({
          number: 'AUTO-1',
          status: 'paused',
          premium: { amount: Types.Decimal128.fromString('10'), currency: 'usd', frequency: 'weekly' },
          endDate: new Date('2025-01-01'),
        }),
      ),
    );
    assert.deepEqual(fields, ['endDate', 'number', 'premium.currency', 'premium.frequency', 'status']);
  });

  it('keeps Decimal128 amounts exact', async () => {
    await save(db.models.policies, policyData());
    const stored = await db.models.policies.collection.findOne({ number: 'AUT-123456' });
    assert.ok(stored?.premium.amount instanceof Types.Decimal128);
    assert.equal(stored.premium.amount.toString(), '99.90');
  });

  it('rejects duplicate benefit codes in a policy type and unknown lines of business', async () => {
    const benefit = { code: 'ROADSIDE', name: 'Roadside', description: 'Tow', requiresApproval: false };
    const fields = await invalidFields(
      save(db.models.policyTypes, {
        code: 'x-boat',
        name: 'Boat cover',
        lineOfBusiness: 'boat',
        benefits: [benefit, benefit],
      }),
    );
    assert.deepEqual(fields, ['benefits', 'lineOfBusiness']);
  });

  it('rejects a bad officer role and Slack id, and a reminder without a subject', async () => {
    assert.deepEqual(
      await invalidFields(
        save(db.models.officers, {
          slackUserId: 'alice',
          name: 'Alice',
          role: 'boss',
          approvalLimit: Types.Decimal128.fromString('100'),
        }),
      ),
      ['role', 'slackUserId'],
    );
    assert.deepEqual(
      await invalidFields(
        save(db.models.reminders, {
          customer: new Types.ObjectId(),
          kind: 'premium_due',
          dueAt: new Date(),
        }),
      ),
      ['policy'],
    );
  });

  it('rejects audit events without actor or record, and consent records with a bad action', async () => {
    assert.deepEqual(await invalidFields(save(db.models.auditEvents, { action: 'claim.transition' })), [
      'actor',
      'record',
    ]);
    assert.deepEqual(
      await invalidFields(
        save(db.models.consentRecords, { phone: '+15555550123', action: 'maybe', source: 'web' }),
      ),
      ['action'],
    );
  });
});

describe('unique numbers and keys', () => {
  async function assertDuplicate(write: Promise<unknown>, field: string) {
    await assert.rejects(write, (error: unknown) => {
      assert.equal((error as { code?: number }).code, 11000);
      assert.ok(field in ((error as { keyPattern?: object }).keyPattern ?? {}), `duplicate on ${field}`);
      return true;
    });
  }

  it('refuses a second policy with the same number', async () => {
    await save(db.models.policies, policyData());
    await assertDuplicate(save(db.models.policies, policyData({ holder: new Types.ObjectId() })), 'number');
    assert.equal(await db.models.policies.countDocuments({}), 1);
  });

  it('refuses duplicate claim numbers, customer phones, officer Slack ids and idempotency keys', async () => {
    await save(db.models.claims, claimData());
    await assertDuplicate(save(db.models.claims, claimData()), 'number');

    await save(db.models.customers, customerData());
    await assertDuplicate(save(db.models.customers, customerData({ firstName: 'Other' })), 'phone');

    const officer = {
      slackUserId: 'U123ABC',
      name: 'Avery',
      approvalLimit: Types.Decimal128.fromString('10'),
    };
    await save(db.models.officers, officer);
    await assertDuplicate(save(db.models.officers, officer), 'slackUserId');

    const notification = {
      recipient: new Types.ObjectId(),
      route: 'sms',
      template: 'claim.decision',
      idempotencyKey: 'claim:CLM-000001:approved',
    };
    await save(db.models.notifications, notification);
    await assertDuplicate(save(db.models.notifications, notification), 'idempotencyKey');
  });

  it('allows one conversation link per customer, channel and conversation', async () => {
    const link = {
      customer: new Types.ObjectId(),
      channel: 'directline',
      conversationId: 'abc',
      reference: { conversation: { id: 'abc' }, channelId: 'directline' },
    };
    await save(db.models.conversationLinks, link);
    await save(db.models.conversationLinks, { ...link, conversationId: 'def' });
    await assertDuplicate(save(db.models.conversationLinks, link), 'customer');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { demoCustomer, demoOfficers, seedDemoData } from '../../src/db/seed.js';
import { claimStatuses, linesOfBusiness } from '../../src/db/models/index.js';
import { createDomainServices } from '../../src/domain/index.js';
import { startTestDatabase, type TestDatabase } from '../support/db.js';

const now = new Date('2026-03-01T09:00:00Z');
let db: TestDatabase;
const saved: { name: string; data: Buffer; declaredType: string }[] = [];
let first: Awaited<ReturnType<typeof seedDemoData>>;

before(async () => {
  db = await startTestDatabase();
  first = await seedDemoData(db.models, db.cipher, {
    now,
    saveDocument: async (file) => {
      saved.push(file);
      return { id: `file-${saved.length}` };
    },
  });
});
after(async () => {
  await db.stop();
});

describe('demo data', () => {
  it('seeds an empty database with the documented shape', async () => {
    assert.equal(first.seeded, true);
    assert.equal(await db.models.insurers.countDocuments({}), 3);
    // One plan of each line, and two plans policies upgrade to (Auto Premier, Health Choice Plus).
    assert.equal(await db.models.policyTypes.countDocuments({}), 8);
    assert.equal(await db.models.customers.countDocuments({}), 20);
    assert.equal(await db.models.officers.countDocuments({}), 3);
    const insurers = await db.models.insurers.find().sort({ name: 1 }).lean();
    assert.deepEqual(
      insurers.map((insurer) => insurer.name),
      ['Contoso Insurance', 'Fabrikam Health', 'Northwind Mutual'],
    );
    const lines = (await db.models.policyTypes.find().lean()).map((type) => type.lineOfBusiness);
    assert.deepEqual([...new Set(lines)].sort(), [...linesOfBusiness].sort());
    for (const type of await db.models.policyTypes.find().lean()) {
      assert.ok(type.benefits.length >= 2, `${type.code} has a benefit catalogue`);
      assert.ok(type.coverages.length >= 1);
    }
  });

  it('includes Jordan Rivera exactly as documented', async () => {
    const services = createDomainServices(db.models, db.cipher, { now: () => now });
    const verification = await services.customers.verifyIdentity({
      phone: demoCustomer.phone,
      dateOfBirth: '1988-04-12',
    });
    assert.ok(verification.verified);
    const profile = await services.customers.getProfile(verification.customer.id);
    assert.equal(`${profile.firstName} ${profile.lastName}`, 'Jordan Rivera');
    assert.equal(profile.email, 'jordan.rivera@example.com');
    const groups = await services.policies.listForCustomer(profile.id);
    const held = Object.fromEntries(
      groups.flatMap((group) => group.policies.map((policy) => [policy.number, group.insurer.name])),
    );
    assert.deepEqual(held, {
      'AUT-100200': 'Northwind Mutual',
      'HOM-300400': 'Contoso Insurance',
      'HLT-500600': 'Fabrikam Health',
    });
    const claim = await services.claims.getForCustomer(profile.id, 'CLM-000123');
    assert.equal(claim.policyNumber, 'AUT-100200');
    assert.equal(claim.status, 'in_review');
    assert.deepEqual(
      claim.statusHistory.map((change) => change.to),
      ['submitted', 'in_review'],
    );
  });

  it('has realistic policies: dependents, future due dates, documents and every claim state', async () => {
    const policies = await db.models.policies.find().lean();
    assert.ok(policies.length >= 30);
    assert.ok(policies.some((policy) => policy.dependents.length >= 2));
    const active = policies.filter((policy) => policy.status === 'active');
    assert.ok(active.length >= policies.length - 6);
    assert.ok(active.every((policy) => policy.nextDueDate && policy.nextDueDate > now));
    assert.ok(active.some((policy) => policy.nextDueDate!.getTime() - now.getTime() < 7 * 86_400_000));
    assert.ok(policies.every((policy) => policy.documents.length === 1));
    assert.equal(saved.length, policies.length);
    assert.ok(saved.every((file) => file.data.subarray(0, 5).toString() === '%PDF-'));

    const states = new Set((await db.models.claims.find().lean()).map((claim) => claim.status));
    assert.deepEqual([...states].sort(), [...claimStatuses].sort());
    for (const claim of await db.models.claims.find().lean()) {
      assert.equal(
        claim.statusHistory.at(-1)?.to,
        claim.status,
        `${claim.number} history ends in its status`,
      );
    }
    const officers = await db.models.officers.find().lean();
    assert.deepEqual(officers.map((officer) => officer.role).sort(), [
      'admin',
      'claims_officer',
      'supervisor',
    ]);
    assert.deepEqual(
      officers.map((officer) => officer.slackUserId).sort(),
      demoOfficers.map((officer) => officer.slackUserId).sort(),
    );
  });

  it('is deterministic: the same content on every run', async () => {
    const other = await startTestDatabase();
    try {
      await seedDemoData(other.models, other.cipher, { now });
      const shape = async (target: TestDatabase) =>
        (await target.models.policies.find().sort({ number: 1 }).lean()).map((policy) => [
          policy.number,
          policy.premium.amount.toString(),
          policy.status,
          policy.nextDueDate?.toISOString(),
        ]);
      assert.deepEqual(await shape(other), await shape(db));
    } finally {
      await other.stop();
    }
  });

  it('does not run twice', async () => {
    const counts = await db.models.claims.countDocuments({});
    const again = await seedDemoData(db.models, db.cipher, { now });
    assert.deepEqual(again, { seeded: false, counts: {} });
    assert.equal(await db.models.claims.countDocuments({}), counts);
    assert.equal(await db.models.customers.countDocuments({}), 20);
  });

  it('leaves the claim counter past the demo numbers', async () => {
    const counter = await db.models.counters.findById('claim').lean();
    assert.ok(counter && counter.seq >= 123);
  });
});

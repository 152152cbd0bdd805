import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isDomainError } from '../../src/domain/index.js';
import { startSeededDomain, type SeededDomain } from './fixtures.js';

let env: SeededDomain;
before(async () => {
  env = await startSeededDomain();
});
after(async () => {
  await env.db.stop();
});

describe('policy lookup', () => {
  it("lists a customer's policies grouped by insurer", async () => {
    const groups = await env.services.policies.listForCustomer(env.jordan.id);
    assert.deepEqual(
      groups.map((group) => [group.insurer.name, group.policies.map((policy) => policy.number)]),
      [
        ['Contoso Insurance', ['HOM-300400']],
        ['Fabrikam Health', ['HLT-500600']],
        ['Northwind Mutual', ['AUT-100200']],
      ],
    );
    const auto = groups[2]!.policies[0]!;
    assert.equal(auto.lineOfBusiness, 'auto');
    assert.equal(auto.status, 'active');
    assert.deepEqual(auto.premium, { amount: 142.5, currency: 'USD', frequency: 'monthly' });
    assert.ok(auto.nextDueDate && auto.nextDueDate > new Date('2026-06-15'));
  });

  it('sees an insurer added after the first lookup (reference data is cached, not frozen)', async () => {
    await env.services.policies.listForCustomer(env.jordan.id);
    const { insurers, policyTypes, policies } = env.db.models;
    const template = await policies.findOne({ number: 'AUT-100200' }).lean();
    assert.ok(template);
    const insurer = await insurers.create({
      code: 'tailspin',
      name: 'Tailspin Assurance',
      claimsPhone: '+15555550999',
    });
    await policies.create({
      ...template,
      _id: undefined,
      number: 'AUT-999001',
      insurer: insurer._id,
      policyType: (await policyTypes.findOne({ _id: template.policyType }).lean())!._id,
    });
    const groups = await env.services.policies.listForCustomer(env.jordan.id);
    assert.deepEqual(
      groups
        .find((group) => group.insurer.name === 'Tailspin Assurance')
        ?.policies.map((policy) => policy.number),
      ['AUT-999001'],
    );
    await policies.deleteOne({ number: 'AUT-999001' });
  });

  it('returns one policy with coverages, dependents and plain values', async () => {
    const policy = await env.services.policies.getForCustomer(env.jordan.id, 'hlt-500600');
    assert.equal(policy.number, 'HLT-500600');
    assert.equal(policy.insurer.name, 'Fabrikam Health');
    assert.equal(policy.policyType.code, 'health-choice');
    assert.equal(policy.holderId, env.jordan.id);
    assert.ok(policy.coverages.length > 0);
    for (const coverage of policy.coverages) {
      assert.equal(typeof coverage.limit, 'number');
      assert.equal(typeof coverage.deductible, 'number');
    }
    assert.deepEqual(
      policy.dependents.map((dependent) => dependent.relationship),
      ['spouse', 'child'],
    );
    assert.deepEqual(policy.dependents[0], {
      name: 'Casey Rivera',
      relationship: 'spouse',
      dateOfBirth: '1989-09-21',
    });
  });

  it("keeps dependents' dates of birth sealed at rest", async () => {
    const raw = await env.db.models.policies.collection.findOne({ number: 'HLT-500600' });
    const text = JSON.stringify(raw?.dependents);
    assert.ok(text.includes('Casey Rivera'));
    assert.ok(!text.includes('1989') && !text.includes('2018'));
    assert.match(String(raw?.dependents[0].dateOfBirthEncrypted), /^v1:/);
  });

  it("does not reveal another customer's policy: it is simply not found", async () => {
    const theirs = await env.services.policies.listForCustomer(env.other.id);
    const theirNumber = theirs[0]!.policies[0]!.number;
    await assert.rejects(env.services.policies.getForCustomer(env.jordan.id, theirNumber), (error) => {
      assert.ok(isDomainError(error, 'not_found'));
      assert.equal(error.message, 'policy not found');
      return true;
    });
    await assert.rejects(env.services.policies.getForCustomer(env.other.id, 'AUT-100200'), (error) =>
      isDomainError(error, 'not_found'),
    );
    assert.equal((await env.services.policies.getForCustomer(env.other.id, theirNumber)).number, theirNumber);
  });

  it('finds any policy by number for officers', async () => {
    const policy = await env.services.policies.getByNumber('AUT-100200');
    assert.equal(policy.holderId, env.jordan.id);
    await assert.rejects(env.services.policies.getByNumber('AUT-000000'), (error) =>
      isDomainError(error, 'not_found'),
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { demoCustomer } from '../../src/db/seed.js';
import { isDomainError } from '../../src/domain/index.js';
import { avery, fixedNow, startSeededDomain, type SeededDomain } from './fixtures.js';

let env: SeededDomain;
before(async () => {
  env = await startSeededDomain();
});
after(async () => {
  await env.db.stop();
});

describe('benefit catalogue', () => {
  it("lists the benefits of the customer's own policy only", async () => {
    const catalogue = await env.services.benefits.catalogueForPolicy(
      env.jordan.id,
      demoCustomer.policies.auto,
    );
    assert.equal(catalogue.policyTypeName, 'Auto Standard');
    assert.deepEqual(
      catalogue.benefits.map((benefit) => [benefit.code, benefit.requiresApproval]),
      [
        ['ROADSIDE', false],
        ['RENTAL_CAR', true],
        ['GLASS_REPAIR', false],
      ],
    );
    await assert.rejects(
      env.services.benefits.catalogueForPolicy(env.other.id, demoCustomer.policies.auto),
      (error) => isDomainError(error, 'not_found'),
    );
  });
});

describe('benefit requests', () => {
  it('approves a benefit that needs no approval at once, as the system, with audit entries', async () => {
    const request = await env.services.benefits.request(
      {
        customerId: env.jordan.id,
        policyNumber: 'aut-100200',
        benefitCode: 'roadside',
        details: 'Flat tyre',
      },
      env.jordanActor,
    );
    assert.match(request.number, /^BEN-\d{6}$/);
    assert.equal(request.status, 'approved');
    assert.equal(request.benefitName, 'Roadside assistance');
    assert.deepEqual(
      request.decisions.map((decision) => [decision.from, decision.to, decision.actor.type]),
      [
        [undefined, 'requested', 'customer'],
        ['requested', 'approved', 'system'],
      ],
    );
    const audit = await env.services.audit.listForRecord('benefitrequests', request.id);
    assert.deepEqual(
      audit.map((entry) => [entry.action, entry.actor.type]),
      [
        ['benefit.request', 'customer'],
        ['benefit.transition', 'system'],
      ],
    );
  });

  it('waits for an officer when approval is needed, then records the decision and fulfilment', async () => {
    const request = await env.services.benefits.request(
      { customerId: env.jordan.id, policyNumber: 'AUT-100200', benefitCode: 'RENTAL_CAR' },
      env.jordanActor,
    );
    assert.equal(request.status, 'requested');
    await assert.rejects(env.services.benefits.decide(request.number, 'approved', env.jordanActor), (error) =>
      isDomainError(error, 'forbidden'),
    );
    await assert.rejects(env.services.benefits.decide(request.number, 'denied', avery), (error) =>
      isDomainError(error, 'validation'),
    );
    const approved = await env.services.benefits.decide(
      request.number,
      'approved',
      avery,
      'covered claim open',
    );
    assert.equal(approved.status, 'approved');
    const fulfilled = await env.services.benefits.fulfil(request.number, avery);
    assert.equal(fulfilled.status, 'fulfilled');
    assert.deepEqual(fulfilled.decisions.at(-1), {
      from: 'approved',
      to: 'fulfilled',
      actor: { type: 'officer', id: avery.id },
      at: fixedNow,
    });
    const audit = await env.services.audit.listForRecord('benefitrequests', request.id);
    assert.deepEqual(
      audit.map((entry) => entry.details.to ?? entry.action),
      ['benefit.request', 'approved', 'fulfilled'],
    );
    const listed = await env.services.benefits.listForCustomer(env.jordan.id);
    assert.ok(listed.some((entry) => entry.number === request.number && entry.status === 'fulfilled'));
  });

  it('refuses to decide a request twice and writes nothing', async () => {
    const request = await env.services.benefits.request(
      { customerId: env.jordan.id, policyNumber: 'HOM-300400', benefitCode: 'EMERGENCY_REPAIR' },
      env.jordanActor,
    );
    await env.services.benefits.decide(request.number, 'denied', avery, 'no covered damage reported');
    const before = await env.db.models.auditEvents.countDocuments({});
    await assert.rejects(env.services.benefits.decide(request.number, 'approved', avery), (error) => {
      assert.ok(isDomainError(error, 'invalid_transition'));
      assert.match(error.message, /from denied to approved/);
      return true;
    });
    assert.equal(await env.db.models.auditEvents.countDocuments({}), before);
    assert.equal((await env.services.benefits.getByNumber(request.number)).status, 'denied');
  });

  it('refuses unknown benefits and other customers', async () => {
    await assert.rejects(
      env.services.benefits.request(
        { customerId: env.jordan.id, policyNumber: 'AUT-100200', benefitCode: 'TELEHEALTH' },
        env.jordanActor,
      ),
      (error) => isDomainError(error, 'not_found'),
    );
    await assert.rejects(
      env.services.benefits.request(
        { customerId: env.other.id, policyNumber: 'AUT-100200', benefitCode: 'ROADSIDE' },
        env.jordanActor,
      ),
      (error) => isDomainError(error, 'forbidden'),
    );
  });
});

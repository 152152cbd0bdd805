/**
 * Service requests in the officers' Slack on the stand-in: a request that needs an officer posts a card
 * naming the rule that did not pass; Approve, Deny and Request info decide through the request service,
 * the card follows in place, and the customer is told. A dependent shows by age, never by date of birth.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../../src/app.js';
import { startDemoApp, type RunningApp } from '../../support/app.js';
import {
  avery,
  buttonsOf,
  cardOf,
  ephemeralsOf,
  eventually,
  modalOf,
  morgan,
  press,
  sandboxOf,
  submit,
} from './support.js';

async function jordan(app: App) {
  const customer = await app.domain.customers.findByPolicyNumber('AUT-100200');
  assert.ok(customer);
  return { id: customer.id, actor: { type: 'customer' as const, id: customer.id, channel: 'directline' } };
}

function notice(app: App, number: string, status: string) {
  return eventually(() =>
    app.database.connection
      .collection('notifications')
      .findOne({ template: 'request.status', 'payload.number': number, 'payload.status': status })
      .then((row) => row ?? undefined),
  );
}

describe('service request cards in the approvals channel', () => {
  let running: RunningApp;

  before(async () => {
    running = await startDemoApp();
  });
  after(async () => {
    await running.stop();
  });

  test('a benefit for an officer: the card, the modal, the approval, the customer told', async () => {
    const { app } = running;
    const sandbox = sandboxOf(app);
    const customer = await jordan(app);
    const request = await app.domain.requests.requestBenefit(
      {
        customerId: customer.id,
        policyNumber: 'HOM-300400',
        benefitCode: 'EMERGENCY_REPAIR',
        location: '5 Oak Lane, Austin',
        details: 'Roof leak <after> the storm',
      },
      customer.actor,
    );
    const card = await cardOf(sandbox, request.number);
    const text = JSON.stringify(card.blocks);
    assert.match(text, /Jordan Rivera/);
    assert.match(text, /HOM-300400 · Contoso Insurance · Home Plus/);
    assert.match(text, /Roof leak &lt;after&gt; the storm/);
    assert.match(text, /❌ Emergency repair service is always decided by an officer/);
    assert.deepEqual(
      buttonsOf(card).map((button) => button.action_id),
      ['request_approve', 'request_deny', 'request_request_info'],
    );
    await press(sandbox, avery, card, 'request_approve');
    const modal = await modalOf(sandbox, avery);
    assert.equal(modal.view.callback_id, 'request_approve_modal');
    const done = await submit(sandbox, avery, { note: 'A roofer will call you within the hour.' });
    assert.equal(done.errors, undefined);
    const updated = await cardOf(sandbox, request.number, (message) => /Approved/.test(message.text));
    assert.equal(updated.ts, card.ts, 'the same message, updated');
    assert.deepEqual(buttonsOf(updated), []);
    assert.match(JSON.stringify(updated.blocks), /Approved by Avery Chen/);
    const row = await notice(app, request.number, 'approved');
    assert.equal(row.payload.reason, 'A roofer will call you within the hour.');
    assert.match(ephemeralsOf(sandbox, avery).join('\n'), new RegExp(`You approved ${request.number}`));
  });

  test('a dependent shows only by age; a denial needs a reason and changes no policy', async () => {
    const { app } = running;
    const sandbox = sandboxOf(app);
    const customer = await jordan(app);
    const request = await app.domain.requests.requestDependentChange(
      {
        customerId: customer.id,
        policyNumber: 'HLT-500600',
        action: 'add',
        name: 'Robin Rivera',
        relationship: 'child',
        dateOfBirth: '2012-11-30',
      },
      customer.actor,
    );
    assert.match(request.number, /^DEP-\d{6}$/);
    const card = await cardOf(sandbox, request.number);
    const text = JSON.stringify(card.blocks);
    assert.match(text, /Robin Rivera, child, age \d+/);
    assert.doesNotMatch(
      JSON.stringify(sandbox.workspace.channels.get(sandbox.approvalsChannel)),
      /2012-11-30|11\/30\/2012/,
    );
    await press(sandbox, avery, card, 'request_deny');
    const missing = await submit(sandbox, avery, { reason: ' ' });
    assert.deepEqual(Object.keys(missing.errors ?? {}), ['reason']);
    await submit(sandbox, avery, { reason: 'We need the birth certificate first.' });
    await cardOf(sandbox, request.number, (message) => /Denied/.test(message.text));
    await notice(app, request.number, 'denied');
    const policy = await app.domain.policies.getByNumber('HLT-500600');
    assert.ok(!policy.dependents.some((entry) => entry.name === 'Robin Rivera'));
  });

  test('an upgrade is approved only with the new premium, which the policy then carries', async () => {
    const { app } = running;
    const sandbox = sandboxOf(app);
    const customer = await jordan(app);
    const request = await app.domain.requests.requestUpgrade(
      { customerId: customer.id, policyNumber: 'AUT-100200', planCode: 'auto-premier' },
      customer.actor,
    );
    const card = await cardOf(sandbox, request.number);
    assert.match(JSON.stringify(card.blocks), /\*To\*: Auto Premier/);
    await press(sandbox, morgan, card, 'request_approve');
    const none = await submit(sandbox, morgan, { premium: '', note: '' });
    assert.deepEqual(Object.keys(none.errors ?? {}), ['premium']);
    await submit(sandbox, morgan, { premium: '$189.90', note: '' });
    await cardOf(sandbox, request.number, (message) => /Approved/.test(message.text));
    const policy = await app.domain.policies.getByNumber('AUT-100200');
    assert.equal(policy.policyType.name, 'Auto Premier');
    assert.equal(policy.premium.amount, 189.9);
    const row = await notice(app, request.number, 'approved');
    assert.match(String(row.payload.reason), /New premium \$189\.90 a month/);
  });

  test('request info goes to the customer, and a decision on the card as it was is refused', async () => {
    const { app } = running;
    const sandbox = sandboxOf(app);
    const customer = await jordan(app);
    const request = await app.domain.requests.requestRenewal(
      { customerId: customer.id, policyNumber: 'HOM-300400', sameTerms: false, changes: 'Add a home office' },
      customer.actor,
    );
    const card = structuredClone(await cardOf(sandbox, request.number));
    await press(sandbox, avery, card, 'request_request_info');
    await submit(sandbox, avery, { message: 'How much equipment is in the office?' });
    await cardOf(sandbox, request.number, (message) => /Waiting for the customer/.test(message.text));
    const row = await notice(app, request.number, 'info_requested');
    assert.equal(row.payload.reason, 'How much equipment is in the office?');
    await press(sandbox, morgan, card, 'request_approve');
    await eventually(() =>
      ephemeralsOf(sandbox, morgan).some((text) =>
        text.includes(`${request.number} was already sent to the customer for information by Avery Chen`),
      ),
    );
    await app.domain.requests.answerInfoRequest(customer.id, request.number, 'About $4,000', customer.actor);
    const back = await cardOf(sandbox, request.number, (message) =>
      /Waiting for a decision/.test(message.text),
    );
    assert.match(JSON.stringify(back.blocks), /Customer's answer\*\\nAbout \$4,000/);
  });

  test("/insuralink request posts the card of a request that has none, e.g. the demo data's", async () => {
    const { app } = running;
    const sandbox = sandboxOf(app);
    const seeded = await app.database.connection
      .collection('benefitrequests')
      .findOne({ status: 'requested', slackCard: { $exists: false } });
    assert.ok(seeded, 'the demo data has a request waiting for an officer');
    const number = String(seeded.number);
    const bad = await sandbox.interactions.run({
      type: 'command',
      user: avery,
      channel: sandbox.approvalsChannel,
      text: '/insuralink request CLM-000123',
    });
    assert.equal(bad.status, 200);
    await eventually(() =>
      ephemeralsOf(sandbox, avery).some((text) => text.includes('Give a request number')),
    );
    await sandbox.interactions.run({
      type: 'command',
      user: avery,
      channel: sandbox.approvalsChannel,
      text: `/insuralink request ${number.toLowerCase()}`,
    });
    const card = await cardOf(sandbox, number);
    assert.deepEqual(
      buttonsOf(card).map((button) => button.action_id),
      ['request_approve', 'request_deny', 'request_request_info'],
    );
  });
});

/**
 * The officers' Slack app end to end on the stand-in: a claim reaching review posts its card, the
 * buttons and modals decide through the claim service, the card follows in place, and the customer is
 * told through the outbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDemoApp, type RunningApp } from '../../support/app.js';
import {
  avery,
  buttonsOf,
  cardOf,
  claimInReview,
  ephemeralsOf,
  eventually,
  guest,
  modalOf,
  morgan,
  press,
  sam,
  sandboxOf,
  submit,
} from './support.js';

describe('claim cards in the approvals channel', () => {
  let running: RunningApp;

  before(async () => {
    running = await startDemoApp();
  });
  after(async () => {
    await running.stop();
  });

  test('a claim that reaches review gets a card with its details and the four buttons', async () => {
    const sandbox = sandboxOf(running.app);
    const number = await claimInReview(running.app, 1200);
    const card = await cardOf(sandbox, number);
    const text = JSON.stringify(card.blocks);
    assert.match(text, /Jordan Rivera/);
    assert.match(text, /AUT-100200/);
    assert.match(text, /\$1,200\.00/);
    assert.match(text, /Main St &amp; 3rd Ave/);
    assert.deepEqual(
      buttonsOf(card).map((button) => button.action_id),
      ['claim_assign', 'claim_approve', 'claim_deny', 'claim_request_info'],
    );
    const recorded = await eventually(() =>
      running.app.database.connection
        .collection('claims')
        .findOne({ number, slackCard: { $exists: true } })
        .then((claim) => claim?.slackCard?.ts as string | undefined),
    );
    assert.equal(recorded, card.ts);
  });

  test('approve: the modal, the decision, the card updated in place, the customer notified', async () => {
    const sandbox = sandboxOf(running.app);
    const number = await claimInReview(running.app, 800);
    const card = await cardOf(sandbox, number);
    const clicked = await press(sandbox, avery, card, 'claim_approve');
    assert.equal(clicked.status, 200);
    const modal = await modalOf(sandbox, avery);
    assert.equal(modal.view.callback_id, 'claim_approve_modal');

    const invalid = await submit(sandbox, avery, { amount: 'lots', note: '' });
    assert.deepEqual(Object.keys(invalid.errors ?? {}), ['amount']);
    const tooMuch = await submit(sandbox, avery, { amount: '900', note: '' });
    assert.match(tooMuch.errors?.amount ?? '', /more than the amount claimed/);

    const done = await submit(sandbox, avery, { amount: '750.00', note: 'Thanks for your patience.' });
    assert.equal(done.status, 200);
    assert.equal(done.errors, undefined);
    const updated = await cardOf(sandbox, number, (message) => /Approved/.test(message.text));
    assert.equal(updated.ts, card.ts, 'the same message, updated');
    assert.deepEqual(buttonsOf(updated), [], 'no buttons once decided');
    assert.match(JSON.stringify(updated.blocks), /Approved by Avery Chen/);

    const claim = await running.app.domain.claims.getByNumber(number);
    assert.equal(claim.status, 'approved');
    const notice = await eventually(() =>
      running.app.database.connection
        .collection('notifications')
        .findOne({ template: 'claim.status', 'payload.number': number, 'payload.status': 'approved' })
        .then((row) => row ?? undefined),
    );
    assert.equal(notice.route, 'conversation');
    assert.match(ephemeralsOf(sandbox, avery).join('\n'), new RegExp(`You approved ${number}`));
  });

  test('first click wins: a second decision on the old card is refused, naming who decided', async () => {
    const sandbox = sandboxOf(running.app);
    const number = await claimInReview(running.app, 300);
    // A copy: the stand-in updates its message in place, and this is the card as first shown.
    const card = structuredClone(await cardOf(sandbox, number));
    await press(sandbox, avery, card, 'claim_approve');
    await press(sandbox, morgan, card, 'claim_deny');
    await modalOf(sandbox, avery);
    await modalOf(sandbox, morgan);
    await submit(sandbox, avery, { amount: '300', note: '' });
    // The decision is applied after the ack: the second submission comes once it has been.
    await eventually(async () => (await running.app.domain.claims.getByNumber(number)).status === 'approved');
    await submit(sandbox, morgan, { reason: 'not_covered', details: 'Not covered.' });
    await eventually(() =>
      ephemeralsOf(sandbox, morgan).some((text) =>
        text.includes(`${number} was already approved by Avery Chen`),
      ),
    );
    assert.equal((await running.app.domain.claims.getByNumber(number)).status, 'approved');
    // And a click on the stale card's buttons says the same.
    await press(sandbox, morgan, card, 'claim_request_info');
    await eventually(
      () =>
        ephemeralsOf(sandbox, morgan).filter((text) => text.includes('already approved by Avery Chen'))
          .length === 2,
    );
  });

  test('deny needs a reason from the list and an explanation', async () => {
    const sandbox = sandboxOf(running.app);
    const number = await claimInReview(running.app, 400);
    const card = await cardOf(sandbox, number);
    await press(sandbox, avery, card, 'claim_deny');
    const missing = await submit(sandbox, avery, { reason: '', details: '' });
    assert.deepEqual(Object.keys(missing.errors ?? {}).sort(), ['details', 'reason']);
    await submit(sandbox, avery, { reason: 'excluded', details: 'Racing is excluded.' });
    await cardOf(sandbox, number, (message) => /Denied/.test(message.text));
    const claim = await running.app.domain.claims.getByNumber(number);
    assert.equal(claim.status, 'denied');
    assert.match(
      claim.statusHistory.at(-1)?.reason ?? '',
      /exclusion of the policy applies: Racing is excluded/,
    );
  });

  test('request info sends the message to the customer', async () => {
    const sandbox = sandboxOf(running.app);
    const number = await claimInReview(running.app, 400);
    const card = await cardOf(sandbox, number);
    await press(sandbox, avery, card, 'claim_request_info');
    const empty = await submit(sandbox, avery, { message: '  ' });
    assert.deepEqual(Object.keys(empty.errors ?? {}), ['message']);
    await submit(sandbox, avery, { message: 'Please send the police report.' });
    await cardOf(sandbox, number, (message) => /Waiting for the customer/.test(message.text));
    const notice = await eventually(() =>
      running.app.database.connection
        .collection('notifications')
        .findOne({ template: 'claim.status', 'payload.number': number, 'payload.status': 'info_requested' })
        .then((row) => row ?? undefined),
    );
    assert.equal(notice.payload.reason, 'Please send the police report.');
  });

  test('assign to me puts the officer on the card and takes the button away', async () => {
    const sandbox = sandboxOf(running.app);
    const number = await claimInReview(running.app, 100);
    const card = await cardOf(sandbox, number);
    await press(sandbox, morgan, card, 'claim_assign');
    const updated = await cardOf(sandbox, number, (message) =>
      JSON.stringify(message.blocks).includes('Morgan Patel'),
    );
    assert.ok(!buttonsOf(updated).some((button) => button.action_id === 'claim_assign'));
    assert.equal((await running.app.domain.claims.getByNumber(number)).assignee?.name, 'Morgan Patel');
  });

  test('four-eyes: above the limit the card asks a supervisor, and the same officer cannot confirm', async () => {
    const sandbox = sandboxOf(running.app);
    const number = await claimInReview(running.app, 20_000);
    const card = await cardOf(sandbox, number);
    await press(sandbox, avery, card, 'claim_approve');
    await submit(sandbox, avery, { amount: '20000', note: '' });
    const waiting = await cardOf(sandbox, number, (message) =>
      JSON.stringify(message.blocks).includes('a supervisor must confirm'),
    );
    assert.equal((await running.app.domain.claims.getByNumber(number)).status, 'in_review');
    assert.ok(buttonsOf(waiting).some((button) => button.action_id === 'claim_approve'));
    await eventually(() =>
      ephemeralsOf(sandbox, avery).some((text) => text.includes('above your approval limit')),
    );

    await press(sandbox, avery, waiting, 'claim_approve');
    await submit(sandbox, avery, { amount: '20000', note: '' });
    await eventually(() =>
      ephemeralsOf(sandbox, avery).some((text) => text.includes('needs a second, different officer')),
    );
    assert.equal((await running.app.domain.claims.getByNumber(number)).status, 'in_review');

    await press(sandbox, morgan, waiting, 'claim_approve');
    await submit(sandbox, morgan, { amount: '20000', note: '' });
    await cardOf(sandbox, number, (message) => /Approved/.test(message.text));
    assert.equal((await running.app.domain.claims.getByNumber(number)).status, 'approved');
    void sam;
  });

  test('a Slack user who is not an active officer is refused and nothing happens', async () => {
    const sandbox = sandboxOf(running.app);
    const number = await claimInReview(running.app, 100);
    const card = await cardOf(sandbox, number);
    await press(sandbox, guest, card, 'claim_assign');
    await eventually(() =>
      ephemeralsOf(sandbox, guest).some((text) => text.includes('Only active InsuraLink claims officers')),
    );
    assert.equal((await running.app.domain.claims.getByNumber(number)).assignee, undefined);
    const command = await sandbox.interactions.run({
      type: 'command',
      user: guest,
      channel: sandbox.approvalsChannel,
      text: '/insuralink queue',
    });
    assert.match(command.text ?? '', /Only active InsuraLink claims officers/);
  });

  test("the customer's messages go into the card's thread; /insuralink reply goes to the customer", async () => {
    const sandbox = sandboxOf(running.app);
    const number = await claimInReview(running.app, 100);
    const card = await cardOf(sandbox, number);
    await eventually(() =>
      running.app.database.connection
        .collection('claims')
        .findOne({ number, slackCard: { $exists: true } })
        .then((row) => row ?? undefined),
    );
    const claim = await running.app.domain.claims.getByNumber(number);
    await running.app.domain.claims.addMessage(number, 'The tow truck receipt is attached.', {
      type: 'customer',
      id: claim.customerId,
    });
    await eventually(() =>
      card.replies.find((reply) => reply.text.includes('The tow truck receipt is attached.')),
    );
    assert.match(card.replies[0]!.text, /Jordan Rivera \(customer\)/);

    await sandbox.interactions.run({
      type: 'command',
      user: avery,
      channel: sandbox.approvalsChannel,
      text: `/insuralink reply ${number} Thanks, we have it.`,
    });
    const notice = await eventually(() =>
      running.app.database.connection
        .collection('notifications')
        .findOne({ template: 'claim.message', 'payload.number': number })
        .then((row) => row ?? undefined),
    );
    assert.equal(notice.payload.text, 'Thanks, we have it.');
    await eventually(() => card.replies.find((reply) => /Avery Chen → customer/.test(reply.text)));
    // A plain reply in the thread stays among officers.
    await sandbox.interactions.run({
      type: 'reply',
      user: morgan,
      channel: card.channel,
      threadTs: card.ts,
      text: 'Looks fine.',
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const told = await running.app.database.connection
      .collection('notifications')
      .countDocuments({ template: 'claim.message', 'payload.number': number });
    assert.equal(told, 1);
  });
});

/**
 * Every `/insuralink` subcommand through the Slack stand-in, a claim thread's `!reply` marker (other
 * thread replies stay internal), and what App Home shows: the officer's claims, the decisions waiting
 * for their authority, and open handoffs with the time left.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDemoApp, type RunningApp } from '../../support/app.js';
import {
  avery,
  cardOf,
  claimInReview,
  ephemeralsOf,
  eventually,
  modalOf,
  morgan,
  press,
  sandboxOf,
  submit,
} from './support.js';

describe('/insuralink and App Home', () => {
  let running: RunningApp;

  before(async () => {
    running = await startDemoApp({ SUPPORT_HOURS: 'Mon-Sun 00:00-23:59' });
  });
  after(async () => {
    await running.stop();
  });

  async function command(user: string, text: string): Promise<string> {
    const sandbox = sandboxOf(running.app);
    const before = ephemeralsOf(sandbox, user).length;
    const answer = await sandbox.interactions.run({
      type: 'command',
      user,
      channel: sandbox.approvalsChannel,
      text,
    });
    assert.equal(answer.status, 200);
    return eventually(() => ephemeralsOf(sandbox, user).slice(before).at(-1));
  }

  test('help, and anything unknown, get the help text', async () => {
    const help = await command(avery, '/insuralink help');
    for (const subcommand of ['claim CLM-000123', 'reply CLM-000123', 'assign CLM-000123', 'queue', 'help']) {
      assert.ok(help.includes(subcommand), `help names ${subcommand}`);
    }
    assert.equal(await command(avery, '/insuralink frobnicate'), help);
    assert.equal(await command(avery, '/insuralink'), help);
  });

  test('claim posts the card; a malformed number is explained', async () => {
    const sandbox = sandboxOf(running.app);
    assert.match(await command(avery, '/insuralink claim CLM-000123'), /CLM-000123 is on its way/);
    await cardOf(sandbox, 'CLM-000123');
    assert.match(await command(avery, '/insuralink claim 123'), /Give a claim number/);
    assert.match(await command(avery, '/insuralink claim CLM-999999'), /claim not found/);
  });

  test('assign takes a claim; assign @officer is for supervisors; queue lists what waits', async () => {
    const number = await claimInReview(running.app, 250);
    assert.match(await command(avery, `/insuralink assign ${number}`), new RegExp(`${number} is yours`));
    assert.equal((await running.app.domain.claims.getByNumber(number)).assignee?.name, 'Avery Chen');
    assert.match(
      await command(avery, `/insuralink assign ${number} <@${morgan}|morgan.patel>`),
      /Only supervisors and admins/,
    );
    assert.match(await command(morgan, `/insuralink assign ${number} <@${avery}>`), /assigned to Avery Chen/);
    assert.match(await command(morgan, `/insuralink assign ${number} someone`), /@mention/);
    const queue = await command(avery, '/insuralink queue');
    assert.match(queue, new RegExp(`\\*${number}\\* collision, \\$250\\.00 \\(in review\\)`));
  });

  test('a thread reply starting with !reply goes to the customer; other replies stay internal', async () => {
    const sandbox = sandboxOf(running.app);
    const number = await claimInReview(running.app, 120);
    const card = await cardOf(sandbox, number);
    await eventually(() =>
      running.app.database.connection
        .collection('claims')
        .findOne({ number, slackCard: { $exists: true } })
        .then((row) => row ?? undefined),
    );
    const reply = (user: string, text: string) =>
      sandbox.interactions.run({ type: 'reply', user, channel: card.channel, threadTs: card.ts, text });
    await reply(morgan, 'Internal: check the photos first.');
    await reply(avery, '!reply Could you send the repair estimate?');
    const notice = await eventually(() =>
      running.app.database.connection
        .collection('notifications')
        .findOne({ template: 'claim.message', 'payload.number': number })
        .then((row) => row ?? undefined),
    );
    assert.equal(notice.payload.text, 'Could you send the repair estimate?');
    await eventually(() =>
      ephemeralsOf(sandbox, avery).some((text) => text.includes(`Sent to the customer of ${number}`)),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(
      await running.app.database.connection
        .collection('notifications')
        .countDocuments({ template: 'claim.message', 'payload.number': number }),
      1,
      'the internal reply was not sent',
    );
    const claim = await running.app.domain.claims.getByNumber(number);
    assert.deepEqual(
      claim.messages.map((message) => message.text),
      ['Could you send the repair estimate?'],
    );
  });

  test('App Home: the claims, the decisions waiting for the supervisor, the open handoffs with time left', async () => {
    const sandbox = sandboxOf(running.app);
    const big = await claimInReview(running.app, 12_000);
    const card = await cardOf(sandbox, big);
    await press(sandbox, avery, card, 'claim_approve');
    await modalOf(sandbox, avery);
    await submit(sandbox, avery, { amount: '12000', note: '' });
    await eventually(() =>
      ephemeralsOf(sandbox, avery).some((text) => text.includes(`${big} is above your approval limit`)),
    );
    const handoff = await running.app.domain.handoff.requestSupport({
      channel: 'directline',
      conversationId: 'home-test-conversation',
      reason: 'customer_request',
    });

    await sandbox.interactions.run({ type: 'home', user: morgan });
    const home = JSON.stringify(
      await eventually(() => {
        const view = sandbox.workspace.homes.get(morgan);
        return view && JSON.stringify(view).includes(handoff.reference) ? view : undefined;
      }),
    );
    assert.match(home, /Morgan Patel: your queue/);
    assert.match(home, /Waiting for your authority/);
    assert.match(home, new RegExp(`\\*${big}\\* · \\$12,000\\.00 · a decision to confirm`));
    assert.match(home, new RegExp(`\\*${handoff.reference}\\* · live chat · waiting · (9|10) min left`));

    // Avery's own Home has the handoff too, but no authority to confirm a decision they made.
    await sandbox.interactions.run({ type: 'home', user: avery });
    const averyHome = JSON.stringify(
      await eventually(() => {
        const view = sandbox.workspace.homes.get(avery);
        return view && JSON.stringify(view).includes(handoff.reference) ? view : undefined;
      }),
    );
    assert.doesNotMatch(averyHome, /Waiting for your authority/);
  });
});

/**
 * End to end, offline: a verified customer asks the bot to pay a premium over Direct Line, opens the
 * payment link (the Stripe stand-in's checkout page), pays, and the stand-in sends the signed webhook.
 * The payment is recorded once, the next due date moves by the billing period, the premium reminders of
 * the paid due date are cancelled, and the customer is told in the conversation through the outbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Types } from 'mongoose';
import { reminderKey } from '../../src/db/models/index.js';
import { Client } from '../channels/directline/harness.js';
import { startDemoApp, type RunningApp } from '../support/app.js';

const dayMs = 86_400_000;

describe('paying a premium from the chat', () => {
  let running: RunningApp;
  let client: Client;
  const collection = (name: string) => running.app.database.connection.collection(name);
  const policy = (number: string) =>
    collection('policies').findOne<{ _id: Types.ObjectId; holder: Types.ObjectId; nextDueDate: Date }>({
      number,
    });

  before(async () => {
    running = await startDemoApp();
    const response = await fetch(`${running.url}/api/chat/token`, { method: 'POST' });
    const { token } = (await response.json()) as { token: string };
    client = new Client(running.url, token, true);
    await client.online();
  });

  after(async () => {
    client.end();
    await running.stop();
  });

  it('goes from the link through the checkout page to the notice in the conversation', async () => {
    const auto = (await policy('AUT-100200'))!;
    const health = (await policy('HLT-500600'))!;
    const due = auto.nextDueDate;
    // The reminders the planner would have scheduled for this due date, and one for another policy.
    const reminder = (kind: string, subject: typeof auto, at: Date) => ({
      key: reminderKey(kind as 'premium_due', subject._id, at),
      customer: subject.holder,
      policy: subject._id,
      kind,
      dueAt: at,
      status: 'scheduled',
    });
    await collection('reminders').insertMany([
      reminder('premium_due', auto, new Date(due.getTime() - dayMs)),
      reminder('premium_overdue', auto, new Date(due.getTime() + dayMs)),
      reminder('renewal', auto, new Date(due.getTime() + 20 * dayMs)),
      reminder('premium_due', health, new Date(health.nextDueDate.getTime() - dayMs)),
    ]);

    const said = async (text: string) => {
      const id = await client.post({ text });
      return client.waitFor((activity) => activity.type === 'message' && activity.replyToId === id);
    };
    await said('show my policies');
    await said('AUT-100200');
    await said('April 12, 1988');
    const choice = await said('pay my premium');
    assert.match(choice.text ?? '', /AUT-100200.*\$142\.50 due/);
    assert.match(choice.text ?? '', /Which one would you like to pay\?/);
    const offer = await said('AUT-100200');
    const buttons = (offer.attachments?.[0]?.content as { buttons?: { type: string; value: string }[] })
      ?.buttons;
    const link = buttons?.find((button) => button.type === 'openUrl')?.value ?? '';
    assert.match(link, /^http:\/\/localhost:\d+\/sandbox\/pay\/cs_test_\w{24}$/);
    assert.match(offer.text ?? '', /premium of \$142\.50 for AUT-100200 is due on .*grace period until/);
    assert.match(offer.text ?? '', /Never type card details in this chat/);

    const page = await fetch(link);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /\$142\.50/);
    assert.doesNotMatch(html, /card number/i);
    const paid = await fetch(link, { method: 'POST', redirect: 'manual' });
    assert.equal(paid.status, 303);
    assert.equal(paid.headers.get('location'), `${running.url}/?payment=success`);

    const notice = await client.waitFor(
      (activity) =>
        activity.type === 'message' && /payment of \$142\.50 for policy AUT-100200/.test(activity.text ?? ''),
    );
    assert.match(notice.text ?? '', /Your next premium is due on/);

    // Recorded once; the due date moved one month (the auto premium is monthly).
    const payments = await collection('payments').find({ policyNumber: 'AUT-100200' }).toArray();
    assert.equal(payments.length, 1);
    // Same day next month, or that month's last day (January 31 is followed by February 28).
    const lastDay = new Date(Date.UTC(due.getUTCFullYear(), due.getUTCMonth() + 2, 0)).getUTCDate();
    const expected = new Date(
      Date.UTC(due.getUTCFullYear(), due.getUTCMonth() + 1, Math.min(due.getUTCDate(), lastDay)) +
        (due.getTime() % dayMs),
    );
    assert.deepEqual((await policy('AUT-100200'))!.nextDueDate, expected);
    const reminders = await collection('reminders')
      .find({}, { projection: { kind: 1, policy: 1, status: 1, reason: 1 } })
      .toArray();
    const statusOf = (kind: string, subject: typeof auto) =>
      reminders.find((row) => row.kind === kind && String(row.policy) === String(subject._id));
    assert.equal(statusOf('premium_due', auto)?.status, 'cancelled');
    assert.equal(statusOf('premium_due', auto)?.reason, 'premium paid');
    assert.equal(statusOf('premium_overdue', auto)?.status, 'cancelled');
    assert.equal(statusOf('renewal', auto)?.status, 'scheduled');
    assert.equal(statusOf('premium_due', health)?.status, 'scheduled');
    const row = await collection('notifications').findOne({ template: 'payment.received' });
    assert.equal(row?.status, 'sent');
    assert.equal(row?.deliveredTo?.channel, 'directline');

    // The closed checkout cannot be paid twice, and Stripe's redelivery changes nothing.
    assert.equal((await fetch(link, { method: 'POST', redirect: 'manual' })).status, 409);
    const sandbox = running.app.stripeSandbox!;
    const session = sandbox.session(link.split('/').at(-1)!);
    assert.equal(session.status, 'complete');
    assert.equal(payments[0]?.sessionId, session.id);
    assert.equal((await sandbox.redeliver(String(payments[0]?.eventId))).status, 200);
    assert.equal(await collection('payments').countDocuments({ policyNumber: 'AUT-100200' }), 1);
    assert.equal(await collection('notifications').countDocuments({ template: 'payment.received' }), 1);
    assert.deepEqual((await policy('AUT-100200'))!.nextDueDate, expected);

    // Now nothing is due on the auto policy until the next bill.
    const after = await said('pay AUT-100200');
    assert.match(
      after.text ?? '',
      /Nothing is due on AUT-100200 yet: the next premium of \$142\.50 is due on/,
    );
  });
});

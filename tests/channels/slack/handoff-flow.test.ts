/**
 * A live handoff end to end: a customer on the official Direct Line client asks for a person, the
 * handoff card arrives in the support channel of the Slack stand-in with the conversation so far (the
 * date of birth hidden), an officer takes over, the customer and the officer talk through the card's
 * thread while the bot stays quiet, and Hand back gives the conversation to the bot again. App Home
 * lists the open handoff with its time left.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { demoCustomer } from '../../../src/db/seed.js';
import type { SandboxMessage } from '../../../src/sandbox/slack/workspace.js';
import { clockFrom, startDemoApp, type RunningApp } from '../../support/app.js';
import { Client } from '../directline/harness.js';
import { avery, buttonsOf, ephemeralsOf, eventually, guest, morgan, sandboxOf } from './support.js';

describe('live handoff to a person', () => {
  let running: RunningApp;
  let client: Client;

  before(async () => {
    // A Wednesday at noon in New York: within business hours, whatever the time the test runs at.
    running = await startDemoApp(
      { SUPPORT_HOURS: 'Mon-Fri 09:00-17:00' },
      { now: clockFrom(new Date('2026-11-18T17:00:00Z')) },
    );
    const response = await fetch(`${running.url}/api/chat/token`, { method: 'POST' });
    const { token } = (await response.json()) as { token: string };
    client = new Client(running.url, token, true);
    await client.online();
  });

  after(async () => {
    client.end();
    await running.stop();
  });

  async function say(text: string, expected: RegExp): Promise<string> {
    const seen = new Set(client.received);
    await client.post({ text });
    const reply = await client
      .waitFor(
        (activity) =>
          !seen.has(activity) && activity.type === 'message' && expected.test(activity.text ?? ''),
      )
      .catch((error: unknown) => {
        const said = client.received
          .filter((activity) => !seen.has(activity))
          .map((activity) => activity.text);
        throw new Error(`${String(error)} for ${expected}; the bot said ${JSON.stringify(said)}`);
      });
    return reply.text ?? '';
  }

  function handoffCard(until?: (card: SandboxMessage) => boolean) {
    const sandbox = sandboxOf(running.app);
    return eventually(() =>
      sandbox.workspace.channels
        .get(sandbox.supportChannel)
        ?.messages.find((message) => /SR-\d{6}/.test(message.text) && (!until || until(message))),
    );
  }

  async function pressOn(user: string, card: SandboxMessage, actionId: string) {
    const button = buttonsOf(card).find((entry) => entry.action_id === actionId);
    assert.ok(button, `the card has a ${actionId} button`);
    return sandboxOf(running.app).interactions.run({
      type: 'button',
      user,
      channel: card.channel,
      messageTs: card.ts,
      actionId,
      blockId: 'handoff',
      value: button.value,
    });
  }

  test('take over, talk both ways through the thread, hand back', async () => {
    const sandbox = sandboxOf(running.app);
    await say('show my policies', /policy number .* or the phone number/i);
    await say(demoCustomer.policies.auto, /date of birth/i);
    await say(demoCustomer.dateOfBirth, /Jordan/);
    const handed = await say('talk to a person', /reference is SR-\d{6}/);
    assert.match(handed, /join this chat; someone should be with you within about 10 minutes/);
    const reference = /SR-\d{6}/.exec(handed)![0];

    const card = await handoffCard();
    assert.equal(card.channel, sandbox.supportChannel);
    const shown = JSON.stringify(card.blocks);
    assert.match(shown, new RegExp(reference));
    assert.match(shown, /Jordan Rivera/);
    assert.match(shown, /show my policies/);
    assert.match(shown, /•••• \(hidden\)/);
    assert.ok(!shown.includes(demoCustomer.dateOfBirth), 'no date of birth on the card');
    assert.deepEqual(
      buttonsOf(card).map((button) => button.action_id),
      ['handoff_take_over', 'handoff_close'],
    );

    // App Home lists the waiting handoff with the time left.
    await sandbox.interactions.run({ type: 'home', user: morgan });
    const home = await eventually(() => sandbox.workspace.homes.get(morgan));
    assert.match(JSON.stringify(home), new RegExp(`${reference}\\* · live chat · waiting · \\d+ min left`));

    // Someone who is not an officer cannot take it.
    await pressOn(guest, card, 'handoff_take_over');
    await eventually(() => ephemeralsOf(sandbox, guest).some((text) => /Only active InsuraLink/.test(text)));
    const stale = structuredClone(card);
    await pressOn(avery, card, 'handoff_take_over');
    const joined = await client.waitFor(
      (activity) =>
        activity.type === 'message' && /Avery Chen from our team has joined/.test(activity.text ?? ''),
    );
    assert.ok(joined);
    const taken = await handoffCard((message) => /with Avery Chen/.test(message.text));
    assert.deepEqual(
      buttonsOf(taken).map((button) => button.action_id),
      ['handoff_hand_back', 'handoff_close'],
    );
    // The second click, on the card as it was, is refused with who was first.
    await pressOn(morgan, stale, 'handoff_take_over');
    await eventually(() =>
      ephemeralsOf(sandbox, morgan).some((text) =>
        text.includes(`${reference} was already taken over by Avery Chen`),
      ),
    );

    // The customer's message goes to the thread, and the bot does not answer it.
    const before = client.received.length;
    await client.post({ text: 'show my policies please' });
    await eventually(() => taken.replies.find((reply) => reply.text.includes('show my policies please')));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(
      client.received
        .slice(before)
        .filter((activity) => activity.type === 'message' && activity.from?.role !== 'user').length,
      0,
      'the bot stays quiet while a person has the conversation',
    );

    // The officer's thread reply reaches the customer; a note and another officer's reply do not.
    await sandbox.interactions.run({
      type: 'reply',
      user: avery,
      channel: taken.channel,
      threadTs: taken.ts,
      text: '!note checking the policy first',
    });
    await sandbox.interactions.run({
      type: 'reply',
      user: morgan,
      channel: taken.channel,
      threadTs: taken.ts,
      text: 'I can help if needed',
    });
    await sandbox.interactions.run({
      type: 'reply',
      user: avery,
      channel: taken.channel,
      threadTs: taken.ts,
      text: 'Hi Jordan, I can see your auto policy. What would you like to change?',
    });
    await client.waitFor(
      (activity) =>
        activity.type === 'message' &&
        activity.text === 'Hi Jordan, I can see your auto policy. What would you like to change?',
    );
    const texts = client.received.map((activity) => activity.text ?? '');
    assert.ok(!texts.some((text) => /checking the policy first|I can help if needed/.test(text)));

    // Hand back: the customer is told, and the bot answers again.
    await pressOn(avery, taken, 'handoff_hand_back');
    await client.waitFor(
      (activity) =>
        activity.type === 'message' &&
        /handed you back to the InsuraLink assistant/.test(activity.text ?? ''),
    );
    await handoffCard((message) => /handed back/.test(message.text));
    await say('help', /Here is what I can do/);
  });
});

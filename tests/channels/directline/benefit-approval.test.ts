/**
 * End to end over the official Direct Line client, the whole demo app and the Slack stand-in: a
 * customer requests a benefit that needs an officer, an officer approves it on its card in Slack, and
 * the customer's conversation receives the notification.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { demoCustomer } from '../../../src/db/seed.js';
import { startDemoApp, type RunningApp } from '../../support/app.js';
import { avery, cardOf, modalOf, press, sandboxOf, submit } from '../slack/support.js';
import { Client } from './harness.js';

describe('a benefit approved in Slack, over Direct Line', () => {
  let running: RunningApp;
  let client: Client;

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

  /** Posts a message (or nothing) and waits for the bot's next message matching `expected`. */
  async function say(message: string | undefined, expected: RegExp): Promise<string> {
    const seen = new Set(client.received);
    if (message !== undefined) await client.post({ text: message });
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

  test('requests emergency repair, an officer approves it in Slack, the notification arrives', async () => {
    await say('Benefits', /confirm who you are/);
    await say(demoCustomer.policies.home, /date of birth/);
    await say(demoCustomer.dateOfBirth, /Which one would you like to request\?/);
    await say('Emergency repair service (HOM-300400)', /Where do you need the help\?/);
    await say('5 Oak Lane, Austin', /What happened/);
    const filed = await say('A tree branch went through the kitchen window', /is filed/);
    const number = /(BEN-\d{6})/.exec(filed)?.[1];
    assert.ok(number, filed);
    assert.match(filed, /always decided by an officer/);

    const sandbox = sandboxOf(running.app);
    const card = await cardOf(sandbox, number);
    assert.match(JSON.stringify(card.blocks), /A tree branch went through the kitchen window/);
    const seen = new Set(client.received);
    await press(sandbox, avery, card, 'request_approve');
    await modalOf(sandbox, avery);
    await submit(sandbox, avery, { note: 'A glazier will call you today.' });

    const notice = await client.waitFor(
      (activity) =>
        !seen.has(activity) && activity.type === 'message' && (activity.text ?? '').includes(number),
    );
    assert.match(
      notice.text ?? '',
      new RegExp(`Your benefit request ${number} was approved\\. A glazier will call you today\\.`),
    );
    const status = await say(`status of ${number}`, /Status:/);
    assert.match(status, /Status: approved\./);
    assert.match(status, /approved by our team: A glazier will call you today\./);
  });
});

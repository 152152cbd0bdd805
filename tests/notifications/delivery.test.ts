/**
 * End to end: a customer chats over the official Direct Line client on a WebSocket, an officer's
 * decision is made through the claim service, and the customer's open window shows it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '../channels/directline/harness.js';
import { startDemoApp, type RunningApp } from '../support/app.js';

describe('proactive delivery to the conversation the customer uses', () => {
  let running: RunningApp;
  let client: Client;
  let token: string;
  let conversationId: string;

  before(async () => {
    running = await startDemoApp();
    const response = await fetch(`${running.url}/api/chat/token`, { method: 'POST' });
    ({ token, conversationId } = (await response.json()) as { token: string; conversationId: string });
    client = new Client(running.url, token, true);
    await client.online();
  });

  after(async () => {
    client.end();
    await running.stop();
  });

  test("an officer's decision reaches the customer's open WebSocket within 2 s", async () => {
    await client.post({ text: 'show my policies' });
    await client.post({ text: 'AUT-100200' });
    await client.post({ text: 'April 12, 1988' });
    await client.waitFor((activity) => activity.type === 'message' && /AUT-100200/.test(activity.text ?? ''));

    const avery = { type: 'officer' as const, id: 'U0DEMOAVERY', channel: 'slack' };
    const startedAt = Date.now();
    await running.app.domain.claims.transition('CLM-000123', 'approved', avery);
    const message = await client.waitFor(
      (activity) => activity.type === 'message' && /CLM-000123 was approved/.test(activity.text ?? ''),
      2000,
    );
    const elapsed = Date.now() - startedAt;
    assert.ok(elapsed < 2000, `arrived after ${elapsed} ms`);
    assert.equal(message.text, 'Your claim CLM-000123 was approved.');
    const card = message.attachments?.[0];
    assert.equal(card?.contentType, 'application/vnd.microsoft.card.hero');
    assert.deepEqual(
      (card?.content as { buttons: { title: string; value: string }[] }).buttons.map((b) => [
        b.title,
        b.value,
      ]),
      [['See claim', 'status of CLM-000123']],
    );

    // The outbox row records where it went and under which id.
    const row = await running.app.database.connection
      .collection('notifications')
      .findOne({ template: 'claim.status', 'payload.number': 'CLM-000123' });
    assert.equal(row?.status, 'sent');
    assert.equal(row?.providerMessageId, message.id);
    assert.equal(row?.deliveredTo?.channel, 'directline');
  });

  test('the message is in the transcript when the customer comes back later', async () => {
    const history = await fetch(`${running.url}/v3/directline/conversations/${conversationId}/activities`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { activities } = (await history.json()) as { activities: { text?: string }[] };
    assert.ok(activities.some((activity) => activity.text === 'Your claim CLM-000123 was approved.'));
  });
});

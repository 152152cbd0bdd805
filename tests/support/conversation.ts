/**
 * A customer chatting with the running app over its Direct Line REST endpoints, for app-level tests:
 * say something, get the bot's replies to it.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';

export interface Conversation {
  /** Sends `text` and resolves with the text of the bot's message replies to it, one reply a line. */
  say(text: string): Promise<string>;
}

export async function openConversation(baseUrl: string): Promise<Conversation> {
  const tokenResponse = await fetch(`${baseUrl}/api/chat/token`, { method: 'POST' });
  assert.equal(tokenResponse.status, 200);
  const { token, userId } = (await tokenResponse.json()) as { token: string; userId: string };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const started = await fetch(`${baseUrl}/v3/directline/conversations`, { method: 'POST', headers });
  assert.ok(started.ok, `conversation start answered ${started.status}`);
  const { conversationId } = (await started.json()) as { conversationId: string };
  const activities = `${baseUrl}/v3/directline/conversations/${conversationId}/activities`;

  return {
    async say(text) {
      const posted = await fetch(activities, {
        method: 'POST',
        headers,
        body: JSON.stringify({ type: 'message', from: { id: userId }, text }),
      });
      assert.equal(posted.status, 200);
      const { id } = (await posted.json()) as { id: string };
      // The POST returns once the turn is over, so its replies are stored by now; poll briefly anyway.
      for (let attempt = 0; attempt < 50; attempt++) {
        const history = (await (await fetch(activities, { headers })).json()) as {
          activities: { type: string; replyToId?: string; text?: string }[];
        };
        const replies = history.activities.filter((a) => a.type === 'message' && a.replyToId === id);
        if (replies.length > 0) return replies.map((reply) => reply.text ?? '').join('\n');
        await delay(100);
      }
      assert.fail(`no reply to "${text}"`);
    },
  };
}

/** Verifies a Direct Line conversation as the demo customer over REST, as the widget would. */
export async function verifyAsDemoCustomer(
  baseUrl: string,
  conversationId: string,
  token: string,
): Promise<void> {
  const activities = `${baseUrl}/v3/directline/conversations/${conversationId}/activities`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  for (const text of ['show my policies', 'AUT-100200', '1988-04-12']) {
    const posted = await fetch(activities, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'message', text }),
    });
    assert.equal(posted.status, 200);
  }
}

/**
 * The whole app: a connector caller that names Direct Line and a verified web conversation's id reaches
 * a conversation of its own, not the customer's state.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { demoCustomer } from '../../../src/db/seed.js';
import { startFakeBotFramework, newAppId, type FakeBotFramework } from '../../fakes/bot-framework.js';

interface WebChat {
  conversationId: string;
  userId: string;
  say(text: string): Promise<string>;
}

async function openWebChat(baseUrl: string): Promise<WebChat> {
  const { token, userId } = (await (await fetch(`${baseUrl}/api/chat/token`, { method: 'POST' })).json()) as {
    token: string;
    userId: string;
  };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const started = await fetch(`${baseUrl}/v3/directline/conversations`, { method: 'POST', headers });
  const { conversationId } = (await started.json()) as { conversationId: string };
  const activities = `${baseUrl}/v3/directline/conversations/${conversationId}/activities`;
  return {
    conversationId,
    userId,
    async say(text) {
      const posted = await fetch(activities, {
        method: 'POST',
        headers,
        body: JSON.stringify({ type: 'message', from: { id: userId }, text }),
      });
      assert.equal(posted.status, 200);
      const { id } = (await posted.json()) as { id: string };
      // The POST answers once the turn is over, so its replies are stored.
      const history = (await (await fetch(activities, { headers })).json()) as {
        activities: { type: string; replyToId?: string; text?: string }[];
      };
      return history.activities
        .filter((activity) => activity.type === 'message' && activity.replyToId === id)
        .map((activity) => activity.text ?? '')
        .join('\n');
    },
  };
}

describe('conversation state per channel source', () => {
  let dataDir: string;
  let app: ReturnType<typeof createApp>;
  let url: string;
  let fake: FakeBotFramework;
  before(async () => {
    fake = await startFakeBotFramework({ appId: newAppId(), appPassword: 'unused-password' });
    dataDir = await mkdtemp(join(tmpdir(), 'insuralink-azure-'));
    app = createApp(
      loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', BOT_EMULATOR: 'allow' }),
      { inMemoryDatabase: true, shutdownGraceMs: 1000 },
    );
    url = await app.start();
  });
  after(async () => {
    await app.stop();
    await rm(dataDir, { recursive: true, force: true });
    await fake.stop();
  });

  async function stateRows() {
    const rows = await app.database.connection
      .collection<{ _id: string; data: string; eTag: string }>('botstate')
      .find({})
      .toArray();
    return new Map(rows.map((row) => [row._id, { data: row.data, eTag: row.eTag }]));
  }

  test("a connector activity naming a verified web conversation gets none of that customer's data", async () => {
    const web = await openWebChat(url);
    await web.say('Show my policies');
    await web.say(demoCustomer.policies.auto);
    assert.match(await web.say(demoCustomer.dateOfBirth), /verified/);
    const webKey = `directline/conversations/${web.conversationId}/`;
    const before = (await stateRows()).get(webKey);
    assert.ok(before, 'the web conversation has stored state');

    const impostor = {
      type: 'message',
      id: 'impostor-1',
      channelId: 'directline',
      serviceUrl: fake.url,
      conversation: { id: web.conversationId },
      from: { id: web.userId, name: 'Visitor' },
      recipient: { id: 'insuralink', name: 'InsuraLink' },
      text: 'Show my policies',
    };
    const posted = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(impostor),
    });
    assert.equal(posted.status, 200);
    const inline = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...impostor, id: 'impostor-2', deliveryMode: 'expectReplies' }),
    });
    assert.equal(inline.status, 200);

    const seen = [
      ...fake.replies.map((reply) => JSON.stringify(reply.body)),
      JSON.stringify(await inline.json()),
    ].join('\n');
    assert.ok(fake.replies.length > 0, 'the connector caller was answered');
    for (const secret of [...Object.values(demoCustomer.policies), demoCustomer.firstName, '/files/']) {
      assert.ok(!seen.includes(secret), `the connector caller must not see ${secret}`);
    }

    const after = await stateRows();
    assert.deepEqual(after.get(webKey), before, "the web conversation's state is untouched");
    assert.ok(after.has(`azure/conversations/${web.conversationId}/`), 'the caller got a state of its own');
    assert.match(await web.say('Show my policies'), new RegExp(`policies, ${demoCustomer.firstName}`));
  });
});

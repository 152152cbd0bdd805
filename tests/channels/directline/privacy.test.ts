import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ActivityHandler } from 'botbuilder';
import { createApp, type App } from '../../../src/app.js';
import { clientKeyOf } from '../../../src/bot/client-key.js';
import { ConversationStore, redactedText } from '../../../src/channels/directline/store.js';
import { loadConfig } from '../../../src/config.js';
import { demoCustomer } from '../../../src/db/seed.js';
import { startTestDatabase, type TestDatabase } from '../../support/db.js';
import { openConversation } from '../../support/conversation.js';
import { call, field, startServer } from './harness.js';

/** The demo customer's date of birth as customers type it, and the parts that would give it away. */
const dateOfBirthForms = [demoCustomer.dateOfBirth, 'April 12, 1988', '04/12/1988', '12 April 1988', '1988'];

describe('answers to personal prompts in the Direct Line history', () => {
  let app: App;
  let url: string;
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'insuralink-privacy-'));
    app = createApp(loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), {
      inMemoryDatabase: true,
      shutdownGraceMs: 1000,
    });
    url = await app.start();
  });
  after(async () => {
    await app.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('are stored hidden while the bot still verifies the customer', async () => {
    const chats = [
      ['Show my policies', demoCustomer.policies.auto, 'April 12, 1988'],
      // Without a locale, 04/12/1988 is asked about (day or month first), and that answer is hidden too.
      ['Show my policies', demoCustomer.phone, '04/12/1988', 'Month first'],
      // A wrong date first, then both again; and the number and date of birth in one message.
      [
        'Show my policies',
        demoCustomer.policies.auto,
        '12 April 1987',
        demoCustomer.policies.auto,
        '12 April 1988',
      ],
      ['Show my policies', `${demoCustomer.phone} ${demoCustomer.dateOfBirth}`],
    ];
    for (const messages of chats) {
      const chat = await openConversation(url);
      let last = '';
      for (const message of messages) last = await chat.say(message);
      assert.match(last, /you're verified/, `verified after ${messages.join(' / ')}`);
    }

    const stored = await app.database.connection
      .collection<{ payload: string }>('directline_activities')
      .find()
      .toArray();
    const customerTexts = stored
      .map((doc) => JSON.parse(doc.payload) as { from?: { role?: string }; text?: string })
      .filter((activity) => activity.from?.role === 'user')
      .map((activity) => activity.text ?? '');
    assert.equal(customerTexts.filter((text) => text === redactedText).length, 10);
    assert.equal(customerTexts.filter((text) => text === 'Show my policies').length, 4);

    const everything = stored.map((doc) => doc.payload).join('\n');
    for (const form of [...dateOfBirthForms, '1987', demoCustomer.phone, '5555550123']) {
      assert.ok(!everything.includes(form), `the activities collection holds "${form}"`);
    }
    assert.ok(!customerTexts.join('\n').includes(demoCustomer.policies.auto));
  });

  it('reads back hidden through the history endpoint', async () => {
    const tokenResponse = await fetch(`${url}/api/chat/token`, { method: 'POST' });
    const { token, userId } = (await tokenResponse.json()) as { token: string; userId: string };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const started = await fetch(`${url}/v3/directline/conversations`, { method: 'POST', headers });
    const { conversationId } = (await started.json()) as { conversationId: string };
    const activities = `${url}/v3/directline/conversations/${conversationId}/activities`;
    for (const text of ['Show my policies', demoCustomer.policies.auto, demoCustomer.dateOfBirth]) {
      const posted = await fetch(activities, {
        method: 'POST',
        headers,
        body: JSON.stringify({ type: 'message', from: { id: userId }, text }),
      });
      assert.equal(posted.status, 200);
    }
    let history = '';
    for (let attempt = 0; attempt < 50 && !history.includes("you're verified"); attempt++) {
      history = await (await fetch(activities, { headers })).text();
      await delay(50);
    }
    assert.match(history, /you're verified/);
    assert.ok(history.includes(redactedText));
    for (const form of dateOfBirthForms) assert.ok(!history.includes(form), `the history holds "${form}"`);
  });
});

describe('Direct Line history retention', () => {
  let db: TestDatabase;
  before(async () => {
    db = await startTestDatabase();
  });
  after(() => db.stop());

  it('keeps activities for the retention period behind a TTL index, and the sweep removes older ones', async () => {
    const store = new ConversationStore(db.connection, () => undefined, { retentionDays: 7 });
    await store.init();
    const ttlIndex = async () =>
      (await db.connection.collection('directline_activities').indexes()).find(
        (index) => index.key.createdAt === 1,
      );
    assert.equal((await ttlIndex())?.expireAfterSeconds, 7 * 24 * 60 * 60);

    // Another retention on the next start replaces the index rather than failing.
    await new ConversationStore(db.connection, () => undefined, { retentionDays: 1 }).init();
    assert.equal((await ttlIndex())?.expireAfterSeconds, 24 * 60 * 60);

    await store.create('retained', 'dl_user');
    for (const text of ['old', 'recent']) {
      await store.append('retained', (seq) => ({ type: 'message', text, id: `retained|${seq}` }));
    }
    const activities = db.connection.collection('directline_activities');
    await activities.updateOne(
      { conversationId: 'retained', seq: 1 },
      { $set: { createdAt: new Date(Date.now() - 25 * 60 * 60 * 1000) } },
    );
    // The embedded server sweeps expired documents every second.
    const deadline = Date.now() + 10_000;
    while ((await activities.countDocuments({ conversationId: 'retained' })) > 1 && Date.now() < deadline) {
      await delay(100);
    }
    const page = await store.since('retained', 0);
    assert.deepEqual(
      page.activities.map((activity) => activity.text),
      ['recent'],
    );
  });
});

describe('the caller’s client key', () => {
  let db: TestDatabase;
  before(async () => {
    db = await startTestDatabase();
  });
  after(() => db.stop());

  it('comes from the connection, whatever the activity says', async () => {
    const seen: (string | undefined)[] = [];
    const bot = new ActivityHandler();
    bot.onMessage(async (context, next) => {
      seen.push(clientKeyOf(context));
      await next();
    });
    const server = await startServer({ connection: db.connection, bot });
    try {
      const { token, conversationId } = await server.channel.issueConversationToken();
      assert.equal((await call(server.url, '/conversations', { auth: token, body: {} })).status, 201);
      const posted = await call(server.url, `/conversations/${conversationId}/activities`, {
        auth: token,
        body: { type: 'message', text: 'hi', from: { id: 'address:10.9.9.9' }, clientKey: 'x' },
      });
      assert.equal(posted.status, 200, JSON.stringify(field(posted.body, 'error')));
      assert.equal(seen.length, 1);
      assert.match(seen[0] ?? '', /^address:(::ffff:)?127\.0\.0\.1$/);
    } finally {
      await server.stop();
    }
  });
});

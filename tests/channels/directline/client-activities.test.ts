/**
 * What a Direct Line client may post: messages, typing and the events Web Chat embedders send, always
 * from the token's user to the bot on this channel. Anything else is refused before the bot sees it.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ActivityHandler, type Activity } from 'botbuilder';
import { channelSourceOf } from '../../../src/bot/channel-source.js';
import { startTestDatabase, type TestDatabase } from '../../support/db.js';
import { activitiesOf, call, Client, field, startServer, type TestServer } from './harness.js';

/** Records every turn it runs: the activity as the bot sees it, and the turn's channel source. */
class RecordingBot extends ActivityHandler {
  seen: { activity: Partial<Activity>; source: string }[] = [];
  constructor() {
    super();
    this.onTurn(async (context, next) => {
      this.seen.push({ activity: { ...context.activity }, source: channelSourceOf(context) });
      await next();
    });
    this.onMessage(async (context, next) => {
      await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
      await next();
    });
  }
}

describe('Direct Line: activities a client may post', () => {
  let db: TestDatabase;
  let server: TestServer;
  const bot = new RecordingBot();
  let conversationId: string;
  let token: string;

  before(async () => {
    db = await startTestDatabase();
    server = await startServer({ connection: db.connection, bot });
  });
  after(async () => {
    await server.stop();
    await db.stop();
  });
  beforeEach(async () => {
    ({ conversationId, token } = await server.channel.issueConversationToken({ id: 'dl_casey' }));
    const started = await call(server.url, '/conversations', { auth: token, body: {} });
    assert.equal(started.status, 201);
    bot.seen = [];
  });

  const post = (body: unknown) =>
    call(server.url, `/conversations/${conversationId}/activities`, { auth: token, body });

  test('over the official client, a message claiming to be the bot arrives as the user’s, on this channel', async () => {
    const client = new Client(server.url, token, true);
    try {
      const id = await client.post({
        text: 'hello',
        from: { id: 'insuralink', name: 'InsuraLink', role: 'bot' },
        recipient: { id: 'someone-else', name: 'Other' },
        channelId: 'msteams',
        serviceUrl: 'http://10.0.0.5/connector',
        callerId: 'urn:botframework:azure',
        membersAdded: [{ id: 'insuralink', name: 'InsuraLink' }],
        replyToId: 'not-mine',
      } as Partial<Activity>);
      await client.reply('echo: hello');
      const seen = bot.seen.find((turn) => turn.activity.id === id);
      assert.ok(seen, 'the bot ran the message');
      const { activity, source } = seen;
      assert.deepEqual(activity.from, { id: 'dl_casey', name: '', role: 'user' });
      assert.equal(activity.recipient?.id, 'insuralink');
      assert.equal(activity.recipient?.role, 'bot');
      assert.equal(activity.channelId, 'directline');
      assert.equal(activity.serviceUrl, `${server.url}/v3/directline`);
      assert.equal(activity.conversation?.id, conversationId);
      assert.equal(source, 'directline');
      for (const key of ['callerId', 'membersAdded', 'replyToId'] as const) {
        assert.equal(activity[key], undefined, key);
      }
      const echoed = await client.waitFor((received) => received.id === id);
      assert.equal(echoed.from?.role, 'user');
      assert.equal(echoed.from?.id, 'dl_casey');
    } finally {
      client.end();
    }
  });

  test('over the official client, a conversationUpdate never reaches the bot', async () => {
    const client = new Client(server.url, token, false);
    try {
      await client.online();
      await assert.rejects(
        client.post({ type: 'conversationUpdate', membersAdded: [{ id: 'dl_casey', name: '' }] }),
        /400/,
      );
      assert.deepEqual(bot.seen, []);
    } finally {
      client.end();
    }
  });

  test('raw HTTP: conversationUpdate, invoke, other events and unknown kinds are refused 400', async () => {
    const refused = [
      { type: 'conversationUpdate', membersAdded: [{ id: 'dl_casey' }] },
      { type: 'invoke', name: 'adaptiveCard/action', value: {} },
      { type: 'event', name: 'ContinueConversation' },
      { type: 'event' },
      { type: 'endOfConversation' },
      { type: 'trace', name: 'dialog' },
      { type: 'handoff' },
    ];
    for (const body of refused) {
      const response = await post({ ...body, from: { id: 'dl_casey' } });
      assert.equal(response.status, 400, JSON.stringify(body));
      const error = field(response.body, 'error') as { code?: string; message?: string };
      assert.equal(error.code, 'bad_argument');
      assert.match(error.message ?? '', /^Clients may (post|send only)/);
    }
    const malformed = await post({ type: 'message', text: 'hi', attachments: 'not a list' });
    assert.equal(malformed.status, 400);
    assert.deepEqual(bot.seen, []);
    const history = await call(server.url, `/conversations/${conversationId}/activities`, { auth: token });
    assert.ok(
      activitiesOf(history.body).every((activity) => activity.from?.role !== 'user'),
      'nothing refused was stored',
    );
  });

  test('raw HTTP: typing and the webchat/join event reach the bot, as the user', async () => {
    assert.equal((await post({ type: 'typing', from: { id: 'insuralink', role: 'bot' } })).status, 200);
    const joined = await post({
      type: 'event',
      name: 'webchat/join',
      value: { language: 'en-US' },
      from: { id: 'insuralink', name: 'InsuraLink', role: 'bot' },
    });
    assert.equal(joined.status, 200);
    assert.deepEqual(
      bot.seen.map((turn) => [
        turn.activity.type,
        turn.activity.name,
        turn.activity.from?.id,
        turn.activity.from?.role,
      ]),
      [
        ['typing', undefined, 'dl_casey', 'user'],
        ['event', 'webchat/join', 'dl_casey', 'user'],
      ],
    );
    assert.deepEqual(bot.seen[1]?.activity.value, { language: 'en-US' });
  });

  test('raw HTTP with the secret: a trusted server may name the user, never make them the bot', async () => {
    const response = await call(server.url, `/conversations/${conversationId}/activities`, {
      auth: 'test-directline-secret-0123456789',
      body: { type: 'message', text: 'hi', from: { id: 'dl_casey', name: 'Casey', role: 'bot' } },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(bot.seen[0]?.activity.from, { id: 'dl_casey', name: 'Casey', role: 'user' });
  });
});

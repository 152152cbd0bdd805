import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { startTestDatabase, type TestDatabase } from '../../support/db.js';
import {
  activitiesOf,
  call,
  Client,
  field,
  referenceTo,
  secret,
  startServer,
  TestBot,
  type TestServer,
} from './harness.js';

/** The HTTP status a WebSocket upgrade to `url` gets (101 when the stream opens). */
async function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
  });
}

describe('Direct Line 3.0 with the official client', () => {
  let db: TestDatabase;
  let server: TestServer;
  const bot = new TestBot();
  let clock = Date.now();

  before(async () => {
    db = await startTestDatabase();
    server = await startServer({ connection: db.connection, bot, now: () => new Date(clock) });
  });
  after(async () => {
    await server.stop();
    await db.stop();
  });

  test('WebSocket mode: welcome, echo of the user message, typing, suggested actions and a card', async () => {
    const { token } = await server.channel.issueConversationToken({ id: 'dl_alice' });
    const client = new Client(server.url, token, true);
    try {
      await client.reply('Welcome, dl_alice');
      const id = await client.post({ text: 'hello' });
      const echo = await client.reply('echo: hello');
      const mine = await client.waitFor((activity) => activity.id === id);
      assert.equal(mine.from?.id, 'dl_alice', 'the token decides who the user is');
      assert.equal(echo.from?.id, 'insuralink');
      assert.equal(echo.replyToId, id);

      await client.post({ text: 'card' });
      const card = await client.reply('Here is your card');
      assert.ok(
        client.received.some((activity) => activity.type === 'typing'),
        'typing is streamed',
      );
      assert.deepEqual(
        card.suggestedActions?.actions.map((action) => action.title),
        ['Yes', 'No'],
      );
      const attachment = card.attachments?.[0];
      assert.equal(attachment?.contentType, 'application/vnd.microsoft.card.adaptive');
      assert.equal(
        (attachment as { content?: { $schema?: string } }).content?.$schema,
        'http://adaptivecards.io/schemas/adaptive-card.json',
      );
      const ids = client.received
        .filter((activity) => activity.type === 'message')
        .map((activity) => activity.id);
      assert.equal(new Set(ids).size, ids.length, 'each activity arrives once');
    } finally {
      client.end();
    }
  });

  test('polling mode: the same conversation over GET activities with watermarks', async () => {
    const { token, conversationId } = await server.channel.issueConversationToken();
    const client = new Client(server.url, token, false);
    try {
      await client.post({ text: 'polled' });
      await client.reply('echo: polled');
      assert.ok(client.received.some((activity) => activity.text === 'polled'));
      assert.ok(!client.received.some((activity) => activity.type === 'typing'));
      // History read with a watermark returns only what came after it.
      const all = await call(server.url, `/conversations/${conversationId}/activities`, {
        auth: token,
      });
      const watermark = field(all.body, 'watermark');
      assert.equal(typeof watermark, 'string');
      const none = await call(
        server.url,
        `/conversations/${conversationId}/activities?watermark=${String(watermark)}`,
        { auth: token },
      );
      assert.deepEqual(field(none.body, 'activities'), []);
      assert.equal(field(none.body, 'watermark'), watermark);
    } finally {
      client.end();
    }
  });

  test('tokens: generate with the secret, start twice (201 then 200), refresh', async () => {
    const generated = await call(server.url, '/tokens/generate', {
      auth: secret,
      body: { user: { id: 'dl_bob' } },
    });
    assert.equal(generated.status, 200);
    assert.equal(field(generated.body, 'expires_in'), 1800);
    const token = String(field(generated.body, 'token'));
    const conversationId = String(field(generated.body, 'conversationId'));

    const started = await call(server.url, '/conversations', { auth: token, method: 'POST' });
    assert.equal(started.status, 201);
    assert.equal(field(started.body, 'conversationId'), conversationId);
    assert.match(
      String(field(started.body, 'streamUrl')),
      /^ws:\/\/127\.0\.0\.1:\d+\/v3\/directline\/conversations\/.+\/stream\?/,
    );
    const again = await call(server.url, '/conversations', { auth: token, method: 'POST' });
    assert.equal(again.status, 200);

    const refreshed = await call(server.url, '/tokens/refresh', { auth: token, method: 'POST' });
    assert.equal(refreshed.status, 200);
    assert.equal(field(refreshed.body, 'conversationId'), conversationId);
    const posted = await call(server.url, `/conversations/${conversationId}/activities`, {
      auth: String(field(refreshed.body, 'token')),
      body: { type: 'message', text: 'after refresh' },
    });
    assert.equal(posted.status, 200);

    assert.equal((await call(server.url, '/tokens/generate', { auth: token, method: 'POST' })).status, 403);
    assert.equal((await call(server.url, '/tokens/refresh', { auth: secret, method: 'POST' })).status, 403);
  });

  test('a website on another origin may call: CORS preflight and headers', async () => {
    const preflight = await fetch(`${server.url}/v3/directline/conversations`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://insurer.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const refused = await fetch(`${server.url}/v3/directline/conversations/x/activities`, {
      headers: { origin: 'https://insurer.example' },
    });
    assert.equal(refused.status, 401);
    assert.equal(
      refused.headers.get('access-control-allow-origin'),
      '*',
      'errors are readable cross-origin too',
    );
  });

  test('the stream sends empty keep-alive messages; a stream URL lasts 60 seconds', async () => {
    const { token, conversationId } = await server.channel.issueConversationToken();
    const started = await call(server.url, '/conversations', { auth: token, method: 'POST' });
    const streamUrl = String(field(started.body, 'streamUrl'));
    const ws = new WebSocket(streamUrl);
    try {
      const frames: string[] = [];
      await new Promise<void>((resolve) => {
        ws.on('message', (data: Buffer) => {
          frames.push(data.toString('utf8'));
          // The welcome and the first keep-alive may arrive in either order: wait for both.
          if (frames.includes('') && frames.some((frame) => frame !== '')) resolve();
        });
      });
      const [welcome] = frames.filter((frame) => frame !== '').map((frame) => JSON.parse(frame) as unknown);
      assert.equal(field(welcome, 'watermark'), '1');
    } finally {
      ws.close();
    }

    const reconnect = await call(server.url, `/conversations/${conversationId}`, { auth: token });
    clock += 61_000;
    try {
      assert.equal(await upgradeStatus(String(field(reconnect.body, 'streamUrl'))), 403);
    } finally {
      clock = Date.now();
    }
  });

  test('a token is scoped to its conversation', async () => {
    const a = await server.channel.issueConversationToken();
    const b = await server.channel.issueConversationToken();
    for (const { token } of [a, b]) {
      assert.equal((await call(server.url, '/conversations', { auth: token, method: 'POST' })).status, 201);
    }
    const other = `/conversations/${b.conversationId}`;
    assert.equal((await call(server.url, `${other}/activities`, { auth: a.token })).status, 403);
    assert.equal(
      (await call(server.url, `${other}/activities`, { auth: a.token, body: { type: 'message', text: 'x' } }))
        .status,
      403,
    );
    assert.equal((await call(server.url, other, { auth: a.token })).status, 403);
    assert.equal((await call(server.url, `${other}/activities`, { auth: b.token })).status, 200);
    // The stream URL of A does not open B's stream.
    const reconnect = await call(server.url, `/conversations/${a.conversationId}`, { auth: a.token });
    const streamUrl = String(field(reconnect.body, 'streamUrl'));
    assert.equal(await upgradeStatus(streamUrl.replace(a.conversationId, b.conversationId)), 403);
    assert.equal(await upgradeStatus(streamUrl), 101);
  });

  test('bad input is refused and the conversation goes on', async () => {
    const { token, conversationId } = await server.channel.issueConversationToken({ id: 'dl_carol' });
    await call(server.url, '/conversations', { auth: token, method: 'POST' });
    const activities = `/conversations/${conversationId}/activities`;
    const message = { type: 'message', text: 'still here' };

    assert.equal((await call(server.url, activities, { body: message })).status, 401);
    assert.equal((await call(server.url, activities, { auth: 'not-a-token', body: message })).status, 403);
    const forged = `${token.slice(0, -4)}AAAA`;
    assert.equal((await call(server.url, activities, { auth: forged, body: message })).status, 403);
    clock += 31 * 60 * 1000;
    try {
      const expired = await call(server.url, activities, { auth: token, body: message });
      assert.equal(expired.status, 403);
      assert.deepEqual(Object.keys(field(expired.body, 'error') as object).sort(), ['code', 'message']);
    } finally {
      clock = Date.now();
    }
    assert.equal(
      (await call(server.url, '/conversations/unknown123/activities', { auth: secret })).status,
      404,
    );
    assert.equal(
      (await call(server.url, activities, { auth: token, rawBody: '{"type": "mess' })).status,
      400,
    );
    assert.equal(
      (await call(server.url, activities, { auth: token, body: { text: 'no type' } })).status,
      400,
    );
    assert.equal((await call(server.url, `${activities}?watermark=abc`, { auth: token })).status, 400);

    const ok = await call(server.url, activities, { auth: token, body: message });
    assert.equal(ok.status, 200);
    const history = await call(server.url, activities, { auth: token });
    const texts = activitiesOf(history.body).map((activity) => activity.text);
    assert.deepEqual(texts, ['Welcome, dl_carol', 'still here', 'echo: still here']);
  });

  test("the user's typing reaches the bot but not the history", async () => {
    const { token, conversationId } = await server.channel.issueConversationToken();
    await call(server.url, '/conversations', { auth: token, method: 'POST' });
    const activities = `/conversations/${conversationId}/activities`;
    const before = bot.typing;
    assert.equal((await call(server.url, activities, { auth: token, body: { type: 'typing' } })).status, 200);
    assert.equal(bot.typing, before + 1);
    const history = await call(server.url, activities, { auth: token });
    const types = activitiesOf(history.body).map((activity) => activity.type);
    assert.ok(!types.includes('typing'));
  });

  test('a retried activity id is answered without running the bot again', async () => {
    const { token, conversationId } = await server.channel.issueConversationToken();
    await call(server.url, '/conversations', { auth: token, method: 'POST' });
    const activities = `/conversations/${conversationId}/activities`;
    const body = { type: 'message', text: 'pay my premium', channelData: { clientActivityID: 'client-1' } };
    const [first, second] = await Promise.all([
      call(server.url, activities, { auth: token, body }),
      call(server.url, activities, { auth: token, body }),
    ]);
    const third = await call(server.url, activities, { auth: token, body });
    assert.equal(first.status, 200);
    const id = String(field(first.body, 'id'));
    assert.equal(field(second.body, 'id'), id);
    assert.equal(field(third.body, 'id'), id);
    assert.equal(bot.turns.get(id), 1);
    const history = await call(server.url, activities, { auth: token });
    const texts = activitiesOf(history.body).map((activity) => activity.text);
    assert.equal(texts.filter((text) => text === 'pay my premium').length, 1);
    assert.equal(texts.filter((text) => text === 'echo: pay my premium').length, 1);
  });

  test('a failing turn gets a polite reply; proactive messages reach the stream', async () => {
    const { token, conversationId } = await server.channel.issueConversationToken();
    const client = new Client(server.url, token, true);
    try {
      await client.online();
      const id = await client.post({ text: 'fail' });
      const apology = await client.waitFor(
        (activity) => activity.replyToId === id && activity.from?.id === 'insuralink',
      );
      assert.match(apology.text ?? '', /something went wrong on our side/);

      await server.channel.adapter.continueConversation(referenceTo(conversationId), async (context) => {
        await context.sendActivity('Your claim was approved.');
      });
      await client.reply('Your claim was approved.');
    } finally {
      client.end();
    }
  });
});

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { tinyPng } from '../../support/samples.js';
import { startTestDatabase, type TestDatabase } from '../../support/db.js';
import { call, field, secret, startServer, TestBot, type TestServer } from './harness.js';

const minute = { durationSeconds: 60 };

/** A POST with a JSON body from the local address `from` (any of 127.0.0.0/8 reaches the server). */
function postFrom(
  from: string,
  url: string,
  path: string,
  auth: string,
): Promise<{ status: number; retryAfter: string | undefined; body: unknown }> {
  const payload = JSON.stringify({});
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v3/directline${path}`,
      {
        method: 'POST',
        localAddress: from,
        headers: {
          authorization: `Bearer ${auth}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const header = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: Array.isArray(header) ? header[0] : header,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const errorCode = (body: unknown) => field(field(body, 'error'), 'code');

describe('Direct Line rate limits per conversation', () => {
  let db: TestDatabase;
  let server: TestServer;

  before(async () => {
    db = await startTestDatabase();
    server = await startServer({
      connection: db.connection,
      bot: new TestBot(),
      limits: {
        messagesPerConversation: { points: 3, ...minute },
        uploadsPerConversation: { points: 2, ...minute },
      },
    });
  });
  after(async () => {
    await server.stop();
    await db.stop();
  });

  async function started(): Promise<{ token: string; path: string }> {
    const { token, conversationId } = await server.channel.issueConversationToken();
    await call(server.url, '/conversations', { auth: token, method: 'POST' });
    return { token, path: `/conversations/${conversationId}` };
  }

  test('a conversation past its message limit gets 429 with Retry-After; another goes on', async () => {
    const busy = await started();
    const quiet = await started();
    const send = (conversation: { token: string; path: string }) =>
      call(server.url, `${conversation.path}/activities`, {
        auth: conversation.token,
        body: { type: 'message', text: 'hello' },
      });
    for (let i = 0; i < 3; i++) assert.equal((await send(busy)).status, 200);
    const refused = await postFrom('127.0.0.1', server.url, `${busy.path}/activities`, busy.token);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.retryAfter) >= 1 && Number(refused.retryAfter) <= 60);
    assert.equal(errorCode(refused.body), 'rate_limited');
    assert.equal((await send(quiet)).status, 200);
  });

  test('a request without a valid token uses up nothing of the conversation it names', async () => {
    const target = await started();
    for (let i = 0; i < 5; i++) {
      const forged = await call(server.url, `${target.path}/activities`, {
        auth: 'not-a-token',
        body: { type: 'message', text: 'x' },
      });
      assert.equal(forged.status, 403);
    }
    const own = await call(server.url, `${target.path}/activities`, {
      auth: target.token,
      body: { type: 'message', text: 'mine' },
    });
    assert.equal(own.status, 200);
  });

  test('uploads are limited per conversation', async () => {
    const conversation = await started();
    const upload = () => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(tinyPng)], { type: 'image/png' }), 'dent.png');
      return call(server.url, `${conversation.path}/upload`, { auth: conversation.token, form });
    };
    assert.equal((await upload()).status, 200);
    assert.equal((await upload()).status, 200);
    const refused = await upload();
    assert.equal(refused.status, 429);
    assert.equal(errorCode(refused.body), 'rate_limited');
  });
});

describe('Direct Line rate limits per address', () => {
  let db: TestDatabase;
  let server: TestServer;

  before(async () => {
    db = await startTestDatabase();
    server = await startServer({
      connection: db.connection,
      bot: new TestBot(),
      limits: { tokensPerAddress: { points: 3, ...minute } },
    });
  });
  after(async () => {
    await server.stop();
    await db.stop();
  });

  test('minting tokens and starting conversations share a limit per address', async () => {
    const generated = await postFrom('127.0.0.1', server.url, '/tokens/generate', secret);
    assert.equal(generated.status, 200);
    const token = String(field(generated.body, 'token'));
    assert.equal((await postFrom('127.0.0.1', server.url, '/conversations', token)).status, 201);
    assert.equal((await postFrom('127.0.0.1', server.url, '/tokens/generate', secret)).status, 200);
    const refused = await postFrom('127.0.0.1', server.url, '/tokens/generate', secret);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.retryAfter) >= 1 && Number(refused.retryAfter) <= 60);
    assert.match(String(field(field(refused.body, 'error'), 'message')), /Too many new conversations/);
    assert.equal((await postFrom('127.0.0.1', server.url, '/conversations', secret)).status, 429);

    const elsewhere = await postFrom('127.0.0.2', server.url, '/tokens/generate', secret);
    assert.equal(elsewhere.status, 200, 'another address is not affected');
  });
});

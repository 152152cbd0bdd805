import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ActivityHandler } from 'botbuilder';
import { pino } from 'pino';
import { createAzureChannel } from '../../../src/channels/azure/index.js';
import { createHttpServer } from '../../../src/http/server.js';
import type { Config } from '../../../src/config.js';

const logger = pino({ level: 'silent' });

class EchoBot extends ActivityHandler {
  turns = 0;
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      this.turns++;
      await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
      await next();
    });
  }
}

/** A stand-in for the Bot Connector service that records the replies a bot posts to its serviceUrl. */
async function startConnector(): Promise<{
  url: string;
  replies: { path: string; body: unknown }[];
  stop(): Promise<void>;
}> {
  const replies: { path: string; body: unknown }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      replies.push({
        path: req.url ?? '',
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `reply-${replies.length}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    replies,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function startApi(botFramework: Config['botFramework'], bot: ActivityHandler) {
  const server = createHttpServer(logger);
  createAzureChannel({ botFramework, bot, logger }).register(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/messages`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function message(serviceUrl: string, text: string) {
  return {
    type: 'message',
    id: 'incoming-1',
    channelId: 'emulator',
    serviceUrl,
    text,
    from: { id: 'user-1', name: 'User' },
    recipient: { id: 'bot', name: 'Bot' },
    conversation: { id: 'conv-1' },
  };
}

async function post(url: string, body: string, authorization?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body,
  });
  return { status: response.status, body: await response.text() };
}

describe('POST /api/messages', () => {
  let connector: Awaited<ReturnType<typeof startConnector>>;
  before(async () => {
    connector = await startConnector();
  });
  after(async () => {
    await connector.stop();
  });

  test('with credentials configured, a request without a valid Bot Framework token is rejected 401', async () => {
    const bot = new EchoBot();
    const api = await startApi(
      { appId: '00000000-0000-0000-0000-000000000001', appPassword: 'not-used', appType: 'MultiTenant' },
      bot,
    );
    try {
      const body = JSON.stringify(message(connector.url, 'hi'));
      const anonymous = await post(api.url, body);
      assert.equal(anonymous.status, 401);
      assert.equal((JSON.parse(anonymous.body) as { error: { code: string } }).error.code, 'unauthorized');
      const garbage = await post(api.url, body, 'Bearer not.a.jwt');
      assert.equal(garbage.status, 401);
      assert.equal(bot.turns, 0);
      assert.equal(connector.replies.length, 0);
    } finally {
      await api.stop();
    }
  });

  test('without credentials unsigned local traffic is served and the reply goes to its serviceUrl', async () => {
    const bot = new EchoBot();
    const api = await startApi(null, bot);
    try {
      const accepted = await post(api.url, JSON.stringify(message(connector.url, 'hello')));
      assert.equal(accepted.status, 200);
      assert.equal(bot.turns, 1);
      const reply = connector.replies.at(-1);
      assert.equal(reply?.path, '/v3/conversations/conv-1/activities/incoming-1');
      assert.equal((reply?.body as { text?: string }).text, 'echo: hello');

      const elsewhere = await post(api.url, JSON.stringify(message('https://attacker.example', 'hello')));
      assert.equal(elsewhere.status, 401, 'unsigned replies only ever go to this machine');
      assert.equal(connector.replies.length, 1);

      assert.equal((await post(api.url, '{"type": "mess')).status, 400);
      assert.equal((await post(api.url, JSON.stringify({ text: 'no type' }))).status, 400);
      assert.equal(bot.turns, 1);
    } finally {
      await api.stop();
    }
  });
});

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ActivityHandler } from 'botbuilder';
import { pino } from 'pino';
import { channelSourceOf } from '../../../src/bot/channel-source.js';
import {
  createAzureChannel,
  type ServiceClientCredentialsFactory,
} from '../../../src/channels/azure/index.js';
import { isLoopbackAddress, isLoopbackUrl } from '../../../src/channels/azure/loopback.js';
import type { Config } from '../../../src/config.js';
import { createHttpServer } from '../../../src/http/server.js';
import { newAppId, startFakeBotFramework, type FakeBotFramework } from '../../fakes/bot-framework.js';

const logger = pino({ level: 'silent' });

class EchoBot extends ActivityHandler {
  turns = 0;
  sources: string[] = [];
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      this.turns++;
      this.sources.push(channelSourceOf(context));
      await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
      await next();
    });
  }
}

async function startApi(options: {
  botFramework: Config['botFramework'];
  allowBotEmulator?: boolean;
  credentialsFactory?: ServiceClientCredentialsFactory;
  bot: ActivityHandler;
}) {
  const server = createHttpServer(logger);
  createAzureChannel({ allowBotEmulator: false, logger, ...options }).register(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/messages`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function message(serviceUrl: string | undefined, text: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'message',
    id: 'incoming-1',
    channelId: 'msteams',
    ...(serviceUrl === undefined ? {} : { serviceUrl }),
    text,
    from: { id: 'user-1', name: 'User' },
    recipient: { id: 'bot', name: 'Bot' },
    conversation: { id: 'conv-1' },
    ...extra,
  };
}

async function post(url: string, body: unknown, authorization?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

function errorCode(response: { json(): Record<string, unknown> }): unknown {
  return (response.json().error as { code?: unknown } | undefined)?.code;
}

describe('POST /api/messages', () => {
  const appPassword = 'stand-in-app-password';
  let appId: string;
  let fake: FakeBotFramework;
  before(async () => {
    appId = newAppId();
    fake = await startFakeBotFramework({ appId, appPassword });
  });
  after(async () => {
    await fake.stop();
  });

  describe('without credentials', () => {
    test('refuses every request, even from this machine, unless the Emulator is allowed', async () => {
      const bot = new EchoBot();
      const api = await startApi({ botFramework: null, bot });
      try {
        const refused = await post(api.url, message(fake.url, 'hello'));
        assert.equal(refused.status, 401);
        assert.equal(errorCode(refused), 'unauthorized');
        assert.match(String((refused.json().error as { message: string }).message), /BOT_EMULATOR=allow/);
        const expecting = await post(api.url, message(fake.url, 'hello', { deliveryMode: 'expectReplies' }));
        assert.equal(expecting.status, 401);
        assert.doesNotMatch(expecting.text, /echo/);
        assert.equal(bot.turns, 0);
        assert.equal(fake.replies.length, 0);
      } finally {
        await api.stop();
      }
    });

    test('with BOT_EMULATOR=allow, serves a loopback caller and replies to a loopback serviceUrl only', async () => {
      const bot = new EchoBot();
      const api = await startApi({ botFramework: null, allowBotEmulator: true, bot });
      const before = fake.replies.length;
      try {
        const accepted = await post(api.url, message(fake.url, 'hello', { channelId: 'emulator' }));
        assert.equal(accepted.status, 200);
        assert.equal(bot.turns, 1);
        assert.deepEqual(bot.sources, ['azure']);
        const reply = fake.replies.at(-1);
        assert.equal(reply?.path, '/v3/conversations/conv-1/activities/incoming-1');
        assert.equal(reply?.body.text, 'echo: hello');

        for (const elsewhere of [
          'https://attacker.example',
          'http://10.0.0.5:8080',
          'http://127.0.0.1.nip.io',
        ]) {
          const refused = await post(api.url, message(elsewhere, 'hello'));
          assert.equal(refused.status, 401, elsewhere);
        }
        assert.equal((await post(api.url, message(undefined, 'hello'))).status, 401);
        assert.equal(fake.replies.length, before + 1);

        assert.equal((await post(api.url, '{"type": "mess')).status, 400);
        assert.equal((await post(api.url, { text: 'no type' })).status, 400);
        assert.equal(bot.turns, 1);
      } finally {
        await api.stop();
      }
    });

    test('"this machine" is the socket peer or a loopback literal, never a name that resolves', () => {
      for (const address of ['127.0.0.1', '127.8.9.10', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
        assert.equal(isLoopbackAddress(address), true, address);
      }
      for (const address of ['10.0.0.1', '::ffff:10.0.0.1', '::2', 'fe80::1', '', undefined, 'localhost']) {
        assert.equal(isLoopbackAddress(address), false, String(address));
      }
      for (const url of ['http://127.0.0.1:3978/', 'https://localhost/x', 'http://[::1]:80/']) {
        assert.equal(isLoopbackUrl(url), true, url);
      }
      for (const url of [
        'http://127.0.0.1.nip.io/',
        'http://localhost.example/',
        'file:///etc',
        'ftp://127.0.0.1/',
        'nope',
      ]) {
        assert.equal(isLoopbackUrl(url), false, url);
      }
    });
  });

  describe('with credentials (Bot Framework authentication against the stand-in issuer)', () => {
    let bot: EchoBot;
    let api: Awaited<ReturnType<typeof startApi>>;
    before(async () => {
      bot = new EchoBot();
      api = await startApi({
        botFramework: { appId, appPassword, appType: 'MultiTenant', cloud: fake.cloud },
        // Emulator mode is for credential-less setups only: allowing it changes nothing here.
        allowBotEmulator: true,
        credentialsFactory: fake.credentialsFactory(appId, appPassword),
        bot,
      });
    });
    after(async () => {
      await api.stop();
    });

    test('a request without a token, or with a bad, forged, expired or misdirected one, is refused 401', async () => {
      const turns = bot.turns;
      const replies = fake.replies.length;
      const body = message(fake.url, 'hi');
      const refusals = {
        none: undefined,
        garbage: 'Bearer not.a.jwt',
        forged: `Bearer ${await fake.forgedToken({ audience: appId, serviceUrl: fake.url })}`,
        expired: `Bearer ${await fake.channelToken({ audience: appId, serviceUrl: fake.url, expiresIn: -3600 })}`,
        wrongAudience: `Bearer ${await fake.channelToken({ audience: newAppId(), serviceUrl: fake.url })}`,
        wrongIssuer: `Bearer ${await fake.channelToken({ audience: appId, serviceUrl: fake.url, issuer: 'https://issuer.example' })}`,
      };
      for (const [name, authorization] of Object.entries(refusals)) {
        const response = await post(api.url, body, authorization);
        assert.equal(response.status, 401, name);
        assert.equal(errorCode(response), 'unauthorized', name);
      }
      assert.equal(bot.turns, turns);
      assert.equal(fake.replies.length, replies);
    });

    test('a valid token for another serviceUrl is refused and nothing is posted anywhere', async () => {
      const turns = bot.turns;
      const replies = fake.replies.length;
      const token = await fake.channelToken({ audience: appId, serviceUrl: fake.url });
      const redirected = await post(api.url, message('http://127.0.0.1:9/internal', 'hi'), `Bearer ${token}`);
      assert.ok(redirected.status === 401 || redirected.status === 403, String(redirected.status));
      const unnamed = await post(api.url, message(undefined, 'hi'), `Bearer ${token}`);
      assert.equal(unnamed.status, 403);
      assert.equal(errorCode(unnamed), 'forbidden');
      assert.equal(bot.turns, turns);
      assert.equal(fake.replies.length, replies);
    });

    test("a valid token runs the bot, and the reply reaches the connector with the bot's bearer token", async () => {
      const token = await fake.channelToken({ audience: appId, serviceUrl: fake.url });
      const accepted = await post(api.url, message(fake.url, 'hello'), `Bearer ${token}`);
      assert.equal(accepted.status, 200);
      assert.equal(bot.sources.at(-1), 'azure');
      const reply = fake.replies.at(-1);
      assert.equal(reply?.path, '/v3/conversations/conv-1/activities/incoming-1');
      assert.equal(reply?.body.text, 'echo: hello');
      assert.notEqual(reply?.authorization, `Bearer ${token}`, 'the bot signs with its own token');
      assert.equal(await fake.isBotToken(reply?.authorization, appId), true);
    });

    test('expectReplies answers an authenticated caller in the response', async () => {
      const replies = fake.replies.length;
      const token = await fake.channelToken({ audience: appId, serviceUrl: fake.url });
      const response = await post(
        api.url,
        message(fake.url, 'inline', { deliveryMode: 'expectReplies' }),
        `Bearer ${token}`,
      );
      assert.equal(response.status, 200);
      const activities = response.json().activities as { text?: string }[];
      assert.deepEqual(
        activities.map((activity) => activity.text),
        ['echo: inline'],
      );
      assert.equal(fake.replies.length, replies, 'expected replies are not posted to the connector');
    });
  });
});

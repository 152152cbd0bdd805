import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createApp, type App } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded-mongo/index.js';
import { startDemoApp, type RunningApp } from '../support/app.js';
import { tinyPng } from '../support/samples.js';
import { suiteTempDir } from '../support/temp-dir.js';
import { verifyAsDemoCustomer } from '../support/conversation.js';

const inDir = suiteTempDir('insuralink-serving-');

interface Token {
  token: string;
  conversationId: string;
}

async function token(base: string): Promise<Token> {
  const response = await fetch(`${base}/api/chat/token`, { method: 'POST' });
  assert.equal(response.status, 200);
  return (await response.json()) as Token;
}

/** `POST /v3/directline/conversations` over node:http, which (unlike fetch) sends any Host header. */
function startConversation(base: string, bearer: string, host?: string): Promise<{ streamUrl: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}/v3/directline/conversations`,
      { method: 'POST', headers: { authorization: `Bearer ${bearer}`, ...(host ? { host } : {}) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          try {
            assert.ok(res.statusCode === 201 || res.statusCode === 200, `answered ${res.statusCode}`);
            resolve(JSON.parse(body) as { streamUrl: string });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the token endpoint with WIDGET_ALLOWED_ORIGINS', () => {
  let app: RunningApp;
  before(async () => {
    app = await startDemoApp({ WIDGET_ALLOWED_ORIGINS: 'https://www.example.com,https://agency.example/' });
  });
  after(() => app.stop());

  const ask = (
    origin: string | undefined,
    method = 'POST',
    headers: Record<string, string> = {},
    base = app.url,
  ) => fetch(`${base}/api/chat/token`, { method, headers: { ...(origin ? { origin } : {}), ...headers } });

  test('a listed website gets a token it may read', async () => {
    for (const origin of ['https://www.example.com', 'https://agency.example']) {
      const response = await ask(origin);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('access-control-allow-origin'), origin);
      assert.match(response.headers.get('vary') ?? '', /origin/i);
      assert.ok(((await response.json()) as Token).token);
    }
  });

  test('any other website gets no token and no CORS headers', async () => {
    const response = await ask('https://evil.example');
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    const body = (await response.json()) as { error: { code: string }; token?: string };
    assert.equal(body.error.code, 'origin_not_allowed');
    assert.equal(body.token, undefined);
    // A listed host on another scheme or port is another origin.
    assert.equal((await ask('http://www.example.com')).status, 403);
    assert.equal((await ask('https://www.example.com:8443')).status, 403);
  });

  test('preflight: allowed for a listed website, refused for others', async () => {
    const preflight = {
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    };
    const allowed = await ask('https://www.example.com', 'OPTIONS', preflight);
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://www.example.com');
    assert.match(allowed.headers.get('access-control-allow-methods') ?? '', /POST/);
    const refused = await ask('https://evil.example', 'OPTIONS', preflight);
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
  });

  test("the app's own page and clients that are not browsers (no Origin) get tokens", async () => {
    assert.equal((await ask(new URL(app.url).origin)).status, 200);
    // The same page reached under another name: the browser's Origin and Host agree.
    const byAddress = app.url.replace('localhost', '127.0.0.1');
    assert.equal((await ask(byAddress, 'POST', {}, byAddress)).status, 200);
    assert.equal((await ask(undefined)).status, 200);
  });
});

describe('the token endpoint without WIDGET_ALLOWED_ORIGINS', () => {
  let app: RunningApp;
  before(async () => {
    app = await startDemoApp();
  });
  after(() => app.stop());

  test('any website may embed the widget', async () => {
    const response = await fetch(`${app.url}/api/chat/token`, {
      method: 'POST',
      headers: { origin: 'https://anyone.example' },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
  });

  test('stream URLs name the listening address, whatever Host the request gave', async () => {
    const { token: bearer } = await token(app.url);
    const { streamUrl } = await startConversation(app.url, bearer, 'evil.example:666');
    const port = new URL(app.url).port;
    assert.ok(
      streamUrl.startsWith(`ws://localhost:${port}/v3/directline/conversations/`),
      `stream URL ${streamUrl}`,
    );
  });

  test('security headers on every response, a Content Security Policy on the page', async () => {
    for (const path of ['/', '/widget.js', '/healthz', '/no/such/page']) {
      const response = await fetch(`${app.url}${path}`);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(response.headers.get('referrer-policy'), 'strict-origin-when-cross-origin', path);
    }
    const page = await fetch(`${app.url}/`);
    const policy = page.headers.get('content-security-policy') ?? '';
    assert.match(policy, /frame-ancestors 'none'/);
    assert.match(policy, /script-src 'self'(;|$)/);
    assert.match(policy, new RegExp(`connect-src 'self' ws://localhost:${new URL(app.url).port} blob:(;|$)`));
    // Sending a file: the Direct Line client reads the picked file from its blob: URL, and Web Chat
    // previews photos in a worker started from one.
    assert.match(policy, /worker-src 'self' blob:(;|$)/);
    assert.equal((await fetch(`${app.url}/widget.js`)).headers.get('content-security-policy'), null);
  });

  test('a file download is never cached', async () => {
    const { token: bearer, conversationId } = await token(app.url);
    const headers = { authorization: `Bearer ${bearer}` };
    await startConversation(app.url, bearer);
    await verifyAsDemoCustomer(app.url, conversationId, bearer);
    const form = new FormData();
    form.append('file', new Blob([tinyPng], { type: 'image/png' }), 'damage.png');
    const conversation = `${app.url}/v3/directline/conversations/${conversationId}`;
    const uploaded = await fetch(`${conversation}/upload`, { method: 'POST', headers, body: form });
    assert.equal(uploaded.status, 200);
    const history = (await (await fetch(`${conversation}/activities`, { headers })).json()) as {
      activities: { attachments?: { contentUrl: string }[] }[];
    };
    const link = history.activities.flatMap((activity) => activity.attachments ?? [])[0]?.contentUrl;
    assert.ok(link, 'the upload became an attachment with a link');
    const download = await fetch(link);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('cache-control'), 'no-store');
    assert.equal(download.headers.get('x-content-type-options'), 'nosniff');
  });

  test('the embedded database gets the demo data, and the page names the demo customer', async () => {
    const html = await (await fetch(`${app.url}/`)).text();
    assert.match(html, /AUT-100200/);
  });
});

describe('behind PUBLIC_BASE_URL', () => {
  let app: App;
  let direct: string;
  before(async () => {
    app = createApp(
      loadConfig({
        PORT: '0',
        LOG_LEVEL: 'silent',
        DATA_DIR: inDir('public'),
        PUBLIC_BASE_URL: 'https://bot.example.com/',
      }),
      { inMemoryDatabase: true, shutdownGraceMs: 1000 },
    );
    assert.equal(await app.start(), 'https://bot.example.com');
    direct = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(() => app.stop());

  test('stream URLs are wss:// on the public host, whatever Host the request gave', async () => {
    const { token: bearer } = await token(direct);
    for (const host of [undefined, 'evil.example']) {
      const { streamUrl } = await startConversation(direct, bearer, host);
      assert.ok(streamUrl.startsWith('wss://bot.example.com/v3/directline/conversations/'), streamUrl);
    }
  });

  test("the page's policy lets it reach the public stream host", async () => {
    const policy = (await fetch(`${direct}/`)).headers.get('content-security-policy') ?? '';
    assert.match(policy, /connect-src 'self' wss:\/\/bot\.example\.com blob:(;|$)/);
  });
});

describe('demo data with a real MongoDB', () => {
  let mongo: EmbeddedMongo;
  before(async () => {
    mongo = await startEmbeddedMongo();
  });
  after(() => mongo.stop());

  async function withApp(env: NodeJS.ProcessEnv, check: (app: App, base: string) => Promise<void>) {
    const app = createApp(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ...env }), { shutdownGraceMs: 1000 });
    try {
      await check(app, await app.start());
    } finally {
      await app.stop();
    }
  }

  const customers = (app: App) => app.database.connection.db!.collection('customers').countDocuments();

  test('an empty database stays empty, and the page names no demo customer', async () => {
    await withApp({ MONGODB_URI: `${mongo.uri}plain`, DATA_DIR: inDir('plain') }, async (app, base) => {
      assert.equal(await customers(app), 0);
      const html = await (await fetch(`${base}/`)).text();
      assert.doesNotMatch(html, /AUT-100200|1988-04-12|Demo customer/);
      assert.match(html, /Chat with us|widget\.js/);
    });
  });

  test('DEMO_DATA=true loads it there too', async () => {
    await withApp(
      { MONGODB_URI: `${mongo.uri}demo`, DATA_DIR: inDir('demo'), DEMO_DATA: 'true' },
      async (app, base) => {
        assert.equal(await customers(app), 20);
        assert.match(await (await fetch(`${base}/`)).text(), /AUT-100200/);
      },
    );
  });
});

describe('settings of the widget and the demo data', () => {
  const problems = (env: NodeJS.ProcessEnv) => {
    try {
      loadConfig(env);
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems.join('\n');
    }
    assert.fail('expected a ConfigError');
  };

  test('origins are listed with commas; unset or * means any', () => {
    assert.deepEqual(
      loadConfig({ WIDGET_ALLOWED_ORIGINS: ' https://a.example, http://localhost:8080/ ' })
        .widgetAllowedOrigins,
      ['https://a.example', 'http://localhost:8080'],
    );
    assert.equal(loadConfig({}).widgetAllowedOrigins, undefined);
    assert.equal(loadConfig({ WIDGET_ALLOWED_ORIGINS: '*' }).widgetAllowedOrigins, undefined);
    assert.match(problems({ WIDGET_ALLOWED_ORIGINS: 'https://a.example/shop' }), /WIDGET_ALLOWED_ORIGINS/);
    assert.match(problems({ WIDGET_ALLOWED_ORIGINS: 'a.example' }), /WIDGET_ALLOWED_ORIGINS/);
    assert.match(problems({ WIDGET_ALLOWED_ORIGINS: 'ftp://a.example' }), /WIDGET_ALLOWED_ORIGINS/);
  });

  test('demo data defaults to on with the embedded database only', () => {
    assert.equal(loadConfig({}).demoData, true);
    assert.equal(loadConfig({ MONGODB_URI: 'mongodb://db:27017/x' }).demoData, false);
    assert.equal(loadConfig({ MONGODB_URI: 'mongodb://db:27017/x', DEMO_DATA: 'true' }).demoData, true);
    assert.equal(loadConfig({ DEMO_DATA: 'false' }).demoData, false);
    assert.match(problems({ DEMO_DATA: 'yes' }), /DEMO_DATA: must be true or false/);
  });
});

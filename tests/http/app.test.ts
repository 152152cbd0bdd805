import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded-mongo/index.js';
import { suiteTempDir } from '../support/temp-dir.js';

const inDir = suiteTempDir('insuralink-app-');

describe('HTTP server', () => {
  let mongo: EmbeddedMongo;
  let app: App;
  let base: string;

  before(async () => {
    mongo = await startEmbeddedMongo();
    app = createApp(
      loadConfig({ PORT: '0', DATA_DIR: inDir('serving'), LOG_LEVEL: 'silent', MONGODB_URI: mongo.uri }),
    );
    app.server.get('/test/slow', async (_req, res) => {
      await delay(300);
      res.send(200, { finished: true });
    });
    base = await app.start();
  });

  after(() => mongo.stop());

  test('/healthz reports the database up', async () => {
    const response = await fetch(`${base}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok', database: 'up' });
    assert.ok(response.headers.get('x-request-id'));
  });

  test('start builds the indexes, the bot state retention TTL included', async () => {
    const db = app.database.connection.db;
    assert.ok(db);
    const botState = await db.collection('botstate').listIndexes().toArray();
    assert.ok(botState.some((index) => typeof index.expireAfterSeconds === 'number'));
    const policies = await db.collection('policies').listIndexes().toArray();
    assert.ok(policies.some((index) => index.key.number === 1 && index.unique === true));
  });

  test('an unknown route is a JSON 404 without internals', async () => {
    const response = await fetch(`${base}/no/such/thing`);
    assert.equal(response.status, 404);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'resource_not_found');
    assert.doesNotMatch(JSON.stringify(body), /at .*\.(ts|js):\d+/);
  });

  test('stop() lets a request in flight finish, then refuses new ones', async () => {
    const inFlight = fetch(`${base}/test/slow`);
    await delay(50);
    const stopped = app.stop();
    const response = await inFlight;
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { finished: true });
    await stopped;
    await assert.rejects(fetch(`${base}/healthz`));
  });
});

describe('health when the database is unreachable', () => {
  test('/healthz answers 503', async () => {
    const mongo = await startEmbeddedMongo();
    const app = createApp(
      loadConfig({ PORT: '0', DATA_DIR: inDir('unreachable'), LOG_LEVEL: 'silent', MONGODB_URI: mongo.uri }),
    );
    const base = await app.start();
    try {
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      await mongo.stop();
      const response = await fetch(`${base}/healthz`);
      assert.equal(response.status, 503);
      assert.deepEqual(await response.json(), { status: 'unavailable', database: 'down' });
    } finally {
      await app.stop();
    }
  });
});

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { Server } from 'restify';
import { clientAddress, createMongoLimiter, rateLimit } from '../../src/http/rate-limit.js';
import { createHttpServer } from '../../src/http/server.js';
import { registerWebRoutes } from '../../src/web/routes.js';
import { startTestDatabase, type TestDatabase } from '../support/db.js';

describe('rate limits', () => {
  let db: TestDatabase;
  let server: Server;
  let url = '';

  before(async () => {
    db = await startTestDatabase();
    const limiter = await createMongoLimiter(db.connection.db!, 'test', { points: 3, durationSeconds: 60 });
    server = createHttpServer(pino({ level: 'silent' }));
    // The client is named by a header here, so one test can play several clients from one address.
    const limit = rateLimit(limiter, (req) => String(req.headers['x-client']), 'test requests');
    server.get('/limited', limit, async (_req, res) => {
      res.send(200, { ok: true });
    });
    const tokens = await createMongoLimiter(db.connection.db!, 'tokens', { points: 1, durationSeconds: 60 });
    registerWebRoutes(server, {
      issueConversationToken: () => Promise.resolve({ conversationId: 'c', token: 't', expires_in: 60 }),
      limitTokens: rateLimit(tokens, clientAddress, 'new conversations from this address'),
      baseUrl: () => url,
      allowedOrigins: undefined,
      showDemoHint: false,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db.stop();
  });

  const get = (client: string) => fetch(`${url}/limited`, { headers: { 'x-client': client } });

  test('past the limit a client gets 429 with Retry-After and a JSON error; others go on', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await get('a')).status, 200);
    const refused = await get('a');
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'rate_limited');
    assert.match(body.error.message, /Too many test requests; try again in \d+ s\./);
    assert.equal((await get('a')).status, 429, 'still refused (from memory)');
    assert.equal((await get('b')).status, 200, 'another client is not affected');
  });

  test('the count is kept in the database, so limiters in other processes share it', async () => {
    const mongo = db.connection.db!;
    const one = await createMongoLimiter(mongo, 'shared', { points: 2, durationSeconds: 60 });
    const other = await createMongoLimiter(mongo, 'shared', { points: 2, durationSeconds: 60 });
    await one.consume('c');
    await other.consume('c');
    await assert.rejects(one.consume('c'));
    await assert.rejects(other.consume('c'));
    // The third request was counted; the fourth was refused from memory, without a database round trip.
    const stored = await mongo.collection('rate_limits').findOne({ key: 'shared:c' });
    assert.equal(stored?.points, 3);
  });

  test('a large limit is charged to the database in batches, and still holds across processes', async () => {
    const mongo = db.connection.db!;
    // 24 a minute: each process adds to the shared count six at a time.
    const one = await createMongoLimiter(mongo, 'batched', { points: 24, durationSeconds: 60 });
    const other = await createMongoLimiter(mongo, 'batched', { points: 24, durationSeconds: 60 });
    const shared = () => mongo.collection('rate_limits').findOne({ key: 'batched:e' });
    for (let i = 0; i < 12; i++) await one.consume('e');
    for (let i = 0; i < 12; i++) await other.consume('e');
    assert.equal((await shared())?.points, 24);
    // The rest of a batch is only counted in this process.
    for (let i = 0; i < 5; i++) await one.consume('e');
    await assert.rejects(one.consume('e'), 'the batch takes the shared count past the limit');
    await assert.rejects(one.consume('e'), 'and this process now refuses the key');
    assert.equal((await shared())?.points, 30);

    const alone = await createMongoLimiter(mongo, 'batched-alone', { points: 24, durationSeconds: 60 });
    for (let i = 0; i < 24; i++) await alone.consume('f');
    await assert.rejects(alone.consume('f'), 'one process alone gets exactly the limit');
  });

  test('a window that has ended starts afresh even before its document expires', async () => {
    const limiter = await createMongoLimiter(db.connection.db!, 'short', { points: 1, durationSeconds: 1 });
    await limiter.consume('d');
    await assert.rejects(limiter.consume('d'));
    await sleep(1100);
    await limiter.consume('d');
    const stored = await db.connection.db!.collection('rate_limits').findOne({ key: 'short:d' });
    assert.equal(stored?.points, 1);
  });

  test("the widget's token endpoint is limited per address", async () => {
    assert.equal((await fetch(`${url}/api/chat/token`, { method: 'POST' })).status, 200);
    const refused = await fetch(`${url}/api/chat/token`, { method: 'POST' });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  });
});

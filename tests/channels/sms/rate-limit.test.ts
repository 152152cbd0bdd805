import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { pino } from 'pino';
import type { Server } from 'restify';
import { createSmsChannel, smsInboundPath, type SmsChannel } from '../../../src/channels/sms/index.js';
import { twilioSignature, type SmsClient } from '../../../src/channels/sms/twilio-client.js';
import { createHttpServer } from '../../../src/http/server.js';
import { startTestDatabase, type TestDatabase } from '../../support/db.js';

const authToken = randomBytes(16).toString('hex');
const accountSid = `AC${randomBytes(16).toString('hex')}`;
let db: TestDatabase;
let server: Server;
let channel: SmsChannel;
let url = '';
/** Messages the bot ran for, by text. */
const turns: string[] = [];
const deleted: string[] = [];
/** Consent changes recorded, by source. */
const recorded: string[] = [];

before(async () => {
  db = await startTestDatabase();
  const client: SmsClient = {
    send: async () => ({ sid: `SM${randomBytes(16).toString('hex')}`, status: 'queued' }),
    fetchMedia: () => Promise.reject(new Error('not fetched')),
    deleteMedia: async (mediaUrl) => {
      deleted.push(mediaUrl);
    },
  };
  channel = await createSmsChannel({
    connection: db.connection,
    bot: {
      run: async (context) => {
        turns.push(context.activity.text ?? '');
      },
    },
    client,
    authToken,
    baseUrl: () => url,
    consent: {
      record: async (input) => {
        recorded.push(input.source);
        return 'opted_out';
      },
      smsStatus: async () => 'unknown',
      smsReading: async () => ({ state: 'unknown', at: new Date(0) }),
      addMirror: () => undefined,
    },
    customers: { findByPhone: async () => null },
    files: {
      save: () => Promise.reject(new Error('no files here')),
      usage: async () => ({ files: 0, bytes: 0 }),
      signedUrl: () => '',
      fileIdOf: () => undefined,
      find: async () => undefined,
    },
    claims: {
      listForCustomer: async () => [],
      addDocuments: () => Promise.reject(new Error('no claims here')),
    },
    uploadLinks: { url: () => '' },
    models: db.models,
    hashKey: randomBytes(32),
    limits: {
      requestsPerAddress: { points: 8, durationSeconds: 60 },
      messagesPerNumber: { points: 3, durationSeconds: 60 },
    },
    logger: pino({ level: process.env.TEST_LOG ?? 'silent' }),
  });
  server = createHttpServer(pino({ level: 'silent' }));
  channel.register(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await channel.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await db.stop();
});

let sequence = 0;
async function text(from: string, body: string, media = 0) {
  const params: Record<string, string> = {
    MessageSid: `SM${String(++sequence).padStart(32, '0')}`,
    AccountSid: accountSid,
    From: from,
    To: '+15555550100',
    Body: body,
    NumMedia: String(media),
  };
  for (let index = 0; index < media; index++) {
    params[`MediaUrl${index}`] = `${url}/media/${sequence}/${index}`;
  }
  const response = await fetch(url + smsInboundPath, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(authToken, url + smsInboundPath, params),
    },
    body: new URLSearchParams(params),
  });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

describe('SMS webhook rate limits', () => {
  test('a number over its limit still gets empty TwiML, but the bot does not run and media are deleted', async () => {
    const from = '+15555550123';
    for (const body of ['one', 'two', 'three']) assert.equal((await text(from, body)).status, 200);
    const over = await text(from, 'four', 1);
    assert.equal(over.status, 200);
    assert.match(over.type ?? '', /text\/xml/);
    assert.match(over.body, /<Response><\/Response>/);
    await channel.close();
    await delay(50);
    assert.deepEqual(turns, ['one', 'two', 'three']);
    assert.equal(deleted.length, 1, 'the media of the dropped message are deleted from Twilio');
    // A STOP from the same number is still honoured.
    assert.equal((await text(from, 'STOP')).status, 200);
    await channel.close();
    assert.deepEqual(recorded, ['keyword:STOP']);
    // Another number is not affected.
    assert.equal((await text('+15555550124', 'hello')).status, 200);
    await channel.close();
    assert.equal(turns.at(-1), 'hello');
  });

  test('an address over its limit gets 429 with Retry-After, before the signature is even read', async () => {
    // Six requests so far from this address; two more reach the limit of eight.
    for (let n = 0; n < 2; n++) assert.equal((await text(`+1555555020${n}`, 'hi')).status, 200);
    const refused = await fetch(url + smsInboundPath, { method: 'POST' });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const signed = await text('+15555550210', 'hi');
    assert.equal(signed.status, 429);
  });
});

/** The Twilio client's REST calls: what it posts, what it reads from the answers, and how it fails. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createTwilioClient, TwilioApiError } from '../../../src/channels/sms/twilio-client.js';

const accountSid = `AC${'1'.repeat(32)}`;
const authToken = 'a'.repeat(32);
const messageSid = `MM${'2'.repeat(32)}`;
const mediaSid = `ME${'3'.repeat(32)}`;

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  type: string | undefined;
  form: Record<string, string>;
}

describe('Twilio client', () => {
  let server: Server;
  let base = '';
  const seen: Seen[] = [];
  let answer: (res: ServerResponse) => void = () => undefined;

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          authorization: req.headers.authorization,
          type: req.headers['content-type'],
          form: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))),
        });
        answer(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/twilio`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const json = (status: number, body: unknown) => (res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const client = (sender: { fromNumber: string } | { messagingServiceSid: string }) =>
    createTwilioClient({ accountSid, authToken, ...sender, apiBaseUrl: () => base });

  test('a message is a form post on the account with Basic auth; the answer gives its sid and status', async () => {
    seen.length = 0;
    answer = json(201, { sid: `SM${'4'.repeat(32)}`, status: 'queued', to: '+15555550123' });
    const sent = await client({ fromNumber: '+15555550100' }).send({
      to: '+15555550123',
      body: 'Your claim was approved & paid.',
      statusCallback: 'https://insuralink.example/api/sms/status?key=a%2Fb',
    });
    assert.deepEqual(sent, { sid: `SM${'4'.repeat(32)}`, status: 'queued' });
    const [request] = seen;
    assert.equal(request?.method, 'POST');
    assert.equal(request?.url, `/twilio/2010-04-01/Accounts/${accountSid}/Messages.json`);
    assert.equal(
      request?.authorization,
      `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
    );
    assert.equal(request?.type, 'application/x-www-form-urlencoded');
    assert.deepEqual(request?.form, {
      To: '+15555550123',
      From: '+15555550100',
      Body: 'Your claim was approved & paid.',
      StatusCallback: 'https://insuralink.example/api/sms/status?key=a%2Fb',
    });
  });

  test('a base URL with a trailing slash is the same API', async () => {
    seen.length = 0;
    answer = json(201, { sid: `SM${'7'.repeat(32)}`, status: 'queued' });
    const slashed = createTwilioClient({
      accountSid,
      authToken,
      fromNumber: '+15555550100',
      apiBaseUrl: () => `${base}/`,
    });
    await slashed.send({ to: '+15555550123', body: 'Hi', statusCallback: 'https://x.example/s' });
    assert.equal(seen[0]?.url, `/twilio/2010-04-01/Accounts/${accountSid}/Messages.json`);
  });

  test('with a messaging service, the service sends instead of a number', async () => {
    seen.length = 0;
    answer = json(201, { sid: `SM${'5'.repeat(32)}`, status: 'accepted' });
    const service = `MG${'6'.repeat(32)}`;
    const sent = await client({ messagingServiceSid: service }).send({
      to: '+15555550123',
      body: 'Hi',
      statusCallback: 'https://insuralink.example/api/sms/status',
    });
    assert.equal(sent.status, 'accepted');
    assert.equal(seen[0]?.form.MessagingServiceSid, service);
    assert.equal(seen[0]?.form.From, undefined);
  });

  test("Twilio's refusal keeps its code (21610: opted out); any other failure has none", async () => {
    const send = () =>
      client({ fromNumber: '+15555550100' }).send({
        to: '+15555550123',
        body: 'Hi',
        statusCallback: 'https://insuralink.example/api/sms/status',
      });
    answer = json(400, { code: 21610, message: 'Attempt to send to unsubscribed recipient', status: 400 });
    await assert.rejects(send, (error: unknown) => {
      assert.ok(error instanceof TwilioApiError);
      assert.equal(error.code, 21610);
      assert.match(error.message, /unsubscribed/);
      return true;
    });
    answer = (res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<h1>Bad gateway</h1>');
    };
    await assert.rejects(
      send,
      (error: unknown) => error instanceof TwilioApiError && error.code === undefined,
    );
    // Accepted, but not an answer Twilio gives: no sid to record receipts under.
    answer = json(201, { status: 'queued' });
    await assert.rejects(send, TwilioApiError);
  });

  test('an unreachable API is a send error, not a crash', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = createTwilioClient({
      accountSid,
      authToken,
      fromNumber: '+15555550100',
      apiBaseUrl: () => `http://127.0.0.1:${port}`,
    });
    await assert.rejects(
      unreachable.send({ to: '+15555550123', body: 'Hi', statusCallback: 'https://x.example/s' }),
      (error: unknown) => error instanceof TwilioApiError && error.code === undefined,
    );
  });

  test('media is deleted by its resource on the account; a URL elsewhere is never called', async () => {
    seen.length = 0;
    answer = (res) => {
      res.writeHead(204);
      res.end();
    };
    const twilio = client({ fromNumber: '+15555550100' });
    await twilio.deleteMedia(
      `${base}/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}/Media/${mediaSid}`,
    );
    assert.deepEqual(
      seen.map((request) => [request.method, request.url]),
      [['DELETE', `/twilio/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}/Media/${mediaSid}.json`]],
    );
    const otherAccount = `AC${'9'.repeat(32)}`;
    for (const url of [
      `${base}/2010-04-01/Accounts/${otherAccount}/Messages/${messageSid}/Media/${mediaSid}`,
      `http://169.254.169.254/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}/Media/${mediaSid}`,
      `${base}/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}/Media/${mediaSid}/../../x`,
    ]) {
      await assert.rejects(twilio.deleteMedia(url), /not one of this account/);
      await assert.rejects(twilio.fetchMedia(url, 1000), /not one of this account/);
    }
    assert.equal(seen.length, 1);
  });
});

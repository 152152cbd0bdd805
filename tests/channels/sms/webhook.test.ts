import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Types } from 'mongoose';
import { optInKeywords, optOutKeywords } from '../../../src/channels/sms/consent-keywords.js';
import { twilioSignature } from '../../../src/channels/sms/twilio-client.js';
import { nextSendableAt } from '../../../src/notifications/sms-pacing.js';
import { pause, Phone, startSmsApp, type SmsApp } from './support.js';

let running: SmsApp;
const inboundPath = '/api/sms/inbound';

before(async () => {
  running = await startSmsApp({ LOG_LEVEL: process.env.TEST_LOG ?? 'silent' });
});
after(async () => {
  await running.stop();
});

/** A webhook body as Twilio posts it, from `from`. */
function webhook(from: string, body: string, messageSid = `SM${new Types.ObjectId().toString()}00000000`) {
  return {
    AccountSid: running.sandbox.accountSid,
    MessageSid: messageSid,
    From: from,
    To: running.sandbox.number,
    Body: body,
    NumMedia: '0',
  };
}

const collection = (name: string) => running.app.database.connection.collection(name);

/** A time zone where it is daytime now, so quiet hours hold back none of these tests' texts. */
const soon = new Date(Date.now() + 60_000);
const daytimeZone = ['UTC', 'Asia/Tokyo', 'America/New_York', 'Asia/Kolkata', 'America/Los_Angeles'].find(
  (zone) => nextSendableAt(soon, zone).getTime() === soon.getTime(),
);

async function customerId(phone: string): Promise<Types.ObjectId> {
  const customer = await running.app.domain.customers.findByPhone(phone);
  assert.ok(customer, `a demo customer has ${phone}`);
  const id = new Types.ObjectId(customer.id);
  await collection('customers').updateOne({ _id: id }, { $set: { timezone: daytimeZone } });
  return id;
}

/** Queues an outbox row for the customer's phone, due at `due`. */
async function queueSms(phone: string, template = 'verification.locked', due = new Date()) {
  const { insertedId } = await collection('notifications').insertOne({
    recipient: await customerId(phone),
    route: 'sms',
    template,
    payload: {},
    status: 'pending',
    attempts: 0,
    idempotencyKey: `test:${new Types.ObjectId().toString()}`,
    nextAttemptAt: due,
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  return insertedId;
}

async function rowWhen(id: Types.ObjectId, done: (row: Record<string, unknown>) => boolean) {
  for (let tries = 0; tries < 100; tries++) {
    const row = await collection('notifications').findOne({ _id: id });
    if (row && done(row)) return row;
    await pause(100);
  }
  assert.fail('the notification did not reach the awaited state');
}

describe('the SMS webhook signature', () => {
  test('a request signed as Twilio signs, on the public URL, is answered with empty TwiML', async () => {
    const phone = new Phone(running.sandbox, '+15555550301');
    const params = webhook(phone.number, 'hello');
    const response = await fetch(running.url + inboundPath, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(running.sandbox.authToken, running.url + inboundPath, params),
      },
      body: new URLSearchParams(params),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/xml/);
    const twiml = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
    assert.equal(response.headers.get('content-length'), String(twiml.length));
    assert.equal(await response.text(), twiml);
    const replies = await phone.repliesAfter(0);
    assert.match(replies[0]!, /InsuraLink assistant/);
  });

  test('missing → 400, wrong → 403, signed on another URL → 403; none reaches the bot', async () => {
    const number = '+15555550302';
    const cases: [string | undefined, number][] = [
      [undefined, 400],
      ['bm90IGEgc2lnbmF0dXJl', 403],
      [
        twilioSignature(
          'another token',
          running.url + inboundPath,
          webhook(number, 'hi', 'SM' + 'a'.repeat(32)),
        ),
        403,
      ],
      [
        twilioSignature(
          running.sandbox.authToken,
          'https://elsewhere.example.com/api/sms/inbound',
          webhook(number, 'hi', 'SM' + 'a'.repeat(32)),
        ),
        403,
      ],
    ];
    for (const [signature, status] of cases) {
      const params = webhook(number, 'hi', 'SM' + 'a'.repeat(32));
      const response = await fetch(running.url + inboundPath, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(signature ? { 'x-twilio-signature': signature } : {}),
        },
        body: new URLSearchParams(params),
      });
      assert.equal(response.status, status, `signature ${signature ?? '(none)'}`);
      const body = (await response.json()) as { error: { code: string } };
      assert.equal(body.error.code, status === 400 ? 'missing_signature' : 'invalid_signature');
    }
    // A tampered body under a valid signature of another body is refused too.
    const signed = webhook(number, 'hi', 'SM' + 'b'.repeat(32));
    const signature = twilioSignature(running.sandbox.authToken, running.url + inboundPath, signed);
    assert.equal(await running.sandbox.post(inboundPath, { ...signed, Body: 'STOP' }, signature), 403);
    await pause(500);
    assert.deepEqual(running.sandbox.received(number), []);
    // The same MessageSid, properly signed, was never recorded: it still runs.
    assert.equal(await running.sandbox.post(inboundPath, webhook(number, 'hi', 'SM' + 'a'.repeat(32))), 200);
    assert.match((await new Phone(running.sandbox, number).repliesAfter(0))[0]!, /InsuraLink assistant/);
  });

  test('a signed request that is not a message webhook is a 400', async () => {
    assert.equal(await running.sandbox.post(inboundPath, { From: 'nobody' }), 400);
    assert.equal(await running.sandbox.post('/api/sms/status', { MessageSid: 'x' }), 400);
  });
});

describe('retried webhooks', () => {
  test('the same MessageSid twice runs the bot once', async () => {
    const phone = new Phone(running.sandbox, '+15555550303');
    const params = webhook(phone.number, 'hi');
    assert.equal(await running.sandbox.post(inboundPath, params), 200);
    const first = await phone.repliesAfter(0);
    assert.equal(await running.sandbox.post(inboundPath, params), 200);
    await pause(600);
    assert.equal(phone.received().length, first.length);
  });
});

describe('delivery receipts', () => {
  test('callbacks arriving out of order and repeated never move a message back', async () => {
    const phone = new Phone(running.sandbox, '+15555550304');
    await phone.text('hi');
    const sid = phone.received()[0]!.sid;
    await running.sandbox.waitUntil(() => phone.received()[0]!.status === 'delivered');
    await pause(200);
    const status = (MessageStatus: string) =>
      running.sandbox.post('/api/sms/status', {
        MessageSid: sid,
        MessageStatus,
        AccountSid: running.sandbox.accountSid,
      });
    assert.equal(await status('sent'), 200);
    assert.equal(await status('queued'), 200);
    assert.equal(await status('delivered'), 200);
    assert.equal((await collection('smsoutbound').findOne({ _id: sid as never }))?.status, 'delivered');

    // A receipt that overtakes the send it is about is kept, and the later, older news is not applied.
    const early = `SM${'c'.repeat(32)}`;
    await running.sandbox.post('/api/sms/status', { MessageSid: early, MessageStatus: 'delivered' });
    await running.sandbox.post('/api/sms/status', { MessageSid: early, MessageStatus: 'sent' });
    assert.equal((await collection('smsoutbound').findOne({ _id: early as never }))?.status, 'delivered');

    // Receipts arriving together are written together, and still each by its rule.
    const together = [`SM${'e'.repeat(32)}`, `SM${'f'.repeat(32)}`];
    const answers = await Promise.all(
      together.flatMap((MessageSid) =>
        ['delivered', 'sent', 'delivered'].map((MessageStatus) =>
          running.sandbox.post('/api/sms/status', { MessageSid, MessageStatus }),
        ),
      ),
    );
    assert.deepEqual(answers, Array(6).fill(200));
    for (const sid of together) {
      assert.equal((await collection('smsoutbound').findOne({ _id: sid as never }))?.status, 'delivered');
    }
  });

  test('a status callback without a valid signature changes nothing', async () => {
    const sid = `SM${'d'.repeat(32)}`;
    assert.equal(
      await running.sandbox.post('/api/sms/status', { MessageSid: sid, MessageStatus: 'failed' }, 'forged'),
      403,
    );
    assert.equal(await collection('smsoutbound').findOne({ _id: sid as never }), null);
  });
});

describe('notifications by SMS', () => {
  test('a row routed to the phone is sent, with the opt-out wording to a number that never texted us', async () => {
    const number = '+15555550101';
    const id = await queueSms(number);
    const row = await rowWhen(id, (candidate) => candidate.deliveryStatus === 'delivered');
    const [message] = running.sandbox.received(number);
    assert.ok(message);
    assert.match(message.body, /^InsuraLink: Several attempts to verify your identity/);
    assert.ok(message.body.endsWith('Reply STOP to opt out.'));
    assert.ok(message.body.length <= 320);
    assert.equal(row.status, 'sent');
    assert.equal(row.providerMessageId, message.sid);
    assert.equal(row.attempts, 1);
  });

  test('an undelivered message fails its row with the error code, and is not sent again', async () => {
    const number = '+15555550102';
    running.sandbox.markUndeliverable(number, 30003);
    const id = await queueSms(number);
    const row = await rowWhen(id, (candidate) => candidate.status === 'failed');
    assert.match(String(row.lastError), /SMS undelivered \(Twilio error 30003\)/);
    assert.equal(row.deliveryStatus, 'undelivered');
    await pause(500);
    assert.equal(running.sandbox.received(number).length, 1);
  });

  test('a number the carrier reports opted out (21610) fails the row for good', async () => {
    const number = '+15555550103';
    running.sandbox.markOptedOut(number);
    const id = await queueSms(number);
    const row = await rowWhen(id, (candidate) => candidate.status === 'failed');
    assert.match(String(row.lastError), /opted out .*21610/);
    assert.equal(row.attempts, 1);
  });
});

describe('consent keywords', () => {
  test('every opt-out keyword opts out, is in the ledger, is confirmed once, and silences the bot', async () => {
    for (const [index, word] of optOutKeywords.entries()) {
      const phone = new Phone(running.sandbox, `+155555504${String(index).padStart(2, '0')}`);
      const replies = await phone.text(word.toLowerCase());
      assert.equal(replies.length, 1, word);
      assert.match(replies[0]!, /unsubscribed/);
      const history = await running.app.domain.consent.history(phone.number);
      assert.deepEqual(
        history.map((entry) => [entry.action, entry.source]),
        [['opt_out', `keyword:${word}`]],
      );
      assert.equal(await running.app.domain.consent.smsStatus(phone.number), 'opted_out');
    }
    const silenced = new Phone(running.sandbox, '+15555550400');
    await running.sandbox.text({ from: silenced.number, body: 'hi' });
    await running.sandbox.text({ from: silenced.number, body: 'STOP' });
    await running.sandbox.text({ from: silenced.number, body: 'HELP' });
    await pause(800);
    assert.equal(silenced.received().length, 1, 'only the one confirmation');
  });

  test('every opt-in keyword opts back in, and the bot answers again', async () => {
    for (const [index, word] of optInKeywords.entries()) {
      const phone = new Phone(running.sandbox, `+155555505${String(index).padStart(2, '0')}`);
      await phone.text('STOP');
      const replies = await phone.text(word);
      assert.match(replies[0]!, /subscribed to messages from us again/);
      assert.deepEqual(
        (await running.app.domain.consent.history(phone.number)).map((entry) => entry.source),
        ['keyword:STOP', `keyword:${word}`],
      );
      assert.match((await phone.text('hi'))[0]!, /InsuraLink assistant/);
    }
  });

  test('a decision recorded elsewhere reaches a conversation under way; an older one arriving late does not', async () => {
    const phone = new Phone(running.sandbox, '+15555550610');
    const actor = { type: 'system' as const, id: 'test' };
    const silentAfter = async (body: string) => {
      const before = phone.received().length;
      await running.sandbox.text({ from: phone.number, body });
      await pause(600);
      return phone.received().length === before;
    };
    assert.match((await phone.text('hi'))[0]!, /InsuraLink assistant/);
    const stoppedAt = new Date();
    await running.app.domain.consent.record(
      { phone: phone.number, action: 'opt_out', source: 'officer', at: stoppedAt },
      actor,
    );
    assert.ok(await silentAfter('hi'), 'the bot does not answer a number opted out by an officer');
    const earlier = new Date(stoppedAt.getTime() - 60_000);
    await running.app.domain.consent.record(
      { phone: phone.number, action: 'opt_in', source: 'web_form', at: earlier },
      actor,
    );
    assert.equal(await running.app.domain.consent.smsStatus(phone.number), 'opted_out');
    assert.ok(await silentAfter('hi'), 'an older opt-in does not undo the newer opt-out');
    await running.app.domain.consent.record(
      { phone: phone.number, action: 'opt_in', source: 'web_form' },
      actor,
    );
    assert.match((await phone.text('hi'))[0]!, /InsuraLink assistant/);
  });

  test('HELP and INFO answer with the insurer and how to stop, without a ledger entry', async () => {
    const phone = new Phone(running.sandbox, '+15555550600');
    for (const word of ['HELP', 'info']) {
      const [reply] = await phone.text(word);
      assert.match(reply!, /^InsuraLink/);
      assert.match(reply!, /Reply STOP to opt out/);
    }
    assert.deepEqual(await running.app.domain.consent.history(phone.number), []);
  });

  test('a notification queued before the STOP is not sent after it', async () => {
    const number = '+15555550104';
    const id = await queueSms(number, 'verification.locked', new Date(Date.now() + 60_000));
    const phone = new Phone(running.sandbox, number);
    await phone.text('STOP');
    await collection('notifications').updateOne({ _id: id }, { $set: { nextAttemptAt: new Date() } });
    const row = await rowWhen(id, (candidate) => candidate.status === 'failed');
    assert.equal(row.lastError, 'the number opted out of SMS');
    assert.equal(row.attempts, 1);
    await pause(300);
    assert.equal(phone.received().length, 1, 'only the confirmation');
  });
});

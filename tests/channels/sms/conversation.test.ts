import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Types } from 'mongoose';
import { demoCustomer } from '../../../src/db/seed.js';
import { tinyPdf } from '../../support/samples.js';
import { Phone, startSmsApp, type SmsApp } from './support.js';

let running: SmsApp;

before(async () => {
  running = await startSmsApp({ LOG_LEVEL: process.env.TEST_LOG ?? 'silent' });
});
after(async () => {
  await running.stop();
});

/** The smallest bytes a JPEG sniffer accepts: start of image, a JFIF header, end of image. */
const tinyJpeg = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');

/** A demo customer's number, from `+1555555<from>` on, that has not opted out of SMS. */
async function reachableCustomer(from: number): Promise<string> {
  for (let n = from; n < from + 30; n++) {
    const phone = `+1555555${String(n).padStart(4, '0')}`;
    const customer = await running.app.domain.customers.findByPhone(phone);
    if (customer && (await running.app.domain.consent.smsStatus(phone)) !== 'opted_out') return phone;
  }
  assert.fail('no reachable demo customer');
}

const storedFiles = () => running.app.database.connection.collection('attachments.files').countDocuments();

describe('identity over SMS', () => {
  test('a number on file is a hint: the date of birth is still asked before any personal data', async () => {
    const phone = new Phone(running.sandbox, demoCustomer.phone);
    const menu = await phone.text('hi');
    assert.match(menu.at(-1)!, /Reply 1 for Show my policies/);
    const [ask] = await phone.text('1');
    assert.match(ask!, /What is your date of birth\?/);
    assert.doesNotMatch(ask!, /policy number/);
    const verified = (await phone.text(demoCustomer.dateOfBirth)).join('\n');
    assert.match(verified, /Thank you, Jordan, you're verified/);
    assert.match(verified, /AUT-100200/);
    // The conversation is recorded for proactive messages, under the SMS source.
    const customer = await running.app.domain.customers.findByPhone(demoCustomer.phone);
    const latest = await running.app.domain.conversations.latest(customer!.id);
    assert.equal(latest?.channel, 'sms');
    assert.equal((latest?.reference.user as { id: string }).id, demoCustomer.phone);

    // A notification for the customer's latest conversation now arrives by text, in its SMS form.
    const before = phone.received().length;
    await running.app.database.connection.collection('notifications').insertOne({
      recipient: new Types.ObjectId(customer!.id),
      route: 'conversation',
      template: 'claim.status',
      payload: { number: demoCustomer.claim, status: 'in_review' },
      status: 'pending',
      attempts: 0,
      idempotencyKey: 'test:sms-conversation',
      nextAttemptAt: new Date(),
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const [notice] = await phone.repliesAfter(before);
    assert.equal(
      notice,
      `InsuraLink: Your claim ${demoCustomer.claim} is being reviewed by a claims officer.`,
    );
  });

  test('a wrong date of birth shows nothing and falls back to asking for an identifier', async () => {
    const phone = new Phone(running.sandbox, await reachableCustomer(105));
    await phone.text('show my policies');
    const replies = (await phone.text('1970-01-01')).join('\n');
    assert.match(replies, /don't match our records/);
    assert.match(replies, /policy number/);
    assert.doesNotMatch(replies, /[A-Z]{3}-\d{6}: /);
  });

  test('failures lock the conversation as on any channel', async () => {
    const number = await reachableCustomer(107);
    const phone = new Phone(running.sandbox, number);
    assert.match((await phone.text('show my policies'))[0]!, /What is your date of birth\?/);
    let replies: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      replies = await phone.text(attempt === 0 ? '1970-01-01' : `${number} 1970-01-01`);
    }
    assert.match(replies.join('\n'), /identity checks are paused/);
  });

  test('an unknown number is an anonymous visitor asked for an identifier', async () => {
    const phone = new Phone(running.sandbox, '+15555550700');
    const [ask] = await phone.text('show my policies');
    assert.match(ask!, /policy number \(for example AUT-123456\) or the phone number/);
  });
});

describe('MMS', () => {
  test('before verification media are refused, not stored, and deleted from Twilio', async () => {
    const phone = new Phone(running.sandbox, '+15555550701');
    const before = await storedFiles();
    const replies = await phone.text('', [{ contentType: 'image/jpeg', data: tinyJpeg.toString('base64') }]);
    assert.match(replies[0]!, /first confirm who you are/);
    assert.equal(await storedFiles(), before);
    const inbound = running.sandbox
      .messagesWith(phone.number)
      .find((message) => message.direction === 'inbound');
    assert.equal(running.sandbox.hasMedia(inbound!.media[0]!.url), false);
  });

  // The demo customer verified over SMS above.
  test('a JPEG and a PDF are fetched, stored and deleted from Twilio', async () => {
    const phone = new Phone(running.sandbox, demoCustomer.phone);
    const before = await storedFiles();
    const replies = await phone.text('my photos', [
      { contentType: 'image/jpeg', data: tinyJpeg.toString('base64') },
      { contentType: 'application/pdf', data: tinyPdf.toString('base64') },
    ]);
    assert.ok(replies.length > 0);
    assert.ok(!replies.join('\n').includes('could not take that attachment'));
    assert.equal(await storedFiles(), before + 2);
    const inbound = running.sandbox
      .messagesWith(phone.number)
      .filter((message) => message.direction === 'inbound')
      .at(-1);
    assert.equal(inbound?.media.length, 2);
    for (const media of inbound!.media) assert.equal(running.sandbox.hasMedia(media.url), false);
    const types = await running.app.database.connection
      .collection('attachments.files')
      .find({}, { sort: { _id: -1 }, limit: 2 })
      .toArray();
    assert.deepEqual(types.map((file) => (file.metadata as { contentType: string }).contentType).sort(), [
      'application/pdf',
      'image/jpeg',
    ]);
  });

  test('a file that is neither a photo nor a PDF is refused, not stored, and deleted from Twilio', async () => {
    const phone = new Phone(running.sandbox, demoCustomer.phone);
    const before = await storedFiles();
    const replies = await phone.text('', [
      { contentType: 'image/jpeg', data: Buffer.from('just some text').toString('base64') },
    ]);
    assert.match(replies[0]!, /could not take that attachment/);
    assert.equal(await storedFiles(), before);
    const inbound = running.sandbox
      .messagesWith(phone.number)
      .filter((message) => message.direction === 'inbound')
      .at(-1);
    assert.equal(running.sandbox.hasMedia(inbound!.media[0]!.url), false);
  });
});

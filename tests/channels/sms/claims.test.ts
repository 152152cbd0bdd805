import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { demoCustomer } from '../../../src/db/seed.js';
import { acceptsDocuments } from '../../../src/domain/claims.js';
import { tinyPdf, tinyPng } from '../../support/samples.js';
import { Phone, startSmsApp, type SmsApp } from './support.js';

let running: SmsApp;
let customerId = '';

before(async () => {
  running = await startSmsApp({ LOG_LEVEL: process.env.TEST_LOG ?? 'silent' });
  customerId = (await running.app.domain.customers.findByPhone(demoCustomer.phone))!.id;
});
after(async () => {
  await running.stop();
});

/** The smallest bytes a JPEG sniffer accepts, as an MMS photo arrives: no EXIF left. */
const tinyJpeg = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');
const jpegMedia = { contentType: 'image/jpeg', data: tinyJpeg.toString('base64') };

/** A Direct Line conversation verified as the demo customer, with the REST calls the widget makes. */
async function webChat(baseUrl: string) {
  const minted = await fetch(`${baseUrl}/api/chat/token`, { method: 'POST' });
  const { token, userId } = (await minted.json()) as { token: string; userId: string };
  const headers = { authorization: `Bearer ${token}` };
  const started = await fetch(`${baseUrl}/v3/directline/conversations`, { method: 'POST', headers });
  const { conversationId } = (await started.json()) as { conversationId: string };
  const base = `${baseUrl}/v3/directline/conversations/${conversationId}`;
  const repliesTo = async (id: string): Promise<string> => {
    for (let attempt = 0; attempt < 50; attempt++) {
      const history = (await (await fetch(`${base}/activities`, { headers })).json()) as {
        activities: { type: string; replyToId?: string; text?: string }[];
      };
      const replies = history.activities.filter((a) => a.type === 'message' && a.replyToId === id);
      if (replies.length > 0) return replies.map((reply) => reply.text ?? '').join('\n');
      await delay(100);
    }
    assert.fail('no reply');
  };
  const chat = {
    async say(text: string): Promise<string> {
      const posted = await fetch(`${base}/activities`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'message', from: { id: userId }, text }),
      });
      assert.equal(posted.status, 200);
      return repliesTo(((await posted.json()) as { id: string }).id);
    },
    async upload(name: string, type: string, data: Buffer): Promise<string> {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(data)], { type }), name);
      form.append(
        'activity',
        new Blob([JSON.stringify({ type: 'message', from: { id: userId } })], {
          type: 'application/vnd.microsoft.activity',
        }),
      );
      const posted = await fetch(`${base}/upload?userId=${encodeURIComponent(userId)}`, {
        method: 'POST',
        headers,
        body: form,
      });
      assert.equal(posted.status, 200);
      return repliesTo(((await posted.json()) as { id: string }).id);
    },
  };
  for (const text of ['show my policies', 'AUT-100200', demoCustomer.dateOfBirth]) await chat.say(text);
  return chat;
}

async function openClaims(): Promise<string[]> {
  const claims = await running.app.domain.claims.listForCustomer(customerId);
  return claims.filter((claim) => acceptsDocuments(claim.status)).map((claim) => claim.number);
}

const uploadLinkOf = (text: string) => /https?:\/\/\S+\/files\/upload\/[A-Za-z0-9_.-]+$/m.exec(text)?.[0];

describe('MMS into claims: one claim, two channels', () => {
  test('with several open claims the customer is asked which; the web then continues the same claim', async () => {
    const open = await openClaims();
    assert.ok(open.length >= 2 && open.includes(demoCustomer.claim), 'the demo customer has open claims');
    const before = (await running.app.domain.claims.getByNumber(demoCustomer.claim)).attachments.length;
    const phone = new Phone(running.sandbox, demoCustomer.phone);
    await phone.text('show my policies');
    const policies = (await phone.text(demoCustomer.dateOfBirth)).join('\n');
    // Seeing one policy in detail ends the lookup: no dialog waits any more.
    const auto = /(\d) for AUT-100200/.exec(policies);
    if (auto) await phone.text(auto[1]!);

    const asked = (await phone.text('', [jpegMedia])).join('\n');
    assert.match(asked, /Which claim is this file for\?/);
    const choice = new RegExp(`Reply .*?(\\d) for ${demoCustomer.claim}`).exec(asked);
    assert.ok(choice, asked);
    const replies = (await phone.text(choice[1]!)).join('\n');
    assert.match(replies, new RegExp(`added the file to claim ${demoCustomer.claim}`));
    // Carriers strip EXIF: the reply offers the upload link for the originals.
    assert.ok(uploadLinkOf(replies), replies);
    const inbound = running.sandbox
      .messagesWith(phone.number)
      .filter((message) => message.direction === 'inbound' && message.media.length > 0)
      .at(-1);
    assert.equal(running.sandbox.hasMedia(inbound!.media[0]!.url), false, 'deleted from Twilio');
    let claim = await running.app.domain.claims.getByNumber(demoCustomer.claim);
    assert.equal(claim.attachments.length, before + 1);
    assert.equal(claim.attachments.at(-1)!.contentType, 'image/jpeg');
    assert.match(claim.attachments.at(-1)!.evidence!.sha256, /^[0-9a-f]{64}$/);

    // The same claim on the website: the customer adds a document there.
    const web = await webChat(running.url);
    const shown = await web.say(`claim status ${demoCustomer.claim}`);
    assert.match(shown, new RegExp(`Claim ${demoCustomer.claim}`));
    await web.say('Add documents');
    await web.upload('estimate.pdf', 'application/pdf', tinyPdf);
    claim = await running.app.domain.claims.getByNumber(demoCustomer.claim);
    assert.deepEqual(
      claim.attachments.slice(before).map((file) => file.contentType),
      ['image/jpeg', 'application/pdf'],
    );
    // The audit trail says where each came from (entries are drained from the change's events).
    const ids = claim.attachments.slice(before).map((file) => file.fileId);
    const channelOf = async (fileId: string) => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const entry = await running.app.database.connection
          .collection('auditevents')
          .findOne({ action: 'claim.attach', 'details.fileId': fileId });
        if (entry) return entry.channel as string;
        await delay(100);
      }
      return undefined;
    };
    assert.deepEqual([await channelOf(ids[0]!), await channelOf(ids[1]!)], ['sms', 'directline']);
  });

  test('one open claim takes the photo at once; after the question anything else lets the files go', async () => {
    // Only the demo claim stays open.
    const others = (await openClaims()).filter((number) => number !== demoCustomer.claim);
    await running.app.database.connection
      .collection('claims')
      .updateMany({ number: { $in: others } }, { $set: { status: 'closed' } });
    const phone = new Phone(running.sandbox, demoCustomer.phone);
    const before = (await running.app.domain.claims.getByNumber(demoCustomer.claim)).attachments.length;
    const replies = (await phone.text('', [jpegMedia])).join('\n');
    assert.match(replies, new RegExp(`added the file to claim ${demoCustomer.claim}`));
    assert.equal(
      (await running.app.domain.claims.getByNumber(demoCustomer.claim)).attachments.length,
      before + 1,
    );

    const second = await running.app.domain.claims.create(
      {
        customerId,
        policyNumber: 'AUT-100200',
        incidentDate: new Date(Date.now() - 3 * 24 * 3600 * 1000),
        type: 'glass',
        description: 'A stone cracked the windscreen',
        amountClaimed: 300,
      },
      { type: 'customer', id: customerId, channel: 'directline' },
    );
    assert.match((await phone.text('', [jpegMedia])).join('\n'), new RegExp(`for ${second.number}`));
    const menu = (await phone.text('hi')).join('\n');
    assert.match(menu, /what would you like to do/i);
    assert.equal(
      (await running.app.domain.claims.getByNumber(demoCustomer.claim)).attachments.length,
      before + 1,
    );
    assert.equal((await running.app.domain.claims.getByNumber(second.number)).attachments.length, 0);
  });
});

describe('photos given to a dialog', () => {
  test('once the claim holds them, the upload link for the originals is offered', async () => {
    const phone = new Phone(running.sandbox, demoCustomer.phone);
    const shown = (await phone.text(`claim status ${demoCustomer.claim}`)).join('\n');
    const add = /(\d) for Add documents/.exec(shown);
    assert.ok(add, shown);
    assert.match((await phone.text(add[1]!)).join('\n'), /Send the documents/);
    const before = (await running.app.domain.claims.getByNumber(demoCustomer.claim)).attachments.length;
    const replies = (await phone.text('', [jpegMedia])).join('\n');
    assert.match(replies, new RegExp(`Added 1 file to ${demoCustomer.claim}`));
    assert.ok(uploadLinkOf(replies), replies);
    assert.equal(
      (await running.app.domain.claims.getByNumber(demoCustomer.claim)).attachments.length,
      before + 1,
    );
  });
});

describe('the upload link for original photos', () => {
  let link = '';

  before(async () => {
    const phone = new Phone(running.sandbox, demoCustomer.phone);
    const replies = (await phone.text('', [jpegMedia])).join('\n');
    const choice = /Reply .*?(\d) for CLM-000123/.exec(replies);
    const answer = choice ? (await phone.text(choice[1]!)).join('\n') : replies;
    link = uploadLinkOf(answer) ?? '';
    assert.ok(link, answer);
  });

  test('the page is a small form for the claim; the upload attaches with the same checks', async () => {
    const page = await fetch(link);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await page.text();
    assert.match(html, /claim CLM-000123/);
    assert.match(html, /<form method="post" enctype="multipart\/form-data">/);

    const before = (await running.app.domain.claims.getByNumber(demoCustomer.claim)).attachments.length;
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(tinyPng)], { type: 'image/png' }), 'original.png');
    const sent = await fetch(link, { method: 'POST', body: form });
    assert.equal(sent.status, 201);
    assert.match(await sent.text(), /1 file added to claim CLM-000123/);
    const claim = await running.app.domain.claims.getByNumber(demoCustomer.claim);
    assert.equal(claim.attachments.length, before + 1);
    assert.equal(claim.attachments.at(-1)!.contentType, 'image/png');

    // A file that is not what it says is refused, and nothing is attached.
    const bad = new FormData();
    bad.append('file', new Blob([Buffer.from('just some text')], { type: 'image/jpeg' }), 'fake.jpg');
    const refused = await fetch(link, { method: 'POST', body: bad, headers: { accept: 'application/json' } });
    assert.equal(refused.status, 415);
    assert.equal(
      (await running.app.domain.claims.getByNumber(demoCustomer.claim)).attachments.length,
      before + 1,
    );
  });

  test('a link that was changed, or made up, opens nothing', async () => {
    const signature = link.slice(-22);
    const tampered = `${link.slice(0, -22)}${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    for (const url of [tampered, `${running.url}/files/upload/abc.def`, `${running.url}/files/upload/x`]) {
      assert.equal((await fetch(url)).status, 403, url);
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(tinyPng)], { type: 'image/png' }), 'a.png');
      assert.equal((await fetch(url, { method: 'POST', body: form })).status, 403, url);
    }
  });
});

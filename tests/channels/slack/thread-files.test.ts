/**
 * Files officers share in a card's thread, end to end on the Slack stand-in: the stand-in serves the
 * file to the bot token only, the app downloads it from there (and nowhere else), checks and stores it
 * like any upload, and the customer on the official Direct Line client gets the message with a signed
 * link that downloads the same bytes. Notes, other officers' files and claim-thread files without the
 * reply marker stay in the thread; a retried event sends once.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { demoCustomer } from '../../../src/db/seed.js';
import { maxFileBytes } from '../../../src/files/file-store.js';
import type { SandboxMessage } from '../../../src/sandbox/slack/workspace.js';
import { clockFrom, startDemoApp, type RunningApp } from '../../support/app.js';
import { tinyPdf, tinyPng } from '../../support/samples.js';
import { Client } from '../directline/harness.js';
import {
  avery,
  buttonsOf,
  cardOf,
  claimInReview,
  ephemeralsOf,
  eventually,
  morgan,
  sandboxOf,
} from './support.js';

/** The links to our files a message carries. */
function linksIn(text: string): string[] {
  return [...text.matchAll(/https?:\/\/\S+\/files\/[0-9a-f]{24}\?\S+/g)].map((match) => match[0]);
}

describe('files from officers to customers through Slack threads', () => {
  let running: RunningApp;
  let client: Client;
  let taken: SandboxMessage;
  /** Requests a forged event tried to make the app send elsewhere. */
  const elsewhere: string[] = [];
  let trap: Server;
  const clock = clockFrom(new Date('2026-11-18T17:00:00Z'));

  before(async () => {
    trap = createServer((req, res) => {
      elsewhere.push(req.url ?? '');
      res.end('%PDF-1.4 not for you');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    // A Wednesday at noon in New York: within business hours, so "talk to a person" is a live handoff.
    running = await startDemoApp({ SUPPORT_HOURS: 'Mon-Fri 09:00-17:00' }, { now: clock });
    const response = await fetch(`${running.url}/api/chat/token`, { method: 'POST' });
    const { token } = (await response.json()) as { token: string };
    client = new Client(running.url, token, true);
    await client.online();

    await say('show my policies', /policy number .* or the phone number/i);
    await say(demoCustomer.policies.auto, /date of birth/i);
    await say(demoCustomer.dateOfBirth, /Jordan/);
    const handed = await say('talk to a person', /reference is SR-\d{6}/);
    const reference = /SR-\d{6}/.exec(handed)![0];
    const sandbox = sandboxOf(running.app);
    const card = await eventually(() =>
      sandbox.workspace.channels
        .get(sandbox.supportChannel)
        ?.messages.find((message) => message.text.includes(reference)),
    );
    const button = buttonsOf(card).find((entry) => entry.action_id === 'handoff_take_over');
    assert.ok(button);
    await sandbox.interactions.run({
      type: 'button',
      user: avery,
      channel: card.channel,
      messageTs: card.ts,
      actionId: button.action_id,
      blockId: 'handoff',
      value: button.value,
    });
    await client.waitFor((activity) => /Avery Chen from our team has joined/.test(activity.text ?? ''));
    taken = card;
  });

  after(async () => {
    client?.end();
    await running?.stop();
    await new Promise((resolve) => trap.close(resolve));
  });

  async function say(text: string, expected: RegExp): Promise<string> {
    const seen = new Set(client.received);
    await client.post({ text });
    const reply = await client.waitFor(
      (activity) => !seen.has(activity) && activity.type === 'message' && expected.test(activity.text ?? ''),
    );
    return reply.text ?? '';
  }

  function replyWithFile(
    user: string,
    thread: SandboxMessage,
    text: string,
    file: { name: string; mimetype: string; data: Buffer },
  ) {
    return sandboxOf(running.app).interactions.run({
      type: 'reply',
      user,
      channel: thread.channel,
      threadTs: thread.ts,
      text,
      file: { name: file.name, mimetype: file.mimetype, data: file.data.toString('base64') },
    });
  }

  /** What the customer's client received whose text matches. */
  function customerGot(pattern: RegExp) {
    return client.received.filter(
      (activity) =>
        activity.type === 'message' && activity.from?.role !== 'user' && pattern.test(activity.text ?? ''),
    );
  }

  function storedFiles(): Promise<number> {
    return running.app.database.connection.collection('attachments.files').countDocuments();
  }

  /** Lets what the app does after its ack run out, for the assertions that nothing happened. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

  test('the stand-in serves a shared file to the bot token only', async () => {
    const sandbox = sandboxOf(running.app);
    const file = sandbox.workspace.upload({
      user: avery,
      name: 'estimate.pdf',
      mimetype: 'application/pdf',
      data: tinyPdf,
    });
    const url = String(file.url_private_download);
    assert.ok(url.startsWith(sandbox.filesUrl()));
    assert.equal((await fetch(url)).status, 401);
    assert.equal((await fetch(url, { headers: { authorization: 'Bearer xoxb-wrong' } })).status, 401);
    const served = await fetch(url, { headers: { authorization: `Bearer ${sandbox.botToken}` } });
    assert.equal(served.status, 200);
    assert.deepEqual(Buffer.from(await served.arrayBuffer()), tinyPdf);
    const inline = await fetch(String(file.url_private), {
      headers: { authorization: `Bearer ${sandbox.botToken}` },
    });
    assert.equal(inline.status, 200);
  });

  test("the officer's file in a taken-over handoff reaches the customer with a working link", async () => {
    await replyWithFile(avery, taken, 'Here is the repair estimate we discussed.', {
      name: 'estimate.pdf',
      mimetype: 'application/pdf',
      data: tinyPdf,
    });
    const message = await client.waitFor((activity) =>
      (activity.text ?? '').startsWith('Here is the repair estimate we discussed.'),
    );
    const [link] = linksIn(message.text ?? '');
    assert.ok(link, 'the message carries a link to the file');
    assert.match(message.text ?? '', /estimate\.pdf: http/);
    const download = await fetch(link);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'application/pdf');
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), tinyPdf);
    // The link is signed: the same file without its signature is refused.
    assert.equal((await fetch(link.replace(/signature=[^&]+/, 'signature=forged'))).status, 403);

    const request = await running.app.database.connection
      .collection('supportrequests')
      .findOne({ 'slackCard.ts': taken.ts });
    const line = (request?.messages as { from: string; files?: { name: string }[] }[]).find(
      (entry) => entry.files,
    );
    assert.equal(line?.from, 'officer');
    assert.deepEqual(
      line?.files?.map((file) => file.name),
      ['estimate.pdf'],
    );
  });

  test("a note's file and another officer's file stay in the thread, never copied", async () => {
    const before = await storedFiles();
    await replyWithFile(avery, taken, '!note the old estimate, for us', {
      name: 'old.pdf',
      mimetype: 'application/pdf',
      data: tinyPdf,
    });
    await replyWithFile(morgan, taken, 'Found this photo in the file', {
      name: 'photo.png',
      mimetype: 'image/png',
      data: tinyPng,
    });
    await settle();
    assert.deepEqual(customerGot(/old estimate|Found this photo/), []);
    assert.equal(await storedFiles(), before, 'nothing downloaded from Slack');
  });

  test('a file that fails the content checks is refused and the officer told why', async () => {
    const before = client.received.length;
    await replyWithFile(avery, taken, 'Our notes', {
      name: 'notes.txt',
      mimetype: 'text/plain',
      data: Buffer.from('just some text, not a document'),
    });
    await eventually(() =>
      ephemeralsOf(sandboxOf(running.app), avery).find(
        (text) => /"notes\.txt" is not a photo/.test(text) && /Nothing was sent/.test(text),
      ),
    );
    // A PNG said to be a PDF is refused too: the declared type must match the content.
    await replyWithFile(avery, taken, 'The form', {
      name: 'form.pdf',
      mimetype: 'application/pdf',
      data: tinyPng,
    });
    await eventually(() =>
      ephemeralsOf(sandboxOf(running.app), avery).find((text) =>
        /"form\.pdf" says it is application\/pdf/.test(text),
      ),
    );
    await settle();
    assert.deepEqual(customerGot(/Our notes|The form/), []);
    assert.ok(client.received.length >= before);
  });

  test('a file over the upload cap is refused, whatever size the event says it has', async () => {
    const sandbox = sandboxOf(running.app);
    const large = Buffer.concat([tinyPdf, Buffer.alloc(maxFileBytes)]);
    const before = await storedFiles();
    await replyWithFile(avery, taken, 'The full report', {
      name: 'report.pdf',
      mimetype: 'application/pdf',
      data: large,
    });
    // The same file, described as small: the download itself stops at the cap.
    const file = {
      ...sandbox.workspace.upload({
        user: avery,
        name: 'small.pdf',
        mimetype: 'application/pdf',
        data: large,
      }),
      size: 900,
    };
    const ts = sandbox.workspace.nextTs();
    await sandbox.interactions.event({
      type: 'message',
      subtype: 'file_share',
      text: 'The short report',
      files: [file],
      user: avery,
      channel: taken.channel,
      channel_type: 'channel',
      ts,
      thread_ts: taken.ts,
      event_ts: ts,
    });
    for (const name of ['report.pdf', 'small.pdf']) {
      await eventually(() =>
        ephemeralsOf(sandbox, avery).find((text) => text.startsWith(`"${name}" is larger than the 10 MiB`)),
      );
    }
    await settle();
    assert.deepEqual(customerGot(/full report|short report/), []);
    assert.equal(await storedFiles(), before);
  });

  test('a forged event whose file points anywhere else is not fetched', async () => {
    const sandbox = sandboxOf(running.app);
    const trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}/files-pri/T0SANDBOX-F1/x.pdf`;
    const outside = [
      trapUrl,
      // The stand-in's own origin, but outside its files: the Web API, reached by dot segments.
      `${sandbox.filesUrl()}../api/auth.test`,
      // Credentials in the URL, naming the files address as a user name.
      `http://127.0.0.1:${(trap.address() as AddressInfo).port}@127.0.0.1/x.pdf`,
    ];
    for (const url of outside) {
      const ts = sandbox.workspace.nextTs();
      await sandbox.interactions.event({
        type: 'message',
        subtype: 'file_share',
        text: 'Your documents',
        files: [
          {
            id: 'F0FORGED',
            name: 'x.pdf',
            mimetype: 'application/pdf',
            size: 20,
            url_private: url,
            url_private_download: url,
          },
        ],
        user: avery,
        channel: taken.channel,
        channel_type: 'channel',
        ts,
        thread_ts: taken.ts,
        event_ts: ts,
      });
    }
    await eventually(
      () =>
        ephemeralsOf(sandbox, avery).filter((text) => /"x\.pdf" is not a file of this workspace/.test(text))
          .length === outside.length || undefined,
    );
    await settle();
    assert.deepEqual(elsewhere, [], 'nothing was requested from the other server');
    assert.deepEqual(customerGot(/Your documents/), []);
  });

  test('a retried event sends the file once', async () => {
    const sandbox = sandboxOf(running.app);
    const file = sandbox.workspace.upload({
      user: avery,
      name: 'receipt.png',
      mimetype: 'image/png',
      data: tinyPng,
    });
    const ts = sandbox.workspace.nextTs();
    const event = {
      type: 'message',
      subtype: 'file_share',
      text: 'The receipt, as promised.',
      files: [file],
      upload: false,
      user: avery,
      channel: taken.channel,
      channel_type: 'channel',
      ts,
      thread_ts: taken.ts,
      event_ts: ts,
    };
    const eventId = 'Ev0RETRIEDFILE01';
    await sandbox.interactions.event(event, { eventId });
    await sandbox.interactions.event(event, { eventId, retry: 1 });
    await client.waitFor((activity) => (activity.text ?? '').startsWith('The receipt, as promised.'));
    await settle();
    assert.equal(customerGot(/^The receipt, as promised\./).length, 1);
    const request = await running.app.database.connection
      .collection('supportrequests')
      .findOne({ 'slackCard.ts': taken.ts });
    const lines = (request?.messages as { text: string }[]).filter((entry) =>
      entry.text.startsWith('The receipt, as promised.'),
    );
    assert.equal(lines.length, 1);
  });

  test('in a claim thread a file goes to the customer only with !reply, kept on the claim', async () => {
    const sandbox = sandboxOf(running.app);
    const number = await claimInReview(running.app, 450, {
      incidentDate: new Date(clock().getTime() - 3 * 86_400_000),
    });
    const card = await cardOf(sandbox, number);
    await eventually(() =>
      running.app.database.connection
        .collection('claims')
        .findOne({ number, slackCard: { $exists: true } })
        .then((row) => row ?? undefined),
    );
    const notices = () =>
      running.app.database.connection
        .collection('notifications')
        .countDocuments({ template: 'claim.message', 'payload.number': number });

    const before = await storedFiles();
    await replyWithFile(morgan, card, 'Compare with the photo on file', {
      name: 'compare.png',
      mimetype: 'image/png',
      data: tinyPng,
    });
    await settle();
    assert.equal(await notices(), 0, 'without the reply marker the file stays among officers');
    assert.equal(await storedFiles(), before);

    await replyWithFile(avery, card, '!reply Your settlement letter is attached.', {
      name: 'settlement.pdf',
      mimetype: 'application/pdf',
      data: tinyPdf,
    });
    const message = await client.waitFor((activity) =>
      (activity.text ?? '').includes(`About your claim ${number}: Your settlement letter is attached.`),
    );
    const [link] = linksIn(message.text ?? '');
    assert.ok(link, 'the notice carries a link to the file');
    const download = await fetch(link);
    assert.equal(download.status, 200);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), tinyPdf);
    assert.equal(await notices(), 1);
    await eventually(() =>
      ephemeralsOf(sandbox, avery).find((text) => text === `Sent to the customer of ${number} with 1 file.`),
    );

    const claim = await running.app.database.connection.collection('claims').findOne({ number });
    const sent = (
      claim?.messages as { from: string; text: string; files?: { fileId: string; name: string }[] }[]
    ).find((entry) => entry.files);
    assert.equal(sent?.from, 'officer');
    assert.equal(sent?.text, 'Your settlement letter is attached.');
    assert.equal(sent?.files?.[0]?.name, 'settlement.pdf');
    assert.match(link, new RegExp(`/files/${sent?.files?.[0]?.fileId}\\?`));
    // An officer's document is not one of the customer's: the claim's own attachments are unchanged.
    assert.deepEqual(claim?.attachments, []);
  });
});

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { maxFileBytes } from '../../../src/files/file-store.js';
import { startTestDatabase, type TestDatabase } from '../../support/db.js';
import { tinyPdf, tinyPng } from '../../support/samples.js';
import {
  activitiesOf,
  call,
  Client,
  field,
  postAborted,
  postTruncated,
  startServer,
  TestBot,
  type TestServer,
} from './harness.js';

/** A multipart upload of files without an activity part (the service then makes a plain message). */
function uploadForm(files: { data: Buffer; type: string; name: string }[]): FormData {
  const form = new FormData();
  for (const file of files) {
    form.append('file', new Blob([new Uint8Array(file.data)], { type: file.type }), file.name);
  }
  return form;
}

/** A PNG (by its content) of exactly `size` bytes. */
function pngOfSize(size: number): Buffer {
  return Buffer.concat([tinyPng, Buffer.alloc(size - tinyPng.length)]);
}

/** A started conversation and its upload path. */
async function conversation(server: TestServer): Promise<{ token: string; id: string; upload: string }> {
  const { token, conversationId } = await server.channel.issueConversationToken();
  await call(server.url, '/conversations', { auth: token, method: 'POST' });
  return { token, id: conversationId, upload: `/conversations/${conversationId}/upload` };
}

const png = (name: string, data: Buffer = tinyPng) => ({ data, type: 'image/png', name });

/** Stands in for the browser's blob: URLs of files the customer picked. */
async function serveLocalFiles(
  files: Record<string, Buffer>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const data = files[req.url ?? ''];
    // Two calls: restify's patch of ServerResponse makes writeHead return nothing to chain on.
    res.writeHead(data ? 200 : 404);
    res.end(data);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('Direct Line uploads', () => {
  let db: TestDatabase;
  let server: TestServer;
  let localFiles: { url: string; close(): Promise<void> };
  /** Conversations whose customer has not verified (the channel's `mayUpload` says no). */
  const unverified = new Set<string>();

  before(async () => {
    db = await startTestDatabase();
    server = await startServer({
      connection: db.connection,
      bot: new TestBot(),
      mayUpload: (conversationId) => Promise.resolve(!unverified.has(conversationId)),
      quota: { files: 3, bytes: 2 * maxFileBytes + 1024 },
    });
    localFiles = await serveLocalFiles({ '/dent.png': tinyPng, '/estimate.pdf': tinyPdf });
  });
  after(async () => {
    await localFiles.close();
    await server.stop();
    await db.stop();
  });

  test('a PNG and a PDF sent by the client become one message with signed download links', async () => {
    const { token, conversationId } = await server.channel.issueConversationToken({ id: 'dl_erin' });
    const client = new Client(server.url, token, true);
    try {
      await client.reply('Welcome, dl_erin');
      // As in a browser: the files are local URLs the client reads, then posts as one multipart upload.
      const id = await client.post({
        text: 'my documents',
        attachments: [
          { contentType: 'image/png', contentUrl: `${localFiles.url}/dent.png`, name: 'dent.png' },
          {
            contentType: 'application/pdf',
            contentUrl: `${localFiles.url}/estimate.pdf`,
            name: 'estimate.pdf',
          },
        ],
      });
      assert.match(id, new RegExp(`^${conversationId}\\|`));
      const message = await client.waitFor((activity) => activity.id === id);
      assert.equal(message.text, 'my documents');
      const attachments = message.attachments ?? [];
      assert.deepEqual(
        attachments.map(({ contentType, name }) => ({ contentType, name })),
        [
          { contentType: 'image/png', name: 'dent.png' },
          { contentType: 'application/pdf', name: 'estimate.pdf' },
        ],
      );
      for (const [index, expected] of [tinyPng, tinyPdf].entries()) {
        const link = attachments[index]?.contentUrl ?? '';
        assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/files\/[0-9a-f]{24}\?expires=\d+&signature=/);
        const download = await fetch(link);
        assert.equal(download.status, 200);
        assert.deepEqual(Buffer.from(await download.arrayBuffer()), expected);
        assert.equal((await fetch(link.replace(/signature=[^&]+/, 'signature=forged'))).status, 403);
      }
      await client.reply('echo: my documents (2 files)');
    } finally {
      client.end();
    }
  });

  test('oversized and disallowed files are refused (413, 415) and the conversation goes on', async () => {
    const { token, conversationId } = await server.channel.issueConversationToken();
    await call(server.url, '/conversations', { auth: token, method: 'POST' });
    const upload = `/conversations/${conversationId}/upload`;

    const big = await call(server.url, upload, {
      auth: token,
      form: uploadForm([{ data: pngOfSize(maxFileBytes + 1), type: 'image/png', name: 'huge.png' }]),
    });
    assert.equal(big.status, 413);
    assert.equal(field(field(big.body, 'error'), 'code'), 'file_too_large');
    assert.match(String(field(field(big.body, 'error'), 'message')), /larger than 10 MiB/);
    const script = await call(server.url, upload, {
      auth: token,
      form: uploadForm([{ data: Buffer.from('#!/bin/sh\necho hi\n'), type: 'text/plain', name: 'run.sh' }]),
    });
    assert.equal(script.status, 415);
    const disguised = await call(server.url, upload, {
      auth: token,
      form: uploadForm([{ data: Buffer.from('<html></html>'), type: 'image/png', name: 'photo.png' }]),
    });
    assert.equal(disguised.status, 415);
    const notMultipart = await call(server.url, upload, { auth: token, body: { type: 'message' } });
    assert.equal(notMultipart.status, 415);

    const ok = await call(server.url, `/conversations/${conversationId}/activities`, {
      auth: token,
      body: { type: 'message', text: 'still works' },
    });
    assert.equal(ok.status, 200);
    const history = await call(server.url, `/conversations/${conversationId}/activities`, { auth: token });
    const texts = activitiesOf(history.body).map((activity) => activity.text);
    assert.deepEqual(texts.slice(-2), ['still works', 'echo: still works']);
    assert.ok(!texts.some((text) => text?.includes('files)')), 'no refused upload reached the bot');
  });

  test('a file of exactly 10 MiB is accepted; one byte more is refused', async () => {
    const { token, upload } = await conversation(server);
    const exact = await call(server.url, upload, {
      auth: token,
      form: uploadForm([png('exact.png', pngOfSize(maxFileBytes))]),
    });
    assert.equal(exact.status, 200);
    const over = await call(server.url, upload, {
      auth: token,
      form: uploadForm([png('over.png', pngOfSize(maxFileBytes + 1))]),
    });
    assert.equal(over.status, 413);
    assert.equal(field(field(over.body, 'error'), 'code'), 'file_too_large');
  });

  test('a truncated body gets 400 and an aborted one is dropped; the service goes on', async () => {
    const { token, upload } = await conversation(server);
    assert.equal(await postTruncated(server.url, upload, token), 400);
    await postAborted(server.port, upload, token);
    await postAborted(server.port, upload, token);
    const ok = await call(server.url, upload, { auth: token, form: uploadForm([png('dent.png')]) });
    assert.equal(ok.status, 200);
    // Neither broken upload stored anything or reached the bot.
    const history = await call(server.url, upload.replace(/upload$/, 'activities'), { auth: token });
    const uploads = activitiesOf(history.body).filter((activity) => activity.attachments?.length);
    assert.equal(uploads.length, 1);
  });

  test('a conversation whose customer has not verified may not send files (403)', async () => {
    const { token, id, upload } = await conversation(server);
    unverified.add(id);
    const refused = await call(server.url, upload, { auth: token, form: uploadForm([png('dent.png')]) });
    assert.equal(refused.status, 403);
    assert.deepEqual(field(refused.body, 'error'), {
      code: 'uploads_not_allowed',
      message: 'Sign in to the chat (verify your identity) before sending files.',
    });
    unverified.delete(id);
    const allowed = await call(server.url, upload, { auth: token, form: uploadForm([png('dent.png')]) });
    assert.equal(allowed.status, 200);
  });

  test('a conversation keeps files up to its quota in number and in bytes (413 quota_exceeded)', async () => {
    const byCount = await conversation(server);
    const two = await call(server.url, byCount.upload, {
      auth: byCount.token,
      form: uploadForm([png('a.png'), png('b.png')]),
    });
    assert.equal(two.status, 200);
    const twoMore = await call(server.url, byCount.upload, {
      auth: byCount.token,
      form: uploadForm([png('c.png'), png('d.png')]),
    });
    assert.equal(twoMore.status, 413);
    assert.equal(field(field(twoMore.body, 'error'), 'code'), 'quota_exceeded');
    assert.match(String(field(field(twoMore.body, 'error'), 'message')), /at most 3 files/);
    const third = await call(server.url, byCount.upload, {
      auth: byCount.token,
      form: uploadForm([png('c.png')]),
    });
    assert.equal(third.status, 200);
    const fourth = await call(server.url, byCount.upload, {
      auth: byCount.token,
      form: uploadForm([png('d.png')]),
    });
    assert.equal(fourth.status, 413, 'full: refused before the body is read');

    const bySize = await conversation(server);
    const big = await call(server.url, bySize.upload, {
      auth: bySize.token,
      form: uploadForm([png('one.png', pngOfSize(maxFileBytes))]),
    });
    assert.equal(big.status, 200);
    const tooMuch = await call(server.url, bySize.upload, {
      auth: bySize.token,
      form: uploadForm([png('two.png', pngOfSize(maxFileBytes)), png('three.png', pngOfSize(2048))]),
    });
    assert.equal(tooMuch.status, 413);
    assert.equal(field(field(tooMuch.body, 'error'), 'code'), 'quota_exceeded');
    const fits = await call(server.url, bySize.upload, {
      auth: bySize.token,
      form: uploadForm([png('two.png', pngOfSize(maxFileBytes))]),
    });
    assert.equal(fits.status, 200);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { maxFileBytes } from '../../../src/files/file-store.js';
import { startTestDatabase, type TestDatabase } from '../../support/db.js';
import { tinyPdf, tinyPng } from '../../support/samples.js';
import { call, Client, field, startServer, TestBot, type TestServer } from './harness.js';

function uploadForm(files: { data: Buffer; type: string; name: string }[], text?: string): FormData {
  const form = new FormData();
  if (text !== undefined) {
    // As the official client sends it: the activity as a blob of its own type, then one part per file.
    const activity = JSON.stringify({ type: 'message', text, from: { id: 'dl_erin' } });
    form.append('activity', new Blob([activity], { type: 'application/vnd.microsoft.activity' }), 'blob');
  }
  for (const file of files)
    form.append('file', new Blob([new Uint8Array(file.data)], { type: file.type }), file.name);
  return form;
}

describe('Direct Line uploads', () => {
  let db: TestDatabase;
  let server: TestServer;

  before(async () => {
    db = await startTestDatabase();
    server = await startServer({ connection: db.connection, bot: new TestBot() });
  });
  after(async () => {
    await server.stop();
    await db.stop();
  });

  test('a PNG and a PDF become one message whose attachments are signed download links', async () => {
    const { token, conversationId } = await server.channel.issueConversationToken({ id: 'dl_erin' });
    const client = new Client(server.url, token, true);
    try {
      await client.reply('Welcome, dl_erin');
      const form = uploadForm(
        [
          { data: tinyPng, type: 'image/png', name: 'dent.png' },
          { data: tinyPdf, type: 'application/pdf', name: 'estimate.pdf' },
        ],
        'my documents',
      );
      const uploaded = await call(server.url, `/conversations/${conversationId}/upload?userId=dl_erin`, {
        auth: token,
        form,
      });
      assert.equal(uploaded.status, 200);
      const id = String(field(uploaded.body, 'id'));
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
      form: uploadForm([{ data: Buffer.alloc(maxFileBytes + 1, 1), type: 'image/png', name: 'huge.png' }]),
    });
    assert.equal(big.status, 413);
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
    const texts = (field(history.body, 'activities') as { text?: string }[]).map((activity) => activity.text);
    assert.deepEqual(texts.slice(-2), ['still works', 'echo: still works']);
    assert.ok(!texts.some((text) => text?.includes('files)')), 'no refused upload reached the bot');
  });
});

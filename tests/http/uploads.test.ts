import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDemoApp, type RunningApp } from '../support/app.js';
import { verifyAsDemoCustomer } from '../support/conversation.js';
import { tinyPng } from '../support/samples.js';
import { postAborted, postTruncated } from '../channels/directline/harness.js';

describe('broken uploads against the whole app', () => {
  let app: RunningApp;

  before(async () => {
    app = await startDemoApp();
  });
  after(async () => {
    await app.stop();
  });

  test('a truncated upload gets 400, an aborted one is dropped, and the app serves on', async () => {
    const minted = await fetch(`${app.url}/api/chat/token`, { method: 'POST' });
    const { token, conversationId } = (await minted.json()) as { token: string; conversationId: string };
    const started = await fetch(`${app.url}/v3/directline/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(started.status, 201);
    await verifyAsDemoCustomer(app.url, conversationId, token);
    const upload = `/conversations/${conversationId}/upload`;

    assert.equal(await postTruncated(app.url, upload, token), 400);
    await postAborted(Number(new URL(app.url).port), upload, token);

    assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(tinyPng)], { type: 'image/png' }), 'dent.png');
    const ok = await fetch(`${app.url}/v3/directline${upload}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    assert.equal(ok.status, 200);
  });

  test('an anonymous conversation may not send files', async () => {
    const minted = await fetch(`${app.url}/api/chat/token`, { method: 'POST' });
    const { token, conversationId } = (await minted.json()) as { token: string; conversationId: string };
    await fetch(`${app.url}/v3/directline/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(tinyPng)], { type: 'image/png' }), 'dent.png');
    const refused = await fetch(`${app.url}/v3/directline/conversations/${conversationId}/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'uploads_not_allowed');
    const stored = await app.app.database.connection.collection('fs.files').countDocuments({
      'metadata.conversationId': conversationId,
    });
    assert.equal(stored, 0);
  });
});

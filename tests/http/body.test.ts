import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertJsonDepth, maxJsonDepth } from '../../src/http/body.js';
import { startDemoApp, type RunningApp } from '../support/app.js';
import { verifyAsDemoCustomer } from '../support/conversation.js';

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('assertJsonDepth', () => {
  it('accepts nesting up to the limit and refuses one level more', () => {
    assert.doesNotThrow(() => assertJsonDepth(nested(maxJsonDepth)));
    assert.throws(() => assertJsonDepth(nested(maxJsonDepth + 1)), { status: 400, code: 'invalid_content' });
    assert.throws(
      () => assertJsonDepth(`{"a":${'{"a":'.repeat(maxJsonDepth)}1${'}'.repeat(maxJsonDepth + 1)}`),
      {
        status: 400,
      },
    );
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    assert.doesNotThrow(() => assertJsonDepth(JSON.stringify({ text: nested(1000) })));
    assert.doesNotThrow(() => assertJsonDepth(JSON.stringify({ text: `\\"${'['.repeat(1000)}` })));
  });
});

describe('JSON bodies nested 100,000 deep', () => {
  let app: RunningApp;
  let headers: Record<string, string>;
  let activities: string;

  before(async () => {
    app = await startDemoApp();
    const { token } = (await (await fetch(`${app.url}/api/chat/token`, { method: 'POST' })).json()) as {
      token: string;
    };
    headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const started = await fetch(`${app.url}/v3/directline/conversations`, { method: 'POST', headers });
    const { conversationId } = (await started.json()) as { conversationId: string };
    activities = `${app.url}/v3/directline/conversations/${conversationId}/activities`;
  });

  after(() => app.stop());

  const deepValue = `{"type":"message","from":{"id":"x"},"text":"hi","value":{"a":${nested(100_000)}}}`;

  it('are a 400 on Direct Line, and a sane activity still goes through', async () => {
    const response = await fetch(activities, { method: 'POST', headers, body: deepValue });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'invalid_content');

    const fine = await fetch(activities, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'message', from: { id: 'x' }, text: 'hi', value: JSON.parse(nested(20)) }),
    });
    assert.equal(fine.status, 200);
  });

  it('are a 400 on /api/messages', async () => {
    const response = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"type":"message","serviceUrl":"http://localhost:1","channelData":{"a":${nested(100_000)}}}`,
    });
    assert.equal(response.status, 400);
  });

  it('are a 400 as the activity part of an upload', async () => {
    await verifyAsDemoCustomer(app.url, activities.split('/').at(-2)!, headers.authorization!.slice(7));
    const form = new FormData();
    form.append('activity', new Blob([deepValue], { type: 'application/vnd.microsoft.activity' }));
    form.append('file', new Blob(['plain words'], { type: 'text/plain' }), 'note.txt');
    const response = await fetch(`${activities.replace(/activities$/, 'upload')}?userId=x`, {
      method: 'POST',
      headers: { authorization: headers.authorization ?? '' },
      body: form,
    });
    assert.equal(response.status, 400);
  });
});

describe('raw bodies over their limit', () => {
  let app: RunningApp;
  before(async () => {
    app = await startDemoApp();
  });
  after(() => app.stop());

  // Each route reads its body before checking anything in it: the limit answers first, whatever it holds.
  const routes: [path: string, headers: Record<string, string>, limit: number][] = [
    [
      '/api/sms/inbound',
      { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' },
      64 * 1024,
    ],
    [
      '/api/payments/stripe',
      { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' },
      256 * 1024,
    ],
    ['/sandbox/sms/messages', { 'content-type': 'application/json' }, 15_000_000],
  ];
  for (const [path, headers, limit] of routes) {
    it(`are a 413 on ${path}, and the limit itself is not`, async () => {
      const over = await fetch(`${app.url}${path}`, { method: 'POST', headers, body: 'a'.repeat(limit + 1) });
      assert.equal(over.status, 413);
      assert.equal(((await over.json()) as { error: { code: string } }).error.code, 'payload_too_large');
      const at = await fetch(`${app.url}${path}`, { method: 'POST', headers, body: 'a'.repeat(limit) });
      assert.notEqual(at.status, 413);
      assert.ok(at.status >= 400 && at.status < 500, `${path} answered ${at.status}`);
    });
  }
});

/**
 * `POST /api/slack/events` verifies every request: valid, forged, stale and unsigned requests; Slack's
 * retries and double clicks act once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signedHeaders } from '../../../src/sandbox/slack/signing.js';
import { startDemoApp, type RunningApp } from '../../support/app.js';
import { avery, buttonsOf, cardOf, claimInReview, eventually, sandboxOf } from './support.js';

describe('the Slack request URL', () => {
  let running: RunningApp;
  let url: string;

  before(async () => {
    running = await startDemoApp();
    url = `${running.url}/api/slack/events`;
  });
  after(async () => {
    await running.stop();
  });

  /** An assign click on the claim's card, as Slack would send it. */
  async function assignClick(number: string, actionTs: string): Promise<string> {
    const sandbox = sandboxOf(running.app);
    const card = await cardOf(sandbox, number);
    const value = buttonsOf(card).find((button) => button.action_id === 'claim_assign')?.value ?? '';
    return new URLSearchParams({
      payload: JSON.stringify({
        type: 'block_actions',
        user: { id: avery, username: 'avery.chen', team_id: 'T0SANDBOX' },
        api_app_id: 'A0INSURALINK',
        team: { id: 'T0SANDBOX', domain: 'insuralink-sandbox' },
        channel: { id: sandbox.approvalsChannel, name: 'claims-approvals' },
        container: { type: 'message', message_ts: card.ts, channel_id: sandbox.approvalsChannel },
        trigger_id: '1.trigger',
        actions: [
          {
            type: 'button',
            action_id: 'claim_assign',
            block_id: 'claim_actions',
            value,
            action_ts: actionTs,
          },
        ],
      }),
    }).toString();
  }

  const form = 'application/x-www-form-urlencoded';

  test('a request signed with the signing secret is served', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'abc123' });
    const response = await fetch(url, {
      method: 'POST',
      headers: signedHeaders(sandboxOf(running.app).signingSecret, body, 'application/json'),
      body,
    });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /abc123/);
  });

  test('forged, stale and unsigned requests get 401 and are never acted on', async () => {
    const number = await claimInReview(running.app, 100);
    const secret = sandboxOf(running.app).signingSecret;
    const body = await assignClick(number, '1700000000.000001');
    const forged = await fetch(url, {
      method: 'POST',
      headers: signedHeaders('not-the-secret', body, form),
      body,
    });
    assert.equal(forged.status, 401);
    const stale = await fetch(url, {
      method: 'POST',
      headers: signedHeaders(secret, body, form, Math.floor(Date.now() / 1000) - 6 * 60),
      body,
    });
    assert.equal(stale.status, 401);
    const unsigned = await fetch(url, { method: 'POST', headers: { 'content-type': form }, body });
    assert.equal(unsigned.status, 401);
    const tampered = await fetch(url, {
      method: 'POST',
      headers: signedHeaders(secret, body, form),
      body: body.replace('claim_assign', 'claim_approve'),
    });
    assert.equal(tampered.status, 401);
    assert.deepEqual((await forged.json()) as unknown, {
      error: { code: 'invalid_signature', message: 'The request is not signed by Slack.' },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await running.app.domain.claims.getByNumber(number)).assignee, undefined);
  });

  test('a retried click (X-Slack-Retry-Num) and a double delivery act once', async () => {
    const number = await claimInReview(running.app, 100);
    const secret = sandboxOf(running.app).signingSecret;
    const body = await assignClick(number, '1700000000.000002');
    const first = await fetch(url, { method: 'POST', headers: signedHeaders(secret, body, form), body });
    const retry = await fetch(url, {
      method: 'POST',
      headers: {
        ...signedHeaders(secret, body, form),
        'x-slack-retry-num': '1',
        'x-slack-retry-reason': 'http_timeout',
      },
      body,
    });
    assert.equal(first.status, 200);
    assert.equal(retry.status, 200);
    await eventually(async () => (await running.app.domain.claims.getByNumber(number)).assignee);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const audit = await running.app.database.connection
      .collection('auditevents')
      .countDocuments({ action: 'claim.assign', 'details.number': number });
    assert.equal(audit, 1);
  });

  test('a retried event is acknowledged once', async () => {
    const secret = sandboxOf(running.app).signingSecret;
    const body = JSON.stringify({
      type: 'event_callback',
      team_id: 'T0SANDBOX',
      api_app_id: 'A0INSURALINK',
      event_id: 'Ev0RETRY',
      event_time: Math.floor(Date.now() / 1000),
      event: { type: 'app_home_opened', user: avery, tab: 'home', channel: 'D0AVERY', event_ts: '1.2' },
    });
    for (const retry of ['', '1', '2']) {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          ...signedHeaders(secret, body, 'application/json'),
          ...(retry ? { 'x-slack-retry-num': retry } : {}),
        },
        body,
      });
      assert.equal(response.status, 200);
    }
    const home = await eventually(() => sandboxOf(running.app).workspace.homes.get(avery));
    assert.match(JSON.stringify(home), /Avery Chen: your queue/);
    const receipts = await running.app.database.connection
      .collection('slackreceipts')
      .countDocuments({ key: 'event:Ev0RETRY' });
    assert.equal(receipts, 1);
  });

  test('a body that is not a Slack payload gets a 4xx', async () => {
    const secret = sandboxOf(running.app).signingSecret;
    const body = '{not json';
    const response = await fetch(url, {
      method: 'POST',
      headers: signedHeaders(secret, body, 'application/json'),
      body,
    });
    assert.ok(response.status >= 400 && response.status < 500, `status ${response.status}`);
  });
});

/**
 * The Slack sandbox page in Chromium: an officer finds a claim's card, approves it through the modal,
 * and the card turns to approved — every click sent to the app as a signed Slack request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { claimInReview } from '../channels/slack/support.js';
import { clockFrom, startDemoApp, type RunningApp } from '../support/app.js';
import { tinyPdf } from '../support/samples.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';

/** The app's clock starts here; the claim's incident happened three days earlier. */
const start = new Date('2026-11-18T17:00:00Z');
const threeDaysBefore = new Date(start.getTime() - 3 * 24 * 60 * 60 * 1000);

describe('the Slack sandbox page', () => {
  let running: RunningApp;
  let browser: TestBrowser;

  before(async () => {
    // A Wednesday at noon in New York: "talk to a person" is a live handoff whenever the test runs.
    running = await startDemoApp({ SUPPORT_HOURS: 'Mon-Fri 09:00-17:00' }, { now: clockFrom(start) });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await running?.stop();
  });

  test('approve a claim from its card, with a validation error on the way', async () => {
    const number = await claimInReview(running.app, 640, { incidentDate: threeDaysBefore });
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${running.url}/sandbox/slack`);
    await page.selectOption('#user', 'U0DEMOAVERY');
    const card = page.locator('.message', { hasText: `Claim ${number}` }).first();
    await card.waitFor({ timeout: 10_000 });
    assert.match(await card.innerText(), /Jordan Rivera/);

    await card.locator('button[data-action-id="claim_approve"]').click();
    const modal = page.locator('.modal');
    await modal.waitFor();
    await modal.locator('input[name="amount"]').fill('9999');
    await modal.locator('button[type="submit"]').click();
    await page.locator('#error-amount', { hasText: 'more than the amount claimed' }).waitFor();

    await modal.locator('input[name="amount"]').fill('600');
    await modal.locator('textarea[name="note"]').fill('Paid minus the scratch already repaired.');
    await modal.locator('button[type="submit"]').click();
    await page
      .locator('.message', { hasText: 'Approved by Avery Chen' })
      .first()
      .waitFor({ timeout: 10_000 });
    await page.locator('.ephemeral', { hasText: `You approved ${number}` }).waitFor();
    assert.equal((await running.app.domain.claims.getByNumber(number)).status, 'approved');
    assert.deepEqual(errors, []);
  });

  test('a handoff in the support channel: take over, reply in its thread, hand back', async () => {
    const handoff = await running.app.domain.handoff.requestSupport({
      channel: 'directline',
      conversationId: 'sandbox-page-conversation',
      reason: 'customer_request',
      reference: { channelId: 'directline', conversation: { id: 'sandbox-page-conversation' } },
      transcript: [{ from: 'customer', text: 'I need help with my bill', at: new Date() }],
    });
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${running.url}/sandbox/slack`);
    await page.selectOption('#user', 'U0DEMOMORGAN');
    await page.locator('#channels button', { hasText: '# claims-support' }).click();
    const card = page.locator('.message', { hasText: handoff.reference }).first();
    await card.waitFor({ timeout: 10_000 });
    assert.match(await card.innerText(), /I need help with my bill/);

    await card.locator('button[data-action-id="handoff_take_over"]').click();
    await page.locator('.message', { hasText: 'with Morgan Patel' }).first().waitFor({ timeout: 10_000 });
    await page.locator('.ephemeral', { hasText: `You have ${handoff.reference}` }).waitFor();

    const taken = page.locator('.message', { hasText: 'with Morgan Patel' }).first();
    await taken.locator('input[name="reply"]').fill('Hello, Morgan here. How can I help?');
    await taken.locator('input[name="reply"]').press('Enter');
    const sent = async () =>
      running.app.database.connection
        .collection('notifications')
        .findOne({ template: 'handoff.message', 'payload.request': handoff.id });
    for (let tries = 0; !(await sent()) && tries < 200; tries++) await page.waitForTimeout(50);
    assert.equal((await sent())?.payload.text, 'Hello, Morgan here. How can I help?');

    // A file attached to a thread reply goes to the customer as a link.
    await taken.locator('input[name="reply"]').fill('Your policy schedule');
    await taken
      .locator('input[name="file"]')
      .setInputFiles({ name: 'schedule.pdf', mimeType: 'application/pdf', buffer: tinyPdf });
    await taken.locator('button[type="submit"]', { hasText: 'Reply' }).click();
    await taken.locator('.file', { hasText: 'schedule.pdf' }).waitFor({ timeout: 10_000 });
    const withFile = async () =>
      running.app.database.connection
        .collection('notifications')
        .findOne({ template: 'handoff.message', 'payload.text': 'Your policy schedule' });
    for (let tries = 0; !(await withFile()) && tries < 200; tries++) await page.waitForTimeout(50);
    const files = (await withFile())?.payload.files as { name: string; url: string }[] | undefined;
    assert.equal(files?.[0]?.name, 'schedule.pdf');
    assert.deepEqual(Buffer.from(await (await fetch(files[0]!.url)).arrayBuffer()), tinyPdf);

    await taken.locator('button[data-action-id="handoff_hand_back"]').click();
    await page
      .locator('.message', { hasText: 'handed back to the assistant' })
      .first()
      .waitFor({ timeout: 10_000 });
    assert.equal((await running.app.domain.handoff.card(handoff.reference)).ending, 'handed_back');
    assert.deepEqual(errors, []);
  });
});

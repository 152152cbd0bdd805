/**
 * The Slack sandbox page in Chromium: an officer finds a claim's card, approves it through the modal,
 * and the card turns to approved — every click sent to the app as a signed Slack request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { claimInReview } from '../channels/slack/support.js';
import { startDemoApp, type RunningApp } from '../support/app.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';

describe('the Slack sandbox page', () => {
  let running: RunningApp;
  let browser: TestBrowser;

  before(async () => {
    running = await startDemoApp();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await running?.stop();
  });

  test('approve a claim from its card, with a validation error on the way', async () => {
    const number = await claimInReview(running.app, 640);
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
});

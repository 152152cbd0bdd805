import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Types } from 'mongoose';
import { startDemoApp, type RunningApp } from '../support/app.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';

let running: RunningApp;
let browser: TestBrowser;

before(async () => {
  running = await startDemoApp();
  browser = await launchBrowser({ viewport: { width: 480, height: 800 } });
});
after(async () => {
  await browser?.close();
  await running?.stop();
});

describe('the Stripe sandbox checkout page', () => {
  test('shows the amount, pays on the button and returns to the site; the payment is recorded', async () => {
    const policies = running.app.database.connection.collection('policies');
    const health = await policies.findOne<{ holder: Types.ObjectId; nextDueDate: Date }>({
      number: 'HLT-500600',
    });
    const start = await running.app.domain.payments.startPayment(health!.holder.toString(), 'HLT-500600');
    assert.ok(start.kind === 'link');

    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
    });
    await page.goto(`${running.url}/sandbox/pay`);
    await page.getByRole('link', { name: /HLT-500600/ }).click();
    assert.equal(page.url(), start.url);
    await page.getByText('$415.75', { exact: true }).waitFor();
    assert.equal(await page.getByRole('textbox').count(), 0, 'no field asks for card details');
    await page.getByRole('button', { name: 'Pay $415.75' }).click();
    await page.waitForURL(`${running.url}/?payment=success`);

    const payments = running.app.database.connection.collection('payments');
    assert.equal(await payments.countDocuments({ policyNumber: 'HLT-500600' }), 1);
    const moved = await policies.findOne<{ nextDueDate: Date }>({ number: 'HLT-500600' });
    assert.ok(moved!.nextDueDate.getTime() > health!.nextDueDate.getTime());

    // The paid checkout is closed.
    await page.goto(start.url);
    await page.getByRole('heading', { name: 'Checkout closed' }).waitFor();
    assert.deepEqual(problems, []);
  });
});

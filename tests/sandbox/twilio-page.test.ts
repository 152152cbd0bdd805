import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Types } from 'mongoose';
import { demoCustomer } from '../../src/db/seed.js';
import { nextSendableAt } from '../../src/notifications/sms-pacing.js';
import { startDemoApp, type RunningApp } from '../support/app.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { tinyPng } from '../support/samples.js';

let running: RunningApp;
let browser: TestBrowser;

before(async () => {
  running = await startDemoApp();
  browser = await launchBrowser({ viewport: { width: 420, height: 800 } });
});
after(async () => {
  await browser?.close();
  await running?.stop();
});

describe('the SMS sandbox page', () => {
  test('a demo customer texts the bot, answers with a number, sends a photo and gets a notification', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${running.url}/sandbox/sms`);
    const number = page.getByLabel('Demo customer', { exact: true });
    await page.waitForFunction(() => document.querySelectorAll('#number option').length > 0);
    assert.equal(await number.inputValue(), demoCustomer.phone);

    const thread = page.getByRole('region', { name: 'Messages' });
    const send = async (text: string) => {
      await page.getByLabel('Message', { exact: true }).fill(text);
      await page.getByRole('button', { name: 'Send' }).click();
    };
    await send('hi');
    await thread.getByText(/Reply 1 for Show my policies/).waitFor();
    await send('1');
    await thread.getByText(/What is your date of birth\?/).waitFor();
    await send(demoCustomer.dateOfBirth);
    await thread.getByText(/you're verified/).waitFor();
    // Delivery receipts reach the page too.
    await thread.locator('[data-direction="outbound"] .meta', { hasText: 'delivered' }).first().waitFor();

    await page
      .getByLabel('Attach a photo', { exact: true })
      .setInputFiles({ name: 'dent.png', mimeType: 'image/png', buffer: tinyPng });
    await send('a photo of the dent');
    await thread.getByText('[image/png]', { exact: false }).waitFor();

    // A notification queued later arrives in the open page without a reload.
    const customer = await running.app.domain.customers.findByPhone(demoCustomer.phone);
    // Quiet hours would hold the text until morning in the customer's zone: a zone where it is day.
    const soon = new Date(Date.now() + 60_000);
    const daytime = ['UTC', 'Asia/Tokyo', 'America/New_York', 'Asia/Kolkata', 'America/Los_Angeles'].find(
      (zone) => nextSendableAt(soon, zone).getTime() === soon.getTime(),
    );
    await running.app.database.connection
      .collection('customers')
      .updateOne({ _id: new Types.ObjectId(customer!.id) }, { $set: { timezone: daytime } });
    const before = running.app.twilioSandbox!.received(demoCustomer.phone).length;
    await running.app.database.connection.collection('notifications').insertOne({
      recipient: new Types.ObjectId(customer!.id),
      route: 'sms',
      template: 'claim.status',
      payload: { number: demoCustomer.claim, status: 'approved' },
      status: 'pending',
      attempts: 0,
      idempotencyKey: 'test:sandbox-page',
      nextAttemptAt: new Date(),
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    await thread.getByText(`Your claim ${demoCustomer.claim} was approved.`, { exact: false }).waitFor();
    assert.ok(running.app.twilioSandbox!.received(demoCustomer.phone).length > before);
    assert.deepEqual(errors, []);
  });

  test('any number can be typed, and the page refuses a number that is not one', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${running.url}/sandbox/sms`);
    await page.getByLabel('Phone number', { exact: true }).fill('+15555550888');
    await page.getByLabel('Message', { exact: true }).fill('hello');
    await page.getByRole('button', { name: 'Send' }).click();
    await page
      .getByRole('region', { name: 'Messages' })
      .getByText(/InsuraLink assistant/)
      .waitFor();
    await page.getByLabel('Phone number', { exact: true }).fill('not a number');
    await page.getByLabel('Message', { exact: true }).fill('hello');
    await page.getByRole('button', { name: 'Send' }).click();
    await page
      .getByRole('alert')
      .getByText(/E\.164/)
      .waitFor();
  });
});

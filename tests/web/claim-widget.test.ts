/**
 * A customer files a claim in the chat widget in Chromium, sending the photo of the damage with Web
 * Chat's attach button: the file goes through the Direct Line upload endpoint, its echo comes back on
 * the WebSocket stream, and the claim carries the photo with what its EXIF says.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { demoCustomer } from '../../src/db/seed.js';
import { startDemoApp, type RunningApp } from '../support/app.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';

const screenshot = fileURLToPath(new URL('../../test-results/claim-widget.png', import.meta.url));
const photo = fileURLToPath(new URL('../data/photos/rear-bumper.jpg', import.meta.url));
const wait = 20_000;

describe('filing a claim in the widget', () => {
  let server: RunningApp | undefined;
  let browser: TestBrowser | undefined;

  before(async () => {
    server = await startDemoApp();
    browser = await launchBrowser();
    browser.context.setDefaultTimeout(wait);
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.stop();
    }
  });

  test('files a collision claim with a photo sent through the attach button and sees its number', async () => {
    const page = await browser!.context.newPage();
    // A Content Security Policy that keeps Web Chat from reading the picked file shows here.
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    try {
      await page.goto(`${server!.url}/`);
      await page.getByRole('button', { name: 'Chat with us' }).click();
      const panel = page.getByRole('dialog', { name: 'Harbor Lane assistant' });
      const feed = panel.getByRole('feed');
      const sendBox = panel.getByPlaceholder('Type your message');
      /** Sends `text` and waits for the bot's latest message to match `expected`. */
      const say = async (text: string, expected: string | RegExp) => {
        await sendBox.fill(text);
        await sendBox.press('Enter');
        await feed
          .getByText(expected)
          .last()
          .waitFor()
          .catch(async (error: unknown) => {
            throw new Error(
              `${String(error)}; the chat ends: ${(await feed.innerText()).replace(/\s+/g, ' ').slice(-3000)}`,
            );
          });
      };
      await panel.getByRole('toolbar', { name: 'Suggested actions' }).waitFor();

      await say('file a claim', /confirm who you are/);
      await say(demoCustomer.policies.auto, /date of birth/);
      await say(demoCustomer.dateOfBirth, /Which policy/);
      await say(demoCustomer.policies.auto, /What happened to the car/);
      await say('someone hit my car in a parking lot', /collision .* Is that right/);
      await say('yes', /When did it happen/);
      await say('yesterday', /what time/);
      await say('around 5:45 pm', /Where did it happen/);
      await say('Lamar Blvd & 5th St, Austin, TX', /police/);
      await say('no', /anyone else involved/);
      await say('Alex Kim, Contoso Insurance, plate TX 4KD 221', /anyone hurt/);
      await say('no', /how much is the repair/);
      await say('2400', /send photos or documents now/);

      // Web Chat holds the picked file in the send box; Send uploads it with the message.
      await panel.locator('input[type="file"]').setInputFiles(photo);
      const uploaded = page.waitForResponse(
        (response) =>
          new URL(response.url()).pathname.endsWith('/upload') && response.request().method() === 'POST',
      );
      await panel.getByRole('button', { name: 'Send' }).click();
      const response = await uploaded;
      assert.equal(response.status(), 200);
      const body = (await response.json()) as { id?: unknown };
      assert.equal(typeof body.id, 'string', 'the upload answers with the activity id, as Direct Line does');
      await feed
        .getByText(/1 file so far/)
        .last()
        .waitFor();
      // The customer's own message is no longer pending once its echo has come back on the stream.
      await feed.getByText('rear-bumper.jpg').last().waitFor();
      await feed.getByText('Sending', { exact: true }).waitFor({ state: 'detached' });
      assert.equal(await feed.getByText(/Send failed/).count(), 0, 'the upload was not marked as failed');

      await say('done', /Your claim on AUT-100200/);
      await panel.getByRole('button', { name: 'Submit' }).last().click();
      await feed
        .getByText(/is filed/)
        .last()
        .waitFor();
      const filed =
        (await feed
          .getByText(/Your claim CLM-\d{6} is filed/)
          .last()
          .textContent()) ?? '';
      const number = /CLM-\d{6}/.exec(filed)?.[0];
      assert.ok(number, filed);

      const claim = await server!.app.domain.claims.getByNumber(number);
      assert.equal(claim.type, 'collision');
      assert.equal(claim.attachments.length, 1);
      assert.equal(claim.attachments[0]?.name, 'rear-bumper.jpg');
      assert.equal(claim.attachments[0]?.contentType, 'image/jpeg');
      assert.equal(claim.attachments[0]?.evidence?.camera, 'Google Pixel 8');
      // The photo's camera clock says 2025, long before "yesterday": the officer is told.
      assert.ok(
        claim.riskSignals.some((signal) => signal.code === 'photo_before_incident'),
        JSON.stringify(claim.riskSignals),
      );

      await page.waitForFunction(() => {
        const messages = document.querySelectorAll('[role="feed"] > *');
        const last = messages[messages.length - 1]?.getBoundingClientRect();
        const scroller = messages[0]?.closest('[role="group"]')?.getBoundingClientRect();
        return last !== undefined && scroller !== undefined && last.bottom <= scroller.bottom + 1;
      });
      await mkdir(dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot });
      assert.deepEqual(
        consoleErrors.filter((text) => /Content Security Policy/i.test(text)),
        [],
      );
    } finally {
      await page.close();
    }
  });
});

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { startDemoApp, type RunningApp } from '../support/app.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { tinyPng } from '../support/samples.js';

const screenshot = fileURLToPath(new URL('../../test-results/widget-e2e.png', import.meta.url));
const crossOriginScreenshot = fileURLToPath(
  new URL('../../test-results/widget-cross-origin.png', import.meta.url),
);
const wait = 15_000;

/** Another website: one page that embeds the widget of the app at `appUrl()`, on its own origin. */
async function startWebsite(appUrl: () => string): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html>
<html lang="en-US"><head><meta charset="utf-8"><title>Northwind Mutual</title></head>
<body><h1>Northwind Mutual</h1>
<script src="${appUrl()}/widget.js" async data-title="Northwind assistant" data-color="#2d6a4f"></script>
</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('chat widget in Chromium', () => {
  let server: RunningApp | undefined;
  let browser: TestBrowser | undefined;
  let partner: { url: string; server: Server } | undefined;
  let stranger: { url: string; server: Server } | undefined;
  /** Console errors of every page, where a Content Security Policy violation would show. */
  const consoleErrors: string[] = [];

  before(async () => {
    const appUrl = () => server?.url ?? '';
    partner = await startWebsite(appUrl);
    stranger = await startWebsite(appUrl);
    server = await startDemoApp({ WIDGET_ALLOWED_ORIGINS: `https://www.example.com, ${partner.url}` });
    browser = await launchBrowser();
    browser.context.setDefaultTimeout(wait);
    browser.context.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.stop();
      partner?.server.close();
      stranger?.server.close();
    }
  });

  /** A fresh tab on `url`; each tab has its own sessionStorage, so its own conversation. */
  async function open(url: string, viewport?: { width: number; height: number }): Promise<Page> {
    const page = await browser!.context.newPage();
    if (viewport) await page.setViewportSize(viewport);
    await page.goto(url);
    return page;
  }
  const demoPage = (viewport?: { width: number; height: number }) => open(`${server!.url}/`, viewport);

  /** Waits for a message in the transcript; the latest match, as a prompt may repeat. */
  const said = (page: Page, text: string | RegExp, dialog = 'Harbor Lane assistant') =>
    page.getByRole('dialog', { name: dialog }).getByRole('feed').getByText(text).last().waitFor();

  /** The greeting's suggested action, which shows that Web Chat connected and the bot answered. */
  const menu = (page: Page, dialog = 'Harbor Lane assistant') =>
    page
      .getByRole('dialog', { name: dialog })
      .getByRole('toolbar', { name: 'Suggested actions' })
      .getByRole('button', { name: 'Show my policies' });

  const isFocused = (page: Page, name: string) =>
    page.getByRole('button', { name }).evaluate((element) => element === document.activeElement);

  test('a customer opens the chat, verifies and sees their policies from every insurer', async () => {
    const page = await demoPage();
    try {
      await page.getByRole('button', { name: 'Chat with us' }).click();
      const panel = page.getByRole('dialog', { name: 'Harbor Lane assistant' });
      await menu(page).click();
      await said(page, /policy number/);
      const sendBox = panel.getByPlaceholder('Type your message');
      await sendBox.fill('AUT-100200');
      await sendBox.press('Enter');
      await said(page, /date of birth/);
      await sendBox.fill('1988-04-12');
      await sendBox.press('Enter');
      await said(page, /HOM-300400/);
      await said(page, /AUT-100200/);
      // Web Chat scrolls to a new message with an animation; the screenshot should show where it ends.
      await page.waitForFunction(() => {
        const messages = document.querySelectorAll('[role="feed"] > *');
        const last = messages[messages.length - 1]?.getBoundingClientRect();
        const scroller = messages[0]?.closest('[role="group"]')?.getBoundingClientRect();
        return last !== undefined && scroller !== undefined && last.bottom <= scroller.bottom + 1;
      });
      await mkdir(dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot });
    } finally {
      await page.close();
    }
  });

  test('works from the keyboard: Tab to the launcher, Enter opens, Escape closes and returns focus', async () => {
    const page = await demoPage();
    try {
      await page.keyboard.press('Tab');
      assert.equal(await isFocused(page, 'Chat with us'), true);
      await page.keyboard.press('Enter');
      const panel = page.getByRole('dialog', { name: 'Harbor Lane assistant' });
      await panel.waitFor({ state: 'visible' });
      assert.equal(
        await page.getByRole('button', { name: 'Chat with us' }).getAttribute('aria-expanded'),
        'true',
      );
      await menu(page).waitFor();
      // Focus lands in the send box, so the customer can type straight away.
      await page.waitForFunction(
        () => document.activeElement?.getAttribute('placeholder') === 'Type your message',
        null,
        { timeout: wait },
      );
      await page.keyboard.press('Escape');
      await panel.waitFor({ state: 'hidden' });
      assert.equal(await isFocused(page, 'Chat with us'), true);
    } finally {
      await page.close();
    }
  });

  test('fills a phone screen with the send box in view', async () => {
    const page = await demoPage({ width: 390, height: 844 });
    try {
      await page.getByRole('button', { name: 'Chat with us' }).click();
      const panel = page.getByRole('dialog', { name: 'Harbor Lane assistant' });
      await menu(page).waitFor();
      assert.deepEqual(await panel.boundingBox(), { x: 0, y: 0, width: 390, height: 844 });
      const sendBox = panel.getByPlaceholder('Type your message');
      await sendBox.waitFor({ state: 'visible' });
      const box = await sendBox.boundingBox();
      assert.ok(box, 'the send box has a layout box');
      assert.ok(box.y >= 0 && box.y + box.height <= 844, `send box at y=${box.y} is off screen`);
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `send box at x=${box.x} is off screen`);
    } finally {
      await page.close();
    }
  });

  test('another website embeds the widget: token, conversation, stream and upload work across origins', async () => {
    const page = await open(`${partner!.url}/`);
    const streams: string[] = [];
    page.on('websocket', (socket) => streams.push(socket.url()));
    try {
      await page.getByRole('button', { name: 'Chat with us' }).click();
      const panel = page.getByRole('dialog', { name: 'Northwind assistant' });
      await menu(page, 'Northwind assistant').waitFor();
      const sendBox = panel.getByPlaceholder('Type your message');
      await sendBox.fill('show my policies');
      await sendBox.press('Enter');
      await said(page, /policy number/, 'Northwind assistant');
      assert.ok(
        streams.some((url) => url.startsWith(`${server!.url.replace(/^http/, 'ws')}/v3/directline/`)),
        `the replies came over the WebSocket stream (opened: ${streams.join(', ') || 'none'})`,
      );

      // Files are accepted once the customer has verified who they are.
      await sendBox.fill('AUT-100200');
      await sendBox.press('Enter');
      await said(page, /date of birth/, 'Northwind assistant');
      await sendBox.fill('1988-04-12');
      await sendBox.press('Enter');
      await said(page, /HOM-300400/, 'Northwind assistant');

      // Web Chat holds an attached file in the send box until the customer sends it.
      await panel.locator('input[type="file"]').setInputFiles({
        name: 'damage.png',
        mimeType: 'image/png',
        buffer: tinyPng,
      });
      const uploaded = page.waitForResponse((response) =>
        new URL(response.url()).pathname.endsWith('/upload'),
      );
      await panel.getByRole('button', { name: 'Send' }).click();
      assert.equal((await uploaded).status(), 200);
      await said(page, 'damage.png', 'Northwind assistant');
      const fileName = panel.locator('.webchat__fileContent__fileName', { hasText: 'damage.png' }).last();
      assert.equal(
        await fileName.evaluate((element) => getComputedStyle(element).color),
        'rgb(255, 255, 255)',
        'the file name is readable on the bubble',
      );
      await mkdir(dirname(crossOriginScreenshot), { recursive: true });
      await page.screenshot({ path: crossOriginScreenshot });
    } finally {
      await page.close();
    }
  });

  test('a website that is not allowed gets no token, and the widget says it could not connect', async () => {
    const page = await open(`${stranger!.url}/`);
    try {
      // A request the browser refuses for want of CORS headers ends as a failed one, not a response.
      const token = page.waitForEvent('requestfailed', (request) =>
        request.url().endsWith('/api/chat/token'),
      );
      await page.getByRole('button', { name: 'Chat with us' }).click();
      await token;
      await page.getByText('Sorry, the chat could not connect').waitFor();
      assert.ok(
        consoleErrors.some((text) => /CORS policy/.test(text)),
        'the browser refused the answer for want of CORS headers',
      );
    } finally {
      await page.close();
    }
  });

  test('no page broke its Content Security Policy', () => {
    assert.deepEqual(
      consoleErrors.filter((text) => /Content Security Policy/i.test(text)),
      [],
    );
  });
});

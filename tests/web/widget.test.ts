import assert from 'node:assert/strict';
import { access, constants, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startDemoApp, type RunningApp } from '../support/app.js';

const executablePath = '/usr/bin/chromium';
const screenshot = fileURLToPath(new URL('../../test-results/widget-e2e.png', import.meta.url));
const wait = 15_000;

describe('chat widget in Chromium', () => {
  let server: RunningApp | undefined;
  let profile: string | undefined;
  let browser: BrowserContext | undefined;

  before(async () => {
    await access(executablePath, constants.X_OK).catch(() => {
      throw new Error(
        `Chromium is needed at ${executablePath} for the widget tests (apt-get install chromium).`,
      );
    });
    server = await startDemoApp();
    profile = await mkdtemp(join(tmpdir(), 'insuralink-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      viewport: { width: 1280, height: 800 },
    });
    browser.setDefaultTimeout(wait);
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.stop();
      if (profile) await rm(profile, { recursive: true, force: true });
    }
  });

  /** A fresh tab on the demo page; each tab has its own sessionStorage, so its own conversation. */
  async function demoPage(viewport?: { width: number; height: number }): Promise<Page> {
    const page = await browser!.newPage();
    if (viewport) await page.setViewportSize(viewport);
    await page.goto(`${server!.url}/`);
    return page;
  }

  /** Waits for a message in the transcript; the latest match, as a prompt may repeat. */
  const said = (page: Page, text: string | RegExp) =>
    page
      .getByRole('dialog', { name: 'Harbor Lane assistant' })
      .getByRole('feed')
      .getByText(text)
      .last()
      .waitFor();

  /** The greeting's suggested action, which shows that Web Chat connected and the bot answered. */
  const menu = (page: Page) =>
    page
      .getByRole('dialog', { name: 'Harbor Lane assistant' })
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
});

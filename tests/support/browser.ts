/**
 * Headless Chromium for the browser tests: the build shipped inside the `@sparticuz/chromium` npm
 * package, so `npm install` is all a machine needs. Each launch gets a fresh profile, removed on close.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import chromium from '@sparticuz/chromium';
import { chromium as playwright, type BrowserContext } from 'playwright-core';

/**
 * The package's flags are meant for a serverless sandbox; these would weaken what the tests check
 * (the same-origin policy and CORS, mixed content) or how the browser runs (one process for all tabs).
 */
const unwanted = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process']);

const quiet = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Unpacks the package's Chromium once per package version into a folder of its own and returns the
 * binary. The package itself unpacks to `<tmpdir>/chromium`, not atomically, and reuses whatever file
 * has that name; several test files start at once, so each unpacks into its own staging folder (the
 * package's `tmpdir()` pointed there) and the first to finish renames it into place.
 */
async function executablePath(): Promise<string> {
  const packageDir = fileURLToPath(new URL('../../', import.meta.resolve('@sparticuz/chromium')));
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const home = join(tmpdir(), `insuralink-chromium-${version}`);
  const binary = join(home, 'chromium');
  if (existsSync(binary)) return binary;
  const staging = await mkdtemp(`${home}.partial-`);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  try {
    await chromium.executablePath();
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
  try {
    await rename(staging, home);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(binary)) throw error;
  }
  return binary;
}

/** A running browser; `close()` also removes its profile. */
export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh user data dir; fails with the reason when it cannot start. */
export async function launchBrowser(
  options: { viewport?: { width: number; height: number } } = {},
): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'insuralink-chromium-'));
  try {
    const args = [...chromium.args.filter((arg) => !unwanted.has(arg)), ...quiet];
    const context = await playwright.launchPersistentContext(profile, {
      executablePath: await executablePath(),
      args,
      viewport: options.viewport ?? { width: 1280, height: 800 },
    });
    return {
      context,
      async close() {
        try {
          await context.close();
        } finally {
          await rm(profile, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw new Error(
      `The browser tests could not start the Chromium of @sparticuz/chromium (run npm install): ${String(error)}`,
      { cause: error },
    );
  }
}

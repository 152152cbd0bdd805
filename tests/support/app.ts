/**
 * The whole app in-process, as `npm start` builds it: real bot, Direct Line, web routes and demo data, on
 * an in-memory database and a free port. `env` adds settings (e.g. OpenAI pointed at a stand-in).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

export interface RunningApp {
  url: string;
  /** The app itself, for tests that look at its database. */
  app: App;
  stop(): Promise<void>;
}

/**
 * A clock that reads `start` now and runs on from there at the real pace, so timeouts and leases still
 * pass while the hour of day a test sees is always the same.
 */
export function clockFrom(start: Date): () => Date {
  const offset = start.getTime() - Date.now();
  return () => new Date(Date.now() + offset);
}

export async function startDemoApp(
  env: NodeJS.ProcessEnv = {},
  options: { now?: () => Date } = {},
): Promise<RunningApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'insuralink-web-'));
  const app = createApp(
    loadConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      // The demo data has premiums falling due every day: tests that want reminders turn them on.
      REMINDER_CRON: 'off',
      ...env,
    }),
    {
      inMemoryDatabase: true,
      shutdownGraceMs: 1000,
      ...options,
    },
  );
  try {
    const url = await app.start();
    return {
      url,
      app,
      async stop() {
        try {
          await app.stop();
        } finally {
          await rm(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await app.stop().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

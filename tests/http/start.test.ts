import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { suiteTempDir } from '../support/temp-dir.js';

const inDir = suiteTempDir('insuralink-start-');

async function occupyPort(): Promise<Server> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '0.0.0.0', resolve));
  return holder;
}

describe('start', () => {
  it(
    'fails on a port in use with a clear message, before writing anything to DATA_DIR',
    { timeout: 20_000 },
    async () => {
      const holder = await occupyPort();
      const { port } = holder.address() as AddressInfo;
      const dataDir = inDir('data');
      try {
        const app = createApp(loadConfig({ PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));
        await assert.rejects(app.start(), (error: Error) => {
          assert.match(error.message, new RegExp(`Port ${port} is already in use \\(EADDRINUSE\\)`));
          return true;
        });
        await app.stop();
        assert.equal(existsSync(dataDir), false, 'DATA_DIR was created');
      } finally {
        await new Promise((resolve) => holder.close(resolve));
      }
    },
  );

  it('answers 503 while it is still building its parts, then serves', { timeout: 20_000 }, async () => {
    // A port known to be free: taken and released just before the app binds it.
    const probe = await occupyPort();
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));

    const app = createApp(loadConfig({ PORT: String(port), DATA_DIR: inDir('ready'), LOG_LEVEL: 'silent' }), {
      inMemoryDatabase: true,
    });
    const started = app.start();
    let early: Response | undefined;
    for (let attempt = 0; attempt < 500 && early === undefined; attempt += 1) {
      early = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      if (early === undefined) await delay(5);
    }
    try {
      assert.ok(early, 'the port was never bound');
      assert.equal(early.status, 503);
      assert.equal(early.headers.get('retry-after'), '1');
      assert.equal(((await early.json()) as { error: { code: string } }).error.code, 'starting');
      await started;
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    } finally {
      await started.catch(() => undefined);
      await app.stop();
    }
  });
});

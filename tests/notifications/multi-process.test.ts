/**
 * Several app processes on one database, without sticky sessions: a customer's Web Chat stream is held
 * by one process while an officer's decision is made, and its notification dispatched, by another. The
 * database is `npm run db` in its own process, which has no change streams, so the feed's poll of the
 * activities collection carries the message across.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '../channels/directline/harness.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];
let root = '';

/** Spawns a TypeScript entry point and resolves with its process and its first stdout line. */
async function spawnTs(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcessWithoutNullStreams; lines: AsyncIterator<string>; first: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
  });
  children.push(child);
  let errors = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error(`${script} ended before it was ready: ${errors}`);
  return { child, lines, first: first.value };
}

let apps: { url: string; child: ChildProcessWithoutNullStreams; lines: AsyncIterator<string> }[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'insuralink-multi-process-'));
  const db = await spawnTs('src/cli/db.ts', ['--port', '0', '--data-dir', join(root, 'db')], {});
  const shared = {
    MONGODB_URI: `${db.first.replace(/\/?$/, '')}/insuralink`,
    DEMO_DATA: 'true',
    LOG_LEVEL: 'silent',
    PORT: '0',
    DIRECTLINE_SECRET: randomBytes(24).toString('hex'),
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    FILE_URL_SECRET: randomBytes(24).toString('hex'),
  };
  // One after the other, so that only the first finds the database empty and loads the demo data.
  for (const name of ['a', 'b']) {
    const app = await spawnTs('tests/notifications/app-process.ts', [], {
      ...shared,
      DATA_DIR: join(root, name),
    });
    apps.push({ url: (JSON.parse(app.first) as { url: string }).url, child: app.child, lines: app.lines });
  }
});

after(async () => {
  for (const child of children.reverse()) {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((resolve) => child.once('close', resolve));
  }
  apps = [];
  await rm(root, { recursive: true, force: true });
});

test('a notification dispatched by one process reaches the stream another process holds, within 2 s', async () => {
  const [a, b] = apps as [(typeof apps)[number], (typeof apps)[number]];
  const response = await fetch(`${a.url}/api/chat/token`, { method: 'POST' });
  const { token } = (await response.json()) as { token: string };
  const client = new Client(a.url, token, true);
  try {
    await client.online();
    await client.post({ text: 'show my policies' });
    await client.post({ text: 'AUT-100200' });
    await client.post({ text: '1988-04-12' });
    await client.waitFor((activity) => activity.type === 'message' && /AUT-100200/.test(activity.text ?? ''));

    const startedAt = Date.now();
    b.child.stdin.write(`${JSON.stringify({ approve: 'CLM-000123' })}\n`);
    assert.deepEqual(JSON.parse((await b.lines.next()).value as string), { approved: 'CLM-000123' });
    const message = await client.waitFor(
      (activity) => activity.type === 'message' && activity.text === 'Your claim CLM-000123 was approved.',
      2000,
    );
    assert.ok(Date.now() - startedAt < 2000);
    assert.ok(message.id);
  } finally {
    client.end();
  }
});

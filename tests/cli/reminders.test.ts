import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { suiteTempDir } from '../support/temp-dir.js';

const run = promisify(execFile);
const day = 24 * 60 * 60 * 1000;

/** Runs `src/cli/<name>.ts` as `npm run <name>` would, on the embedded database in `dataDir`. */
async function command(name: string, args: string[], dataDir: string) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', `src/cli/${name}.ts`, ...args],
      {
        env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'error', MONGODB_URI: '' },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run reminders', () => {
  const inDir = suiteTempDir('insuralink-reminders-cli-');

  test('a dry run on the demo data sends nothing; the real pass sends the same, once', async () => {
    const data = inDir('data');
    assert.equal((await command('seed', [], data)).code, 0);
    // The demo data's premiums fall due from today on: Jordan's car insurance in 5 days.
    const now = new Date();
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const at = new Date(today + 4 * day + 15 * 60 * 60 * 1000).toISOString();

    const dry = await command('reminders', ['--at', at, '--dry-run'], data);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      new RegExp(`^Reminder pass as of ${at.replace(/\./g, '\\.')} \\(dry run: nothing sent\\)`),
    );
    const due = /^due: (\d+) sent, (\d+) deferred, (\d+) skipped, (\d+) cancelled, (\d+) dropped$/m.exec(
      dry.stdout,
    );
    assert.ok(due, dry.stdout);
    assert.ok(Number(due[1]) >= 1, 'at least Jordan is reminded');
    assert.match(dry.stdout, /^ {2}sent {6}premium_due {7}reminder [0-9a-f]{24} by sms$/m);
    assert.doesNotMatch(dry.stdout, /AUT-100200|\+1555/, 'no policy numbers or phones');

    const real = await command('reminders', ['--at', at], data);
    assert.equal(real.code, 0, real.stderr);
    assert.doesNotMatch(real.stdout, /dry run/);
    assert.match(real.stdout, new RegExp(`^${due[0]}$`, 'm'), 'the dry run sent nothing');

    const again = await command('reminders', ['--at', at], data);
    assert.match(again.stdout, /^due: 0 sent, 0 deferred, 0 skipped, 0 cancelled, 0 dropped$/m);
    assert.match(again.stdout, /^planned: 0 new/m);
  });

  test('a malformed --at is refused with the usage', async () => {
    const bad = await command('reminders', ['--at', 'next tuesday'], inDir('bad'));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--at must be an ISO time/);
    const unknown = await command('reminders', ['--later'], inDir('bad'));
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Usage: npm run reminders/);
  });
});

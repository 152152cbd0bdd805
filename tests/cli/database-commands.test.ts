import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startEmbeddedMongo } from '../../src/embedded-mongo/index.js';
import { suiteTempDir } from '../support/temp-dir.js';

const run = promisify(execFile);

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

describe('seed, backup and restore commands', () => {
  const inDir = suiteTempDir('insuralink-cli-');

  test('seed, back up, refuse to restore over data, restore into an empty data directory', async () => {
    const source = inDir('source');
    const seeded = await command('seed', [], source);
    assert.equal(seeded.code, 0, seeded.stderr);
    assert.match(seeded.stdout, /Seeded demo data: 3 insurers, 8 policyTypes, 20 customers/);
    assert.match((await command('seed', [], source)).stdout, /already holds data; nothing was seeded/);

    const file = inDir('backup.json');
    const backup = await command('backup', [file], source);
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stderr, /backing up customers: 20\/20/);
    const { format, collections } = JSON.parse(await readFile(file, 'utf8')) as {
      format: string;
      collections: { name: string; count: number }[];
    };
    assert.equal(format, 'insuralink-backup');
    assert.equal(collections.find((collection) => collection.name === 'policies')?.count, 42);

    const refused = await command('restore', [file], source);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /already holds data .*--force/);

    const target = inDir('target');
    const restored = await command('restore', [file], target);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /^Restored \d+ documents/);
  });

  test('a data directory the bot is using is refused with a clear next step', async () => {
    const busy = inDir('busy');
    const owner = await startEmbeddedMongo({ dataDir: join(busy, 'db') });
    try {
      const result = await command('backup', [inDir('never.json')], busy);
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`in use by process ${process.pid}`));
      assert.match(result.stderr, /Stop the bot \(npm start\)/);
    } finally {
      await owner.stop();
    }
  });

  test('bad arguments are a usage error', async () => {
    const result = await command('backup', [], inDir('unused'));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Usage: npm run backup -- FILE/);
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { removeStaleSockets } from '../../src/db/connection.js';
import { suiteTempDir } from '../support/temp-dir.js';

describe('embedded database sockets', () => {
  const inDir = suiteTempDir('sockets-');

  it('removes the sockets of app processes that are gone, and only those', async () => {
    const gone = spawn(process.execPath, ['-e', '']);
    await once(gone, 'exit');
    const names = [
      `insuralink-${gone.pid}-0a1b2c3d.sock`,
      `insuralink-${process.pid}-0a1b2c3d.sock`,
      'insuralink-npm.lock',
      `other-${gone.pid}-0a1b2c3d.sock`,
    ];
    for (const name of names) await writeFile(inDir(name), '');
    await removeStaleSockets(inDir());
    assert.deepEqual((await readdir(inDir())).sort(), names.slice(1).sort());
  });

  it('is quiet about a directory it cannot read', async () => {
    await assert.doesNotReject(removeStaleSockets(join(tmpdir(), 'no-such-directory-here')));
  });
});

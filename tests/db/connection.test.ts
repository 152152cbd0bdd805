import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { connectDatabase, removeStaleSockets } from '../../src/db/connection.js';
import { resolveSecrets } from '../../src/secrets.js';
import { loadConfig } from '../../src/config.js';
import { suiteTempDir } from '../support/temp-dir.js';

const silent = pino({ level: 'silent' });

describe('embedded database sockets', () => {
  const inDir = suiteTempDir('sockets-');

  it('removes the socket directories of app processes that are gone, and only those', async () => {
    const gone = spawn(process.execPath, ['-e', '']);
    await once(gone, 'exit');
    await mkdir(inDir(`insuralink-${gone.pid}-0a1b2c3d`));
    await writeFile(inDir(`insuralink-${gone.pid}-0a1b2c3d`, 'db.sock'), '');
    await mkdir(inDir(`insuralink-${process.pid}-0a1b2c3d`));
    const files = [
      `insuralink-${gone.pid}-4e5f6a7b.sock`,
      `insuralink-${process.pid}-4e5f6a7b.sock`,
      'insuralink-npm.lock',
      `other-${gone.pid}-0a1b2c3d.sock`,
    ];
    for (const name of files) await writeFile(inDir(name), '');
    await removeStaleSockets(inDir());
    assert.deepEqual(
      (await readdir(inDir())).sort(),
      [`insuralink-${process.pid}-0a1b2c3d`, ...files.slice(1)].sort(),
    );
  });

  it('is quiet about a directory it cannot read', async () => {
    await assert.doesNotReject(removeStaleSockets(join(tmpdir(), 'no-such-directory-here')));
  });
});

/** Inodes of the TCP sockets this process listens on (Linux: /proc/net/tcp*, state 0A = LISTEN). */
async function listeningTcpInodes(): Promise<Set<string>> {
  const listening = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && fields[9]) listening.add(fields[9]);
    }
  }
  const own = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(join('/proc/self/fd', fd)).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode && listening.has(inode)) own.add(inode);
  }
  return own;
}

describe('the app’s embedded database', () => {
  const inDir = suiteTempDir('embedded-db-');

  it('opens no TCP port and answers only on a socket only this user can reach', async () => {
    const before = await listeningTcpInodes();
    const db = await connectDatabase({ mongodbUri: undefined, dataDir: inDir('data') }, silent);
    try {
      await db.ping();
      assert.deepEqual(
        [...(await listeningTcpInodes())].filter((inode) => !before.has(inode)),
        [],
      );
      const socketPath = decodeURIComponent(/^mongodb:\/\/([^/]+)\//.exec(db.uri)?.[1] ?? '');
      assert.ok(socketPath.endsWith('.sock'), db.uri);
      const socket = await stat(socketPath);
      assert.ok(socket.isSocket());
      assert.equal(socket.mode & 0o777, 0o600);
      assert.equal((await stat(dirname(socketPath))).mode & 0o777, 0o700);
    } finally {
      await db.stop();
    }
  });

  it('keeps its data directory 0700 and every file in it 0600', async () => {
    const dataDir = inDir('modes');
    await resolveSecrets(loadConfig({ DATA_DIR: dataDir }), silent);
    const walk = async (dir: string): Promise<string[]> => {
      const found = [dir];
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        found.push(...(entry.isDirectory() ? await walk(path) : [path]));
      }
      return found;
    };
    const db = await connectDatabase({ mongodbUri: undefined, dataDir }, silent);
    const modes = new Map<string, string>();
    try {
      await db.connection.collection('probe').insertOne({ a: 1 });
      for (const path of await walk(dataDir)) {
        const info = await stat(path);
        modes.set(path, `${info.isDirectory() ? 'dir' : 'file'} ${(info.mode & 0o777).toString(8)}`);
      }
    } finally {
      await db.stop();
    }
    const paths = [...modes.keys()];
    assert.ok(paths.some((path) => path.endsWith('LOCK')));
    assert.ok(paths.some((path) => path.endsWith('secrets.json')));
    assert.ok(paths.some((path) => /journal\.\d+\.log$/.test(path)));
    for (const [path, mode] of modes) assert.match(mode, /^(dir 700|file 600)$/, path);
  });
});

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { suiteTempDir } from '../support/temp-dir.js';

const script = fileURLToPath(new URL('../../src/cli/db.ts', import.meta.url));

function runDb(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function firstLine(child: ChildProcess): Promise<string> {
  const [line] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [
    string,
  ];
  return line;
}

describe('npm run db', () => {
  const inDir = suiteTempDir('embedded-mongo-cli-');

  test('prints its URI, serves clients, keeps data across restarts and stops cleanly on SIGTERM/SIGINT', async () => {
    const dataDir = inDir('data');
    for (const [round, signal] of [
      [0, 'SIGTERM'],
      [1, 'SIGINT'],
    ] as const) {
      const child = runDb(['--port', '0', '--data-dir', dataDir]);
      const exited = once(child, 'exit');
      try {
        const uri = await firstLine(child);
        assert.match(uri, /^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
        const client = await MongoClient.connect(uri);
        try {
          const coll = client.db('cli').collection<{ _id: number }>('rounds');
          await coll.insertOne({ _id: round });
          assert.equal(await coll.countDocuments(), round + 1);
        } finally {
          await client.close();
        }
      } finally {
        child.kill(signal);
      }
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0);
    }
  });

  test('bad arguments exit with code 2 and the usage', async () => {
    const child = runDb(['--port', 'not-a-port']);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 2);
    assert.match(stderr, /Usage: npm run db/);
  });
});

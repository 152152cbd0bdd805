/**
 * Many messages in one write on one connection to a durable server: replies come back in request order
 * even though each waits for the journal, and every write is there afterwards.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { startEmbeddedMongo } from '../../src/embedded-mongo/index.js';
import { suiteTempDir } from '../support/temp-dir.js';
import { endpoint, opMsg, replyDocument } from './wire-support.js';

/** Sends `messages` in a single write and collects `count` replies, split by their length prefix. */
function pipeline(uri: string, messages: Buffer[], count: number): Promise<Buffer[]> {
  const { host, port } = endpoint(uri);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host, () => socket.write(Buffer.concat(messages)));
    let pending = Buffer.alloc(0);
    const replies: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`only ${replies.length} of ${count} replies arrived`));
    }, 15_000);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const length = pending.readInt32LE(0);
        replies.push(pending.subarray(0, length));
        pending = pending.subarray(length);
      }
      if (replies.length === count) {
        clearTimeout(timer);
        socket.destroy();
        resolve(replies);
      }
    });
    socket.on('error', reject);
  });
}

const inDir = suiteTempDir('embedded-mongo-pipelined-');

test('pipelined writes to a durable server are answered in order and all kept across a restart', async () => {
  const dataDir = inDir('data');
  const total = 200;
  const inserts = Array.from({ length: total }, (_, n) =>
    opMsg({ insert: 'items', documents: [{ _id: n }], $db: 'app' }, 0, n + 1),
  );
  const countMessage = opMsg({ count: 'items', $db: 'app' }, 0, total + 1);

  let server = await startEmbeddedMongo({ dataDir });
  const replies = await pipeline(server.uri, [...inserts, countMessage], total + 1);
  // responseTo (bytes 8-11) names the request each reply answers: they must come back in order.
  assert.deepEqual(
    replies.map((reply) => reply.readInt32LE(8)),
    Array.from({ length: total + 1 }, (_, n) => n + 1),
  );
  for (const reply of replies.slice(0, total)) assert.deepEqual(replyDocument(reply), { n: 1, ok: 1 });
  assert.equal(replyDocument(replies[total]!).n, total);
  await server.stop();

  server = await startEmbeddedMongo({ dataDir });
  const [again] = await pipeline(server.uri, [countMessage], 1);
  assert.equal(replyDocument(again!).n, total);
  await server.stop();
});

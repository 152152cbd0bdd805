import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestDatabase } from '../../support/db.js';
import { Client, referenceTo, startServer, TestBot } from './harness.js';

/** The watermark inside an activity id (`<conversation>|0000042`). */
function seqOf(id: string | undefined): number {
  return Number(id?.split('|')[1] ?? Number.NaN);
}

test('after a server restart the client resumes from its watermark and gets only new activities', async () => {
  const db = await startTestDatabase();
  let server = await startServer({ connection: db.connection, bot: new TestBot() });
  const { token, conversationId } = await server.channel.issueConversationToken({ id: 'dl_dora' });
  const client = new Client(server.url, token, true);
  try {
    await client.reply('Welcome, dl_dora');
    await client.post({ text: 'before' });
    await client.reply('echo: before');
    const before = client.received.length;
    const seenIds = new Set(client.received.map((activity) => activity.id));
    const lastSeq = Math.max(...client.received.map((activity) => seqOf(activity.id)));

    // A new process on the same database and port: nothing of the old one survives but MongoDB.
    const port = server.port;
    await server.stop();
    server = await startServer({ connection: db.connection, bot: new TestBot(), port });
    // Sent while the client is still disconnected: it must arrive through the watermark replay.
    await server.channel.adapter.continueConversation(referenceTo(conversationId), async (context) => {
      await context.sendActivity('While you were away');
    });
    await client.reply('While you were away');
    await client.post({ text: 'after' });
    await client.reply('echo: after');

    const resumed = client.received.slice(before);
    assert.deepEqual(
      resumed.filter((activity) => activity.type === 'message').map((activity) => activity.text),
      ['While you were away', 'after', 'echo: after'],
    );
    assert.ok(
      resumed.every((activity) => !seenIds.has(activity.id)),
      'nothing is delivered twice',
    );
    assert.deepEqual(
      resumed.map((activity) => seqOf(activity.id)),
      [lastSeq + 1, lastSeq + 2, lastSeq + 3],
      'watermarks continue where they stopped',
    );
  } finally {
    client.end();
    await server.stop();
    await db.stop();
  }
});

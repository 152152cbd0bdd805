/**
 * Outbox benchmark, in two parts.
 *
 * Dispatch rate: 5,000 due notifications for customers with a conversation each, delivered to a local
 * sender that answers at once, by one dispatcher and then (on as many new rows) by two racing on the same
 * database. Beside it, the baseline: the same number of bare lease-and-record round trips (one
 * findOneAndUpdate and one updateOne a row, which any leasing dispatcher needs), so the figure can be
 * read as a share of what the database allows. Target: ≥ 500 notifications/s with one dispatcher.
 *
 * State change to screen: the whole app in process, the demo customer verified in a Direct Line
 * conversation with its WebSocket stream open; an officer's decision moves a claim through the claim
 * service, and the clock runs until the customer's stream carries the notification. Target: p99 < 500 ms.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Types } from 'mongoose';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { createApp } from '../../app.js';
import { loadConfig } from '../../config.js';
import { connectDatabase } from '../../db/connection.js';
import { createModels, ensureIndexes, type Models } from '../../db/models/index.js';
import { MongoConversationLinkService } from '../../domain/conversations.js';
import { Dispatcher, type ChannelSender } from '../../notifications/dispatcher.js';
import { percentile } from '../percentile.js';

const rows = 5000;
const customers = 100;
const decisions = 200;
const logger = pino({ level: 'silent' });

export async function run(): Promise<void> {
  await dispatchRate();
  await stateChangeToScreen();
}

async function dispatchRate(): Promise<void> {
  const database = await connectDatabase({ mongodbUri: undefined, dataDir: '', inMemory: true }, logger);
  try {
    const models = createModels(database.connection);
    await ensureIndexes(models);
    const conversations = new MongoConversationLinkService({ models, now: () => new Date() });
    const recipients = Array.from({ length: customers }, () => new Types.ObjectId());
    for (const [n, customer] of recipients.entries()) {
      await conversations.record({
        customerId: customer.toString(),
        channel: 'bench',
        conversationId: `conversation-${n}`,
        reference: { conversation: { id: `conversation-${n}` } },
      });
    }
    const sent = new Set<string>();
    let duplicates = 0;
    const sender: ChannelSender = {
      channel: 'bench',
      send: async (_target, _message, key) => {
        if (sent.has(key)) duplicates++;
        sent.add(key);
        return key;
      },
      findSent: async () => undefined,
    };
    const dispatcher = () => new Dispatcher({ models, conversations, senders: [sender], logger });

    await enqueue(models, recipients, 'warm-up', 500);
    await dispatcher().runOnce();

    const baseline = await leaseBaseline(models, recipients);
    await enqueue(models, recipients, 'one', rows);
    const one = await timed(() => dispatcher().runOnce());
    await enqueue(models, recipients, 'two', rows);
    const two = await timed(() => Promise.all([dispatcher().runOnce(), dispatcher().runOnce()]));

    const oneRate = rows / one;
    const twoRate = rows / two;
    console.log(`Dispatch to a local sender, ${rows} notifications for ${customers} customers:`);
    console.log(`  baseline (bare lease + record round trips): ${baseline.toFixed(0)} rows/s`);
    console.log(
      `  one dispatcher:  ${oneRate.toFixed(0)} notifications/s (${share(oneRate, baseline)} of baseline)`,
    );
    console.log(
      `  two dispatchers: ${twoRate.toFixed(0)} notifications/s (${share(twoRate, baseline)} of baseline)`,
    );
    console.log(`  sent twice: ${duplicates}; delivered: ${sent.size - 500} of ${2 * rows}`);
    console.log(`  target ≥ 500 notifications/s with one dispatcher: ${oneRate >= 500 ? 'met' : 'NOT met'}`);
  } finally {
    await database.stop();
  }
}

async function enqueue(models: Models, recipients: Types.ObjectId[], batch: string, count: number) {
  const now = new Date();
  await models.notifications.insertMany(
    Array.from({ length: count }, (_, n) => ({
      recipient: recipients[n % recipients.length],
      template: 'claim.status',
      payload: { number: `CLM-${String((n % 999_999) + 1).padStart(6, '0')}`, status: 'approved' },
      idempotencyKey: `bench:${batch}:${n}`,
      nextAttemptAt: now,
    })),
  );
}

/** Rows/s of the two round trips a lease and its outcome take, 8 in flight like the dispatcher. */
async function leaseBaseline(models: Models, recipients: Types.ObjectId[]): Promise<number> {
  await enqueue(models, recipients, 'baseline', rows);
  const collection = models.notifications.collection;
  const seconds = await timed(async () => {
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (;;) {
          const row = await collection.findOneAndUpdate(
            { status: 'pending', nextAttemptAt: { $lte: new Date() } },
            { $set: { status: 'sending' } },
            { returnDocument: 'after' },
          );
          if (!row) return;
          await collection.updateOne({ _id: row._id }, { $set: { status: 'sent' } });
        }
      }),
    );
  });
  return rows / seconds;
}

async function stateChangeToScreen(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'insuralink-bench-outbox-'));
  const app = createApp(loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), {
    inMemoryDatabase: true,
    shutdownGraceMs: 1000,
  });
  try {
    const url = await app.start();
    const token = (await (await fetch(`${url}/api/chat/token`, { method: 'POST' })).json()) as {
      token: string;
      conversationId: string;
    };
    const headers = { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' };
    const started = (await (
      await fetch(`${url}/v3/directline/conversations`, { method: 'POST', headers })
    ).json()) as { streamUrl: string };
    const arrivals = new Map<string, () => void>();
    const ws = new WebSocket(started.streamUrl);
    ws.on('message', (data: Buffer) => {
      if (data.length === 0) return;
      const { activities } = JSON.parse(data.toString('utf8')) as { activities: { text?: string }[] };
      for (const activity of activities) {
        const match = /claim (CLM-\d{6}) /.exec(activity.text ?? '');
        if (match?.[1] && /^Your claim/.test(activity.text ?? '')) arrivals.get(activity.text!)?.();
      }
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    for (const text of ['show my policies', 'AUT-100200', '1988-04-12']) {
      await fetch(`${url}/v3/directline/conversations/${token.conversationId}/activities`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ type: 'message', text }),
      });
    }

    // The demo claim in review goes back and forth between an officer's question and review.
    const officer = { type: 'officer' as const, id: 'U0DEMOAVERY', channel: 'slack' };
    const system = { type: 'system' as const, id: 'bench' };
    const latencies: number[] = [];
    for (let n = 0; n < decisions; n++) {
      const to = n % 2 === 0 ? 'info_requested' : 'in_review';
      const expected =
        to === 'info_requested'
          ? 'Your claim CLM-000123 needs more information from you. Please send the repair estimate.'
          : 'Your claim CLM-000123 is being reviewed by a claims officer.';
      const startedAt = performance.now();
      const arrived = new Promise<void>((resolve) => arrivals.set(expected, resolve));
      await app.domain.claims.transition(
        'CLM-000123',
        to,
        to === 'info_requested' ? officer : system,
        'Please send the repair estimate.',
      );
      await arrived;
      latencies.push(performance.now() - startedAt);
    }
    ws.close();
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 0.5);
    const p99 = percentile(latencies, 0.99);
    console.log(`State change to the customer's WebSocket, ${decisions} decisions one after another:`);
    console.log(
      `  p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
    );
    console.log(`  target p99 < 500 ms: ${p99 < 500 ? 'met' : 'NOT met'}`);
  } finally {
    await app.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const startedAt = performance.now();
  await work();
  return (performance.now() - startedAt) / 1000;
}

function share(rate: number, baseline: number): string {
  return `${((rate / baseline) * 100).toFixed(0)}%`;
}

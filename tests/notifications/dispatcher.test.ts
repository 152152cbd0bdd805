import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Types } from 'mongoose';
import { pino } from 'pino';
import { MongoConversationLinkService } from '../../src/domain/conversations.js';
import { Dispatcher, type ChannelSender } from '../../src/notifications/dispatcher.js';
import { startTestDatabase, type TestDatabase } from '../support/db.js';

const logger = pino({ level: 'silent' });

/** A channel that records what it was asked to send; `hang` makes a send never finish (a dead dispatcher). */
class RecordingSender implements ChannelSender {
  readonly channel = 'directline';
  readonly sent: { key: string; conversationId: string; text: string }[] = [];
  failures = 0;
  hang = false;

  async send(
    target: { conversationId: string },
    message: { chat: { text?: string } },
    key: string,
  ): Promise<string> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('connector unavailable');
    }
    this.sent.push({ key, conversationId: target.conversationId, text: message.chat.text ?? '' });
    if (this.hang) return new Promise(() => undefined);
    return `activity-${this.sent.length}`;
  }

  async findSent(_target: unknown, key: string): Promise<string | undefined> {
    const index = this.sent.findIndex((send) => send.key === key);
    return index < 0 ? undefined : `activity-${index + 1}`;
  }
}

describe('the outbox dispatcher', () => {
  let db: TestDatabase;
  let clock: Date;
  const now = () => clock;
  const customer = new Types.ObjectId();
  const links = () => new MongoConversationLinkService({ models: db.models, now });

  before(async () => {
    db = await startTestDatabase();
  });
  after(() => db.stop());
  beforeEach(async () => {
    await db.clear();
    clock = new Date('2026-06-15T12:00:00Z');
    await links().record({
      customerId: customer.toString(),
      channel: 'directline',
      conversationId: 'web-1',
      reference: { conversation: { id: 'web-1' }, channelId: 'directline' },
    });
  });

  function dispatcher(
    sender: ChannelSender,
    options: Partial<ConstructorParameters<typeof Dispatcher>[0]> = {},
  ) {
    return new Dispatcher({
      models: db.models,
      conversations: links(),
      senders: [sender],
      logger,
      now,
      ...options,
    });
  }

  async function enqueue(count: number, recipient = customer): Promise<void> {
    await db.models.notifications.insertMany(
      Array.from({ length: count }, (_, n) => ({
        recipient,
        template: 'claim.status',
        payload: { number: `CLM-${String(n + 1).padStart(6, '0')}`, status: 'approved' },
        idempotencyKey: `test:${recipient.toString()}:${n}`,
        nextAttemptAt: clock,
      })),
    );
  }

  test('delivers a due row to the conversation used last and records the outcome', async () => {
    clock = new Date(clock.getTime() + 1000);
    await links().record({
      customerId: customer.toString(),
      channel: 'directline',
      conversationId: 'web-2',
      reference: { conversation: { id: 'web-2' } },
    });
    await enqueue(1);
    const sender = new RecordingSender();
    assert.equal(await dispatcher(sender).runOnce(), 1);
    assert.deepEqual(
      sender.sent.map((send) => [send.conversationId, send.text]),
      [['web-2', 'Your claim CLM-000001 was approved.']],
    );
    const row = await db.models.notifications.findOne().lean();
    assert.equal(row?.status, 'sent');
    assert.equal(row?.providerMessageId, 'activity-1');
    assert.deepEqual(row?.deliveredTo, { channel: 'directline', conversationId: 'web-2' });
    assert.equal(row?.lockedBy, undefined);
  });

  test('two dispatchers racing on 500 notifications send each exactly once', async () => {
    await enqueue(500);
    const sender = new RecordingSender();
    const [a, b] = [dispatcher(sender), dispatcher(sender)];
    const [byA, byB] = await Promise.all([a.runOnce(), b.runOnce()]);
    assert.equal(byA + byB, 500);
    assert.ok(byA > 0 && byB > 0, `both took part (${byA} and ${byB})`);
    assert.equal(new Set(sender.sent.map((send) => send.key)).size, 500);
    assert.equal(sender.sent.length, 500);
    assert.equal(await db.models.notifications.countDocuments({ status: 'sent' }), 500);
  });

  test("a dead dispatcher's row is taken over after its lease, and a send that happened is not repeated", async () => {
    await enqueue(2);
    const sender = new RecordingSender();
    sender.hang = true;
    // The first dispatcher sends both and dies before recording either outcome.
    void dispatcher(sender, { leaseMs: 30_000, concurrency: 2 }).runOnce();
    while (sender.sent.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(await db.models.notifications.countDocuments({ status: 'sending' }), 2);

    sender.hang = false;
    const successor = dispatcher(sender, { leaseMs: 30_000 });
    assert.equal(await successor.runOnce(), 0, 'the leases still hold');
    clock = new Date(clock.getTime() + 30_001);
    assert.equal(await successor.runOnce(), 2);
    assert.equal(sender.sent.length, 2, 'reconciled, not sent again');
    const rows = await db.models.notifications.find().lean();
    assert.deepEqual(
      rows.map((row) => [row.status, row.attempts]),
      [
        ['sent', 2],
        ['sent', 2],
      ],
    );
  });

  test('a row whose dispatcher died before sending is sent once by the next one', async () => {
    await enqueue(1);
    await db.models.notifications.updateOne(
      {},
      {
        $set: { status: 'sending', lockedBy: 'gone', lockedUntil: new Date(clock.getTime() - 1) },
        $inc: { attempts: 1 },
      },
    );
    const sender = new RecordingSender();
    assert.equal(await dispatcher(sender).runOnce(), 1);
    assert.equal(sender.sent.length, 1);
  });

  test('retries with growing backoff, then gives up and keeps the error', async () => {
    await enqueue(1);
    const sender = new RecordingSender();
    sender.failures = 10;
    const retrying = dispatcher(sender, { maxAttempts: 3, retryBaseMs: 1000 });
    await retrying.runOnce();
    let row = await db.models.notifications.findOne().lean();
    assert.equal(row?.status, 'pending');
    assert.equal(row?.lastError, 'connector unavailable');
    assert.equal(row?.nextAttemptAt.getTime(), clock.getTime() + 1000);
    assert.equal(await retrying.runOnce(), 0, 'not due yet');

    clock = new Date(clock.getTime() + 1000);
    await retrying.runOnce();
    row = await db.models.notifications.findOne().lean();
    assert.equal(row?.nextAttemptAt.getTime(), clock.getTime() + 2000, 'the wait doubles');

    clock = new Date(clock.getTime() + 2000);
    await retrying.runOnce();
    row = await db.models.notifications.findOne().lean();
    assert.equal(row?.status, 'failed');
    assert.equal(row?.attempts, 3);
    assert.equal(sender.sent.length, 0);
  });

  test('a customer with no conversation, or a payload the template refuses, fails at once', async () => {
    await enqueue(1, new Types.ObjectId());
    await db.models.notifications.create({
      recipient: customer,
      template: 'claim.status',
      payload: { number: 'not a number', status: 'approved' },
      idempotencyKey: 'bad-payload',
      nextAttemptAt: clock,
    });
    const sender = new RecordingSender();
    assert.equal(await dispatcher(sender).runOnce(), 2);
    const rows = await db.models.notifications.find().sort({ idempotencyKey: 1 }).lean();
    assert.deepEqual(
      rows.map((row) => [row.status, row.attempts, row.lastError]),
      [
        ['failed', 1, 'the payload does not fit its template'],
        ['failed', 1, 'the customer has no conversation to deliver to'],
      ],
    );
    assert.equal(sender.sent.length, 0);
  });
});

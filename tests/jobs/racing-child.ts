/**
 * Child process of reminder-job.test.ts, one of two racing on the database `uri`/`dbName`:
 *
 * - `plan AT`: one planning and release pass as of `AT`, straight on the reminder service (no lease,
 *   so that the two really plan at once); prints what it did as JSON.
 * - `pace RATE`: a dispatcher paced at `RATE` SMS/s through the shared pacing, delivering the outbox
 *   until it is empty; prints `grant <epoch ms>` for each send the pace let through.
 *
 * It starts working when its parent writes a line, so both start together.
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import mongoose from 'mongoose';
import { createFieldCipher } from '../../src/db/encryption.js';
import { createModels } from '../../src/db/models/index.js';
import { createDomainServices } from '../../src/domain/index.js';
import { MongoReminderService } from '../../src/domain/reminders.js';
import { createLogger } from '../../src/log.js';
import { Dispatcher } from '../../src/notifications/dispatcher.js';
import { SmsPacing, type PacingDocument } from '../../src/notifications/sms-pacing.js';

const [uri, dbName, mode, argument] = process.argv.slice(2) as [string, string, 'plan' | 'pace', string];
const connection = await mongoose.createConnection(uri, { dbName, autoIndex: false }).asPromise();
const models = createModels(connection);
const domain = createDomainServices(models, createFieldCipher(randomBytes(32)));
const logger = createLogger('silent');
process.stdout.write('ready\n');
await createInterface({ input: process.stdin })[Symbol.asyncIterator]().next();

if (mode === 'plan') {
  const service = new MongoReminderService({
    models,
    consent: domain.consent,
    conversations: domain.conversations,
    defaultTimeZone: 'America/New_York',
    logger,
    // Small batches, so that the two passes interleave.
    batchSize: 5,
  });
  const at = new Date(argument);
  const plan = await service.plan(at);
  const outcomes = await service.release(at);
  process.stdout.write(`${JSON.stringify({ scheduled: plan.scheduled, released: outcomes.length })}\n`);
} else {
  const pacing = new SmsPacing({
    models,
    collection: connection.db!.collection<PacingDocument>('smspacing'),
    ratePerSecond: Number(argument),
    defaultTimeZone: 'America/New_York',
  });
  const dispatcher = new Dispatcher({
    models,
    conversations: domain.conversations,
    senders: [],
    logger,
    pollMs: 50,
    concurrency: 4,
    deferUntil: async (row) => {
      const later = await pacing.deferUntil(row);
      if (!later) process.stdout.write(`grant ${Date.now()}\n`);
      return later;
    },
  });
  dispatcher.start();
  while ((await models.notifications.countDocuments({ status: { $in: ['pending', 'sending'] } })) > 0) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await dispatcher.stop();
}
await connection.close();

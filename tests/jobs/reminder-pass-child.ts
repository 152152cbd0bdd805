/**
 * Child process of reminder-job.test.ts: one reminder pass as of `at` on the database `uri`/`dbName`,
 * with a short lease and a slow consent look-up, printing `checked` before each reminder it releases so
 * the test can kill it in the middle of the pass.
 */
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { createFieldCipher } from '../../src/db/encryption.js';
import { createModels } from '../../src/db/models/index.js';
import { createDomainServices } from '../../src/domain/index.js';
import { createReminderJob } from '../../src/jobs/index.js';
import { createLogger } from '../../src/log.js';

const [uri, dbName, at, leaseMs] = process.argv.slice(2) as [string, string, string, string];
const connection = await mongoose.createConnection(uri, { dbName, autoIndex: false }).asPromise();
const models = createModels(connection);
const domain = createDomainServices(models, createFieldCipher(randomBytes(32)));
const consent = {
  async smsStatus(phone: string) {
    process.stdout.write('checked\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    return domain.consent.smsStatus(phone);
  },
};
const job = createReminderJob({
  db: connection.db!,
  models,
  domain: { consent, conversations: domain.conversations },
  settings: { cron: '*/15 * * * *', defaultTimeZone: 'America/New_York', smsRatePerSecond: 1 },
  logger: createLogger('silent'),
  leaseMs: Number(leaseMs),
});
const report = await job.runPass({ at: new Date(at) });
process.stdout.write(`${JSON.stringify({ ran: report.ran, released: report.outcomes.length })}\n`);
await connection.close();

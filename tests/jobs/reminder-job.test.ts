/**
 * Several processes on one database: a reminder pass whose holder is killed half-way is finished by
 * another process once the lease expires, with every reminder queued once; and the SMS pace holds over
 * two dispatchers.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import { createFieldCipher } from '../../src/db/encryption.js';
import { createModels, ensureIndexes, type Models } from '../../src/db/models/index.js';
import { seedDemoData } from '../../src/db/seed.js';
import { createDomainServices, type DomainServices } from '../../src/domain/index.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded-mongo/index.js';
import { createReminderJob } from '../../src/jobs/index.js';
import { createLogger } from '../../src/log.js';
import { Dispatcher } from '../../src/notifications/dispatcher.js';
import { SmsPacing, type PacingDocument } from '../../src/notifications/sms-pacing.js';
import { fixedNow } from '../domain/fixtures.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const day = 24 * 60 * 60 * 1000;
let server: EmbeddedMongo;
let connection: mongoose.Connection;
let models: Models;
let domain: DomainServices;
let jordan: mongoose.Types.ObjectId;
const dbName = `insuralink_jobs_${randomBytes(4).toString('hex')}`;

before(async () => {
  server = await startEmbeddedMongo();
  connection = await mongoose.createConnection(server.uri, { dbName, autoIndex: false }).asPromise();
  models = createModels(connection);
  await ensureIndexes(models);
  const cipher = createFieldCipher(randomBytes(32));
  await seedDemoData(models, cipher, { now: fixedNow });
  domain = createDomainServices(models, cipher);
  const customer = await models.customers.findOne({ phone: '+15555550123' }).lean();
  jordan = customer!._id;
  await Promise.all([models.policies.deleteMany({ holder: { $ne: jordan } }), models.claims.deleteMany({})]);
  await models.consentRecords.deleteMany({ phone: customer!.phone });
  await domain.consent.record(
    { phone: customer!.phone, action: 'opt_in', source: 'web_form' },
    { type: 'system', id: 'tests' },
  );
});
after(async () => {
  await connection.close();
  await server.stop();
});

test('the lease holder killed mid-pass: another process finishes it, each reminder queued once', async () => {
  const template = await models.policies.findOne({ holder: jordan }).lean();
  await models.policies.deleteMany({});
  const at = new Date('2026-06-15T15:00:00Z');
  const { _id, createdAt, updatedAt, ...rest } = template!;
  void [_id, createdAt, updatedAt];
  for (let index = 0; index < 30; index++) {
    await models.policies.create({
      ...rest,
      number: `TST-${200000 + index}`,
      nextDueDate: new Date(at.getTime() + 7 * day - index * 60_000),
    });
  }
  const leaseMs = 1500;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'tests/jobs/reminder-pass-child.ts',
      server.uri,
      dbName,
      at.toISOString(),
      String(leaseMs),
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  let checked = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line === 'checked' && ++checked === 10) break;
  }
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  const halfway = await models.reminders.countDocuments({ status: 'sent' });
  assert.ok(halfway >= 8 && halfway < 30, `killed half-way (${halfway} sent)`);

  const job = createReminderJob({
    db: connection.db!,
    models,
    domain,
    settings: { cron: '*/15 * * * *', defaultTimeZone: 'America/New_York', smsRatePerSecond: 1 },
    logger: createLogger('silent'),
    leaseMs,
  });
  assert.equal((await job.runPass({ at })).ran, false, 'the dead holder still has the lease');
  const started = Date.now();
  let report = await job.runPass({ at });
  while (!report.ran) {
    assert.ok(Date.now() - started < 10_000, 'the lease expires');
    await new Promise((resolve) => setTimeout(resolve, 200));
    report = await job.runPass({ at });
  }
  assert.equal(report.outcomes.length + halfway, 30);
  assert.equal(await models.reminders.countDocuments({ status: 'sent' }), 30);
  const rows = await models.notifications.find({ idempotencyKey: /^reminder:/ }).lean();
  assert.equal(rows.length, 30);
  const reminders = await models.reminders.find({}).lean();
  assert.deepEqual(
    reminders.map((reminder) => `reminder:${reminder._id.toString()}`).sort(),
    rows.map((row) => row.idempotencyKey).sort(),
  );
});

/** A zone where it is midday now, so quiet hours do not get in the way of a test on the real clock. */
function middayZone(): string {
  const offset = 12 - new Date().getUTCHours();
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

test('the SMS pace holds across two dispatchers', async () => {
  await models.notifications.deleteMany({});
  await models.customers.updateOne({ _id: jordan }, { $set: { timezone: middayZone() } });
  const rate = 10;
  const total = 30;
  await models.notifications.insertMany(
    Array.from({ length: total }, (_, index) => ({
      recipient: jordan,
      route: 'sms',
      template: 'verification.locked',
      payload: {},
      idempotencyKey: `pace-${index}`,
    })),
  );
  const grants: { at: number; by: number }[] = [];
  const collection = connection.db!.collection<PacingDocument>('smspacing');
  const dispatchers = [0, 1].map((by) => {
    const pacing = new SmsPacing({
      models,
      collection,
      ratePerSecond: rate,
      defaultTimeZone: 'America/New_York',
    });
    return new Dispatcher({
      models,
      conversations: { latest: () => Promise.resolve(undefined) },
      senders: [],
      logger: createLogger('silent'),
      pollMs: 50,
      concurrency: 4,
      deferUntil: async (row) => {
        const later = await pacing.deferUntil(row);
        if (!later) grants.push({ at: Date.now(), by });
        return later;
      },
    });
  });
  for (const dispatcher of dispatchers) dispatcher.start();
  const started = Date.now();
  while (grants.length < total && Date.now() - started < 20_000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await Promise.all(dispatchers.map((dispatcher) => dispatcher.stop()));
  assert.equal(grants.length, total);
  const times = grants.map((grant) => grant.at).sort((a, b) => a - b);
  // At most `rate` sends (one more for a row picked up late) in any second.
  for (let index = 0; index + rate + 1 < times.length; index++) {
    assert.ok(
      times[index + rate + 1]! - times[index]! >= 1000,
      `window at ${index}: ${times[index + rate + 1]! - times[index]!} ms`,
    );
  }
  assert.ok(times.at(-1)! - times[0]! >= ((total - 1) / rate) * 1000 - 150, 'paced, not bunched');
  assert.ok(
    grants.some((grant) => grant.by === 0) && grants.some((grant) => grant.by === 1),
    'both dispatchers sent',
  );
  // Each row was put back in the outbox without an attempt being counted.
  const attempts = await models.notifications
    .find({ idempotencyKey: /^pace-/ })
    .select({ attempts: 1 })
    .lean();
  assert.ok(attempts.every((row) => row.attempts === 1));
});

/** Starts two racing children in `mode`, lets them go at once, and resolves with their output lines. */
async function race(mode: 'plan' | 'pace', argument: string): Promise<string[][]> {
  const children = [0, 1].map(() =>
    spawn(
      process.execPath,
      ['--import', 'tsx', 'tests/jobs/racing-child.ts', server.uri, dbName, mode, argument],
      {
        cwd: repoRoot,
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    ),
  );
  const outputs = children.map((child) => {
    const lines: string[] = [];
    const ready = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line === 'ready') resolve();
        else lines.push(line);
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, lines, ready, exited };
  });
  await Promise.all(outputs.map((output) => output.ready));
  for (const { child } of outputs) child.stdin.end('go\n');
  const codes = await Promise.all(outputs.map((output) => output.exited));
  assert.deepEqual(codes, [0, 0]);
  return outputs.map((output) => output.lines);
}

test('two processes planning and releasing at once: each reminder scheduled and queued once', async () => {
  await Promise.all([models.reminders.deleteMany({}), models.notifications.deleteMany({})]);
  const template = await models.policies.findOne({ holder: jordan }).lean();
  await models.policies.deleteMany({});
  const at = new Date('2026-06-15T15:00:00Z');
  const { _id, createdAt, updatedAt, ...rest } = template!;
  void [_id, createdAt, updatedAt];
  for (let index = 0; index < 40; index++) {
    await models.policies.create({
      ...rest,
      number: `TST-${300000 + index}`,
      nextDueDate: new Date(at.getTime() + 7 * day - index * 60_000),
      endDate: new Date('2027-06-01T00:00:00Z'),
    });
  }
  const lines = await race('plan', at.toISOString());
  const reports = lines.map(
    (output) => JSON.parse(output.at(-1)!) as { scheduled: number; released: number },
  );
  assert.equal(reports[0]!.scheduled + reports[1]!.scheduled, 40, 'each scheduled by one of them');
  assert.equal(reports[0]!.released + reports[1]!.released, 40, 'each released by one of them');
  assert.equal(await models.reminders.countDocuments(), 40);
  assert.equal(await models.reminders.countDocuments({ status: 'sent' }), 40);
  const rows = await models.notifications.find({ idempotencyKey: /^reminder:/ }).lean();
  assert.equal(rows.length, 40);
  assert.equal(new Set(rows.map((row) => row.idempotencyKey)).size, 40);
});

test('the SMS pace holds across two processes', async () => {
  await Promise.all([
    models.notifications.deleteMany({}),
    connection.db!.collection('smspacing').deleteMany({}),
  ]);
  await models.customers.updateOne({ _id: jordan }, { $set: { timezone: middayZone() } });
  const rate = 10;
  const total = 30;
  await models.notifications.insertMany(
    Array.from({ length: total }, (_, index) => ({
      recipient: jordan,
      route: 'sms',
      template: 'verification.locked',
      payload: {},
      idempotencyKey: `pace2-${index}`,
    })),
  );
  const lines = await race('pace', String(rate));
  const grants = lines.map((output) =>
    output.filter((line) => line.startsWith('grant ')).map((line) => Number(line.slice(6))),
  );
  assert.ok(grants[0]!.length > 0 && grants[1]!.length > 0, 'both processes sent');
  const times = grants.flat().sort((a, b) => a - b);
  assert.equal(times.length, total, 'each row let through once');
  // At most `rate` sends (one more for a row picked up late) in any second, across both processes.
  for (let index = 0; index + rate + 1 < times.length; index++) {
    assert.ok(
      times[index + rate + 1]! - times[index]! >= 1000,
      `window at ${index}: ${times[index + rate + 1]! - times[index]!} ms`,
    );
  }
});

/**
 * Reminders benchmark, in two parts.
 *
 * Planning: a book of 100,000 active monthly policies, premiums falling due over the next 30 days and
 * terms ending over the next year; one planning pass streams them with a cursor, inserts the reminders
 * due in its window and re-checks every scheduled one, then a second pass finds nothing new. Baseline:
 * a cursor read of every policy with nothing done with them. Target: < 10 s for 100,000 policies; heap
 * growth about the same as for 25,000 (flat).
 *
 * Dispatch: 10,000 due reminders released into the outbox as SMS, then delivered by the dispatcher at a
 * configured pace through the shared SMS pacing; the local SMS stand-in takes each message when the pace
 * lets it leave. Target: the measured rate within 5% of the configured one; heap flat while it runs.
 */
import type { Collection } from 'mongodb';
import { performance } from 'node:perf_hooks';
import { Types } from 'mongoose';
import { pino } from 'pino';
import { connectDatabase } from '../../db/connection.js';
import { createModels, ensureIndexes, type Models } from '../../db/models/index.js';
import { MongoReminderService } from '../../domain/reminders.js';
import { Dispatcher } from '../../notifications/dispatcher.js';
import { SmsPacing, type PacingDocument } from '../../notifications/sms-pacing.js';

const policies = 100_000;
const smallPlan = 25_000;
const reminders = 10_000;
const ratePerSecond = 100;
const customers = 100;
const day = 24 * 60 * 60 * 1000;
const logger = pino({ level: 'silent' });

export async function run(): Promise<void> {
  const database = await connectDatabase({ mongodbUri: undefined, dataDir: '', inMemory: true }, logger);
  try {
    const models = createModels(database.connection);
    await ensureIndexes(models);
    const recipients = await addCustomers(models);
    await planning(models, recipients);
    await dispatch(models, database.connection.db!.collection<PacingDocument>('smspacing'), recipients);
  } finally {
    await database.stop();
  }
}

/** A zone where it is midday now, so that quiet hours hold nothing back. */
function middayZone(): string {
  const offset = 12 - new Date().getUTCHours();
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

async function addCustomers(models: Models): Promise<Types.ObjectId[]> {
  const ids = Array.from({ length: customers }, () => new Types.ObjectId());
  await models.customers.collection.insertMany(
    ids.map((_id, n) => ({
      _id,
      firstName: 'Bench',
      lastName: `Customer${n}`,
      phone: `+1555${String(1_000_000 + n).padStart(7, '0')}`,
      timezone: middayZone(),
      smsConsent: { status: 'opted_in' },
    })),
  );
  return ids;
}

/**
 * Policies for `recipients`: premiums due from `now` + 7 days over `dueSpreadMs`, terms ending over
 * the next year.
 */
async function addPolicies(
  models: Models,
  recipients: Types.ObjectId[],
  count: number,
  now: Date,
  dueSpreadMs: number,
) {
  const batch = 5000;
  for (let start = 0; start < count; start += batch) {
    await models.policies.collection.insertMany(
      Array.from({ length: Math.min(batch, count - start) }, (_, index) => {
        const n = start + index;
        return {
          _id: new Types.ObjectId(),
          number: `BEN-${String(n % 1_000_000).padStart(6, '0')}`,
          holder: recipients[n % recipients.length],
          status: 'active',
          premium: { amount: Types.Decimal128.fromString('42.50'), currency: 'USD', frequency: 'monthly' },
          nextDueDate: new Date(now.getTime() + 7 * day + spread(n, dueSpreadMs)),
          startDate: new Date(now.getTime() - 200 * day),
          endDate: new Date(now.getTime() + 7 * day + spread(n + 1, 365 * day)),
        };
      }),
      { ordered: false },
    );
  }
}

/** Policy `n`'s place in a spread of `ms`: scattered evenly, the same in every run. */
function spread(n: number, ms: number): number {
  return Math.floor((((n * 2_654_435_761) % 2 ** 32) / 2 ** 32) * ms);
}

/** Samples the heap while `work` runs; resolves with the time taken and the heap's peak growth. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; heapMb: number }> {
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 20);
  const startedAt = performance.now();
  try {
    const result = await work();
    return { result, seconds: (performance.now() - startedAt) / 1000, heapMb: (peak - before) / 2 ** 20 };
  } finally {
    clearInterval(sampler);
  }
}

function service(models: Models) {
  return new MongoReminderService({
    models,
    consent: { smsStatus: () => Promise.resolve('opted_in' as const) },
    conversations: { latest: () => Promise.resolve(undefined) },
    defaultTimeZone: 'America/New_York',
    logger,
  });
}

async function planning(models: Models, recipients: Types.ObjectId[]): Promise<void> {
  const now = new Date();
  const pass = async (count: number) => {
    await Promise.all([models.policies.deleteMany({}), models.reminders.deleteMany({})]);
    await addPolicies(models, recipients, count, new Date(now.getTime() - 7 * day), 30 * day);
    const baseline = await measured(async () => {
      let read = 0;
      for await (const policy of models.policies
        .find({})
        .select({ _id: 1, holder: 1, status: 1, nextDueDate: 1, endDate: 1 })
        .lean()
        .cursor({ batchSize: 1000 })) {
        if (policy) read++;
      }
      return read;
    });
    const plan = await measured(() => service(models).plan(now));
    const again = await measured(() => service(models).plan(now));
    return { baseline, plan, again };
  };
  const small = await pass(smallPlan);
  const large = await pass(policies);
  console.log(
    `Planning, one pass over a book of active policies (due dates over a month, ends over a year):`,
  );
  for (const [count, figures] of [
    [smallPlan, small],
    [policies, large],
  ] as const) {
    console.log(
      `  ${count} policies: ${figures.plan.seconds.toFixed(2)} s, ${figures.plan.result.scheduled} scheduled ` +
        `(${(count / figures.plan.seconds).toFixed(0)} policies/s; cursor read alone ${figures.baseline.seconds.toFixed(2)} s, ` +
        `ratio ${(figures.plan.seconds / figures.baseline.seconds).toFixed(1)}x); heap +${figures.plan.heapMb.toFixed(0)} MB`,
    );
    console.log(
      `    again (nothing new): ${figures.again.seconds.toFixed(2)} s, ${figures.again.result.scheduled} scheduled`,
    );
  }
  console.log(`  target: ${policies} policies < 10 s: ${large.plan.seconds < 10 ? 'met' : 'NOT met'}`);
  await Promise.all([models.policies.deleteMany({}), models.reminders.deleteMany({})]);
}

async function dispatch(
  models: Models,
  collection: Collection<PacingDocument>,
  recipients: Types.ObjectId[],
): Promise<void> {
  const now = new Date();
  // Each premium's 7-day reminder fell due within the last day.
  await addPolicies(models, recipients, reminders, new Date(now.getTime() - day), day);
  const reminderService = service(models);
  await reminderService.plan(now);
  const released = await measured(() => reminderService.release(now));
  const sms = released.result.filter((outcome) => outcome.outcome === 'sent').length;

  const received = new Set<string>();
  let duplicates = 0;
  let first = 0;
  let last = 0;
  const pacing = new SmsPacing({ models, collection, ratePerSecond, defaultTimeZone: 'America/New_York' });
  const dispatcher = new Dispatcher({
    models,
    conversations: { latest: () => Promise.resolve(undefined) },
    senders: [],
    logger,
    pollMs: 100,
    // Enough rows in flight that the pace, not the round trips of one row, sets the rate.
    concurrency: 32,
    deferUntil: async (row) => {
      const later = await pacing.deferUntil(row);
      if (!later) {
        // The local SMS stand-in: it takes the message the moment the pace lets it leave.
        const key = row.idempotencyKey;
        if (received.has(key)) duplicates++;
        received.add(key);
        last = performance.now();
        first ||= last;
      }
      return later;
    },
  });
  const run = await measured(async () => {
    dispatcher.start();
    while (received.size < sms) await new Promise((resolve) => setTimeout(resolve, 200));
    await dispatcher.stop();
  });
  const rate = (received.size - 1) / ((last - first) / 1000);
  const off = Math.abs(rate - ratePerSecond) / ratePerSecond;
  console.log(`Dispatch, ${reminders} due reminders by SMS at ${ratePerSecond}/s:`);
  console.log(
    `  released into the outbox: ${sms} in ${released.seconds.toFixed(2)} s (${(sms / released.seconds).toFixed(0)}/s)`,
  );
  console.log(
    `  delivered to the stand-in: ${received.size} in ${run.seconds.toFixed(1)} s, ${rate.toFixed(2)}/s ` +
      `(${(off * 100).toFixed(2)}% off the configured rate), ${duplicates} duplicates; heap +${run.heapMb.toFixed(0)} MB`,
  );
  console.log(`  target: within 5% of ${ratePerSecond}/s: ${off <= 0.05 ? 'met' : 'NOT met'}`);
}

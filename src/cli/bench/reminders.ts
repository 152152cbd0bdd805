/**
 * Reminders benchmark, in two parts, on the embedded server in its own process (`npm run db`), so that
 * what this process's memory shows is the planner's and the dispatcher's, not the stored rows.
 *
 * Planning: a book of active monthly policies, premiums falling due over the next 30 days and terms
 * ending over the next year; one planning pass streams them with a cursor, inserts the reminders due
 * in its window and re-checks every scheduled one, then a second pass finds nothing new. Baseline: a
 * cursor read of the same policies with nothing done with them. Run over 10,000 and 100,000 policies,
 * twice each. Targets: < 10 s for 100,000 policies; memory flat: the heap's and RSS's peak growth over
 * the pass about the same for 100,000 policies as for 10,000.
 *
 * Dispatch: due reminders released into the outbox as SMS, then delivered by the dispatcher at the
 * configured pace (the shared SMS pacing) through the SMS channel's sender and the Twilio client to the
 * local Twilio stand-in over HTTP. Baseline: the same path unpaced, the most it can carry. Run over
 * 1,000 and 10,000 reminders. Targets: the delivered rate of the 10,000 within 5% of the configured
 * one; memory flat.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import mongoose, { Types } from 'mongoose';
import { pino } from 'pino';
import restify from 'restify';
import { SmsOutbound } from '../../channels/sms/outbound.js';
import { smsSender } from '../../channels/sms/sender.js';
import { SmsStore } from '../../channels/sms/store.js';
import { createTwilioClient } from '../../channels/sms/twilio-client.js';
import { createModels, ensureIndexes, type Models } from '../../db/models/index.js';
import { MongoReminderService } from '../../domain/reminders.js';
import { Dispatcher } from '../../notifications/dispatcher.js';
import { pacedConcurrency, SmsPacing, type PacingDocument } from '../../notifications/sms-pacing.js';
import { TwilioSandbox } from '../../sandbox/twilio/index.js';

const books = [10_000, 100_000];
const planRounds = 2;
const batches = [1_000, 10_000];
const unpacedBatch = 2_000;
const ratePerSecond = 100;
const customers = 100;
const day = 24 * 60 * 60 * 1000;
const mb = 2 ** 20;
const logger = pino({ level: 'silent' });

/** A full garbage collection, so that growth is measured from what is live. */
const gc: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

export async function run(): Promise<void> {
  const database = await databaseProcess();
  const connection = await mongoose
    // A long timeout for the driver's server monitor: on a busy machine one big deleteMany between
    // rounds can keep the server from answering its heartbeat for longer than the default 30 s.
    .createConnection(database.uri, {
      dbName: 'insuralink_bench_reminders',
      autoIndex: false,
      connectTimeoutMS: 300_000,
      socketTimeoutMS: 0,
    })
    .asPromise();
  try {
    const models = createModels(connection);
    await ensureIndexes(models);
    const recipients = await addCustomers(models);
    await planning(models, recipients);
    await dispatch(connection, models, recipients);
  } finally {
    await connection.close();
    await database.stop();
  }
}

/** The embedded server as `npm run db` runs it, in memory, reached over its Unix socket. */
async function databaseProcess(): Promise<{ uri: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'insuralink-bench-reminders-'));
  const script = fileURLToPath(new URL('../db.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script, '--port', '0', '--socket', join(dir, 'db.sock')],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await Promise.race([
      lines.next(),
      exited.then(() => {
        throw new Error('the database process exited before printing its URI');
      }),
    ]);
    return String(line.value).trim();
  };
  await next();
  const uri = await next();
  return {
    uri,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A zone where it is midday now, so that quiet hours hold nothing back. */
function middayZone(): string {
  const offset = 12 - new Date().getUTCHours();
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

const phoneOf = (n: number) => `+1555${String(1_000_000 + n).padStart(7, '0')}`;

async function addCustomers(models: Models): Promise<Map<string, string>> {
  const ids = Array.from({ length: customers }, () => new Types.ObjectId());
  await models.customers.collection.insertMany(
    ids.map((_id, n) => ({
      _id,
      firstName: 'Bench',
      lastName: `Customer${n}`,
      phone: phoneOf(n),
      timezone: middayZone(),
    })),
  );
  return new Map(ids.map((id, n) => [id.toString(), phoneOf(n)]));
}

/**
 * `count` policies of `recipients`: premiums due from `start` + 7 days over `dueSpreadMs`, terms
 * ending over the next year.
 */
async function addPolicies(
  models: Models,
  recipients: Map<string, string>,
  count: number,
  start: Date,
  dueSpreadMs: number,
) {
  const holders = [...recipients.keys()].map((id) => new Types.ObjectId(id));
  const batch = 5000;
  for (let first = 0; first < count; first += batch) {
    await models.policies.collection.insertMany(
      Array.from({ length: Math.min(batch, count - first) }, (_, index) => {
        const n = first + index;
        return {
          _id: new Types.ObjectId(),
          number: `BEN-${String(n % 1_000_000).padStart(6, '0')}`,
          holder: holders[n % holders.length],
          status: 'active',
          premium: { amount: Types.Decimal128.fromString('42.50'), currency: 'USD', frequency: 'monthly' },
          nextDueDate: new Date(start.getTime() + 7 * day + spread(n, dueSpreadMs)),
          startDate: new Date(start.getTime() - 200 * day),
          endDate: new Date(start.getTime() + 7 * day + spread(n + 1, 365 * day)),
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

interface Measured<T> {
  result: T;
  seconds: number;
  /** Peak minus start, sampled every 20 ms, in MB: the heap with its garbage, and the RSS. */
  heapPeakMb: number;
  rssPeakMb: number;
  /** The live heap's peak minus the start (sampled after a full collection), in MB, when asked for. */
  livePeakMb?: number;
}

/**
 * Times `work` and samples this process's heap and RSS while it runs; with `liveEveryMs`, also the
 * live heap, after a full collection each time (which slows the work down: not for timed passes).
 */
async function measured<T>(work: () => Promise<T>, liveEveryMs?: number): Promise<Measured<T>> {
  gc();
  const start = process.memoryUsage();
  const peak = { heap: start.heapUsed, rss: start.rss, live: start.heapUsed };
  const sample = () => {
    const now = process.memoryUsage();
    peak.heap = Math.max(peak.heap, now.heapUsed);
    peak.rss = Math.max(peak.rss, now.rss);
  };
  const sampler = setInterval(sample, 20);
  const live = liveEveryMs
    ? setInterval(() => {
        gc();
        peak.live = Math.max(peak.live, process.memoryUsage().heapUsed);
      }, liveEveryMs)
    : undefined;
  const startedAt = performance.now();
  try {
    const result = await work();
    const seconds = (performance.now() - startedAt) / 1000;
    sample();
    return {
      result,
      seconds,
      heapPeakMb: (peak.heap - start.heapUsed) / mb,
      rssPeakMb: (peak.rss - start.rss) / mb,
      ...(live ? { livePeakMb: (peak.live - start.heapUsed) / mb } : {}),
    };
  } finally {
    clearInterval(sampler);
    clearInterval(live);
  }
}

const memory = (figures: Measured<unknown>) =>
  `heap peak +${figures.heapPeakMb.toFixed(1)} MB` +
  (figures.livePeakMb === undefined ? '' : `, live heap peak +${figures.livePeakMb.toFixed(1)} MB`) +
  `, RSS peak +${figures.rssPeakMb.toFixed(1)} MB`;

function service(models: Models) {
  return new MongoReminderService({
    models,
    consent: { smsStatus: () => Promise.resolve('opted_in' as const) },
    conversations: { latest: () => Promise.resolve(undefined) },
    defaultTimeZone: 'America/New_York',
    logger,
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

async function planning(models: Models, recipients: Map<string, string>): Promise<void> {
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
    // The same pass once more from scratch, for its live heap (slowed by the collections).
    await models.reminders.deleteMany({});
    const live = await measured(() => service(models).plan(now), 100);
    const again = await measured(() => service(models).plan(now));
    return { baseline, plan, live, again };
  };
  console.log(
    'Planning, one pass over a book of active policies (due dates over a month, ends over a year), database in its own process:',
  );
  const results = new Map<number, Awaited<ReturnType<typeof pass>>[]>();
  for (let round = 0; round < planRounds; round++) {
    for (const count of books) {
      const figures = await pass(count);
      results.set(count, [...(results.get(count) ?? []), figures]);
      console.log(
        `  ${count} policies, round ${round + 1}: ${figures.plan.seconds.toFixed(2)} s, ` +
          `${figures.plan.result.scheduled} scheduled (${(count / figures.plan.seconds).toFixed(0)} policies/s; ` +
          `cursor read alone ${figures.baseline.seconds.toFixed(2)} s, ${(figures.plan.seconds / figures.baseline.seconds).toFixed(1)}x); ` +
          `${memory(figures.plan)}; live heap peak +${figures.live.livePeakMb!.toFixed(1)} MB`,
      );
      console.log(
        `    again (nothing new): ${figures.again.seconds.toFixed(2)} s, ${figures.again.result.scheduled} scheduled, ` +
          `${figures.again.result.cancelled} cancelled; ${memory(figures.again)}`,
      );
    }
  }
  const [small, large] = books.map((count) => results.get(count)!);
  const largeSeconds = median(large!.map((figures) => figures.plan.seconds));
  const worst = (runs: typeof small, figure: (one: NonNullable<typeof small>[number]) => number) =>
    Math.max(...runs!.map(figure));
  const liveOf = (runs: typeof small) => worst(runs, (one) => one.live.livePeakMb!);
  const heapOf = (runs: typeof small) => worst(runs, (one) => one.plan.heapPeakMb);
  const rssOf = (runs: typeof small) => worst(runs, (one) => one.plan.rssPeakMb);
  const flat = liveOf(large) < 2 * Math.max(liveOf(small), 1);
  console.log(
    `  ${books[1]} against ${books[0]} policies (10x the work), worst round: live heap peak growth ` +
      `${liveOf(large).toFixed(1)} MB against ${liveOf(small).toFixed(1)} MB (${(liveOf(large) / liveOf(small)).toFixed(2)}x); ` +
      `heap with garbage ${heapOf(large).toFixed(1)} against ${heapOf(small).toFixed(1)} MB; ` +
      `RSS ${rssOf(large).toFixed(1)} against ${rssOf(small).toFixed(1)} MB`,
  );
  console.log(
    `  target: ${books[1]} policies < 10 s (median ${largeSeconds.toFixed(2)} s): ${largeSeconds < 10 ? 'met' : 'NOT met'}; ` +
      `memory flat (live heap peak at 10x the policies < 2x): ${flat ? 'met' : 'NOT met'}`,
  );
  await Promise.all([models.policies.deleteMany({}), models.reminders.deleteMany({})]);
}

/** The Twilio stand-in on a local server, and the SMS channel's sender in front of it. */
async function smsPath(connection: mongoose.Connection) {
  const server = restify.createServer({ name: 'bench-twilio', handleUncaughtExceptions: false });
  // Where the stand-in posts its status callbacks: accepted and ignored here.
  server.post('/api/sms/status', async (_req: restify.Request, res: restify.Response) => {
    res.send(204);
  });
  let localUrl = '';
  const sandbox = new TwilioSandbox({
    publicUrl: () => localUrl,
    localUrl: () => localUrl,
    demoNumbers: () => Promise.resolve([]),
    logger,
  });
  sandbox.register(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  localUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const store = new SmsStore(connection);
  await store.ensureIndexes();
  const outbound = new SmsOutbound({
    client: createTwilioClient({
      accountSid: sandbox.accountSid,
      authToken: sandbox.authToken,
      fromNumber: sandbox.number,
      apiBaseUrl: () => sandbox.apiBaseUrl(),
    }),
    store,
    consent: { smsStatus: () => Promise.resolve('opted_in' as const) },
    hashKey: Buffer.alloc(32, 7),
    statusCallback: () => `${localUrl}/api/sms/status`,
  });
  return {
    sandbox,
    sender: smsSender(outbound, store),
    async stop() {
      await sandbox.close();
      server.close();
    },
  };
}

async function dispatch(
  connection: mongoose.Connection,
  models: Models,
  recipients: Map<string, string>,
): Promise<void> {
  const collection = connection.db!.collection<PacingDocument>('smspacing');
  const path = await smsPath(connection);
  const phones = [...recipients.values()];
  /** What the stand-in took since `since` (epoch ms), this round's messages. */
  const deliveredSince = (since: number) =>
    phones
      .flatMap((phone) => path.sandbox.received(phone))
      .filter((message) => message.at.getTime() >= since);
  const round = async (count: number, rate: number | undefined) => {
    await Promise.all([
      models.policies.deleteMany({}),
      models.reminders.deleteMany({}),
      models.notifications.deleteMany({}),
      collection.deleteMany({}),
    ]);
    const now = new Date();
    // Each premium's 7-day reminder fell due within the last day.
    await addPolicies(models, recipients, count, new Date(now.getTime() - day), day);
    const reminderService = service(models);
    await reminderService.plan(now);
    const released = await measured(() => reminderService.release(now));
    const sms = released.result.filter((outcome) => outcome.outcome === 'sent').length;
    const pacing = rate
      ? new SmsPacing({ models, collection, ratePerSecond: rate, defaultTimeZone: 'America/New_York' })
      : undefined;
    const dispatcher = new Dispatcher({
      models,
      conversations: { latest: () => Promise.resolve(undefined) },
      senders: [path.sender],
      phones: { phoneOf: (customerId) => Promise.resolve(recipients.get(customerId)) },
      logger,
      // As many workers as the app runs at this pace.
      concurrency: pacedConcurrency(rate ?? ratePerSecond),
      ...(pacing ? { deferUntil: (row) => pacing.deferUntil(row) } : {}),
    });
    // A machine too busy to carry the pace would make the round last for ever: it is cut off at
    // twice the paced time (plus half a minute), and the rate is taken over what left until then.
    const limitMs = (sms / (rate ?? ratePerSecond)) * 2000 + 30_000;
    let sent = 0;
    const since = Date.now();
    const figures = await measured(async () => {
      const startedAt = Date.now();
      dispatcher.start();
      const done = () => models.notifications.countDocuments({ status: { $in: ['sent', 'failed'] } });
      while ((sent = await done()) < sms && Date.now() - startedAt < limitMs) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      await dispatcher.stop();
    }, 500);
    const messages = deliveredSince(since);
    const times = messages.map((message) => message.at.getTime()).sort((a, b) => a - b);
    const failed = await models.notifications.countDocuments({ status: 'failed' });
    return {
      sms,
      released,
      figures,
      received: messages.length,
      failed,
      cutOff: sent < sms,
      duplicates: messages.length - (sent - failed),
      rate: (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000),
    };
  };

  try {
    console.log(
      `Dispatch of due reminders by SMS through the SMS sender and the Twilio client to the local stand-in:`,
    );
    const unpaced = await round(unpacedBatch, undefined);
    console.log(
      `  baseline, unpaced: ${unpaced.received} delivered at ${unpaced.rate.toFixed(0)}/s (what the path carries)` +
        (unpaced.cutOff ? ', CUT OFF at the time limit' : ''),
    );
    const paced: Awaited<ReturnType<typeof round>>[] = [];
    for (const count of batches) {
      const result = await round(count, ratePerSecond);
      paced.push(result);
      const share = result.rate / ratePerSecond;
      console.log(
        `  ${count} reminders at ${ratePerSecond}/s: released into the outbox in ${result.released.seconds.toFixed(2)} s ` +
          `(${(result.sms / result.released.seconds).toFixed(0)}/s); delivered ${result.received} in ` +
          `${result.figures.seconds.toFixed(1)} s at ${result.rate.toFixed(2)}/s = ${(share * 100).toFixed(1)}% of the configured rate ` +
          `(the pace asks for ${((ratePerSecond / unpaced.rate) * 100).toFixed(0)}% of what the path carries), ` +
          `${result.failed} failed, ${result.cutOff ? 'CUT OFF at the time limit' : `${result.duplicates} duplicates`}; ` +
          memory(result.figures),
      );
    }
    const large = paced.at(-1)!;
    const small = paced[0]!;
    const off = Math.abs(large.rate - ratePerSecond) / ratePerSecond;
    console.log(
      `  ${batches[1]} against ${batches[0]} reminders (10x): live heap peak growth ${large.figures.livePeakMb!.toFixed(1)} MB ` +
        `against ${small.figures.livePeakMb!.toFixed(1)} MB (the stand-in in this process keeps every message it took), ` +
        `RSS peak growth ${large.figures.rssPeakMb.toFixed(1)} MB against ${small.figures.rssPeakMb.toFixed(1)} MB`,
    );
    console.log(
      `  target: within 5% of ${ratePerSecond}/s (${(off * 100).toFixed(2)}% off): ${off <= 0.05 ? 'met' : 'NOT met'}`,
    );
  } finally {
    await path.stop();
  }
}

/**
 * SMS benchmark: N phones each text the app M messages through `POST /api/sms/inbound`, signed as
 * Twilio signs (the app checks every signature), and a turn ends when its replies have reached Twilio
 * through the REST API. In the same run, the same turns go over Direct Line as the official client has
 * them: a POST of the activity, the replies on the conversation's WebSocket stream. Two figures matter: how fast the webhook answers (Twilio gives
 * up after 15 s; target p99 < 100 ms) and SMS turns/s against Direct Line turns/s (target ≥ 80%).
 *
 * The app runs as a deployment on Twilio does (`TWILIO_*`, `PUBLIC_BASE_URL`), with `TWILIO_API_BASE_URL`
 * pointing at the Twilio stand-in. The stand-in, the phones and the Direct Line clients run in a worker
 * thread with a server of their own: Twilio and customers are other machines, so their share of each
 * exchange (signing webhooks, answering `messages.create`, sending status callbacks) should not queue
 * behind the app on one event loop. Rounds alternate so drift favours neither channel.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { createApp } from '../../app.js';
import { loadConfig } from '../../config.js';
import { createHttpServer } from '../../http/server.js';
import { sandboxApiPath, TwilioSandbox } from '../../sandbox/twilio/index.js';
import { DirectLineCustomer, serveAsks, startBenchWorker } from '../bench-clients.js';
import { percentile } from '../percentile.js';

/**
 * Enough for both channels to keep the app busy, so that turns/s measure what the app carries: an SMS
 * turn waits on more round trips than a Direct Line turn (the webhook, each send to Twilio), and with 20
 * conversations the app was idle part of an SMS round (from 20 to 32, SMS turns/s rose by a fifth to a
 * third, Direct Line's by under a tenth).
 */
const conversations = 32;
const messagesPerConversation = 10;
/** What each customer says, round-robin; none needs signing in, so both channels do the same work. */
const messages = ['hi', 'what is a deductible?', 'help', 'what does home insurance cover?'];
/**
 * Unmeasured rounds per channel first, while the code is still being compiled: the SMS path (more of
 * it, the stand-in's side too) reached its pace only in its third round.
 */
const warmUpRounds = 3;
const measuredRounds = 3;

type Channel = 'sms' | 'directLine';

interface Round {
  turns: number;
  seconds: number;
  /** Per turn, ms: the webhook's answer (SMS) or the POST's (Direct Line). */
  answered: number[];
  /** Per turn, ms, until the replies arrived. */
  turnMs: number[];
  /** Time the app's event loop was busy, ms per turn. */
  busyMs: number;
}

/** What the worker reports when its stand-in listens. */
interface TwilioAccount {
  accountSid: string;
  authToken: string;
  number: string;
  apiBaseUrl: string;
}

export async function run(): Promise<void> {
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'insuralink-bench-sms-'));
  // The stand-in, the phones and the Direct Line clients: a worker thread with a server of its own.
  const clients = startBenchWorker<Ask>(import.meta.url, { smsBench: appUrl });
  let app: ReturnType<typeof createApp> | undefined;
  try {
    const twilio = (await clients.ask({ kind: 'account' })) as TwilioAccount;
    app = createApp(
      loadConfig({
        PORT: String(port),
        PUBLIC_BASE_URL: appUrl,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        TWILIO_ACCOUNT_SID: twilio.accountSid,
        TWILIO_AUTH_TOKEN: twilio.authToken,
        TWILIO_FROM_NUMBER: twilio.number,
        TWILIO_API_BASE_URL: twilio.apiBaseUrl,
      }),
      { inMemoryDatabase: true, shutdownGraceMs: 1000 },
    );
    await app.start();
    await clients.ask({ kind: 'countReplies' });
    const round = async (channel: Channel): Promise<Round> => {
      await clients.ask({ kind: 'prepare', channel });
      await sleep(500);
      const loop = performance.eventLoopUtilization();
      const result = (await clients.ask({ kind: 'round', channel })) as Omit<Round, 'busyMs'>;
      const busy = performance.eventLoopUtilization(loop).active;
      return { ...result, busyMs: busy / result.turns };
    };
    for (let i = 0; i < warmUpRounds; i++) {
      await round('sms');
      await round('directLine');
    }
    const sms: Round[] = [];
    const directLine: Round[] = [];
    for (let i = 0; i < measuredRounds; i++) {
      // Each channel goes first as often as the other, give or take one round.
      const order: Channel[] = i % 2 === 0 ? ['sms', 'directLine'] : ['directLine', 'sms'];
      for (const channel of order) (channel === 'sms' ? sms : directLine).push(await round(channel));
    }
    const smsFigures = summarise(sms);
    const dlFigures = summarise(directLine);
    console.log(
      `${conversations} conversations × ${messagesPerConversation} messages, ${measuredRounds} rounds each, alternating`,
    );
    print('SMS (signed webhook → replies at Twilio)', smsFigures);
    print('Direct Line (POST activity → replies on the stream)', dlFigures);
    const ratio = smsFigures.rate / dlFigures.rate;
    console.log(
      `SMS turns/s against Direct Line: ${(ratio * 100).toFixed(0)}% (target ≥ 80%: ${ratio >= 0.8 ? 'met' : 'NOT met'})`,
    );
    console.log(
      `webhook answered p99 ${smsFigures.answeredP99.toFixed(1)} ms (target < 100 ms: ${smsFigures.answeredP99 < 100 ? 'met' : 'NOT met'})`,
    );
  } finally {
    await app?.stop();
    await clients.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** A port nobody listens on now: the app's public URL, which webhooks are signed on, must be known first. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

type Ask = { kind: 'account' } | { kind: 'countReplies' } | { kind: 'prepare' | 'round'; channel: Channel };

const benchWorker = (workerData as { smsBench?: unknown } | null)?.smsBench;
if (!isMainThread && typeof benchWorker === 'string') {
  const started = startTwilio(benchWorker);
  let replies = new Map<string, number>();
  let phoneSeq = 0;
  let customers: DirectLineCustomer[] = [];
  serveAsks(async (ask: Ask): Promise<unknown> => {
    const { sandbox, account } = await started;
    if (ask.kind === 'account') return account;
    if (ask.kind === 'countReplies') {
      replies = await repliesPerMessage(sandbox);
      return replies.size;
    }
    if (ask.channel === 'sms') {
      if (ask.kind === 'prepare') return null;
      return runRound(() =>
        smsConversation(sandbox, `+1555557${String(phoneSeq++).padStart(4, '0')}`, replies),
      );
    }
    // Customers open their conversations before the round, as phones need no setup either.
    if (ask.kind === 'prepare') {
      customers = await Promise.all(
        Array.from({ length: conversations }, () =>
          DirectLineCustomer.start(benchWorker, { chatTokenEndpoint: true }),
        ),
      );
      return null;
    }
    try {
      return await runRound((index) => directLineConversation(customers[index]!));
    } finally {
      for (const customer of customers) customer.close();
    }
  });
}

/** The Twilio stand-in on a server of its own, calling the app at `appUrl`. */
async function startTwilio(appUrl: string): Promise<{ sandbox: TwilioSandbox; account: TwilioAccount }> {
  const logger = pino({ level: 'silent' });
  const server = createHttpServer(logger, { securityHeaders: false });
  let apiUrl = '';
  const sandbox = new TwilioSandbox({
    publicUrl: () => appUrl,
    localUrl: () => appUrl,
    apiUrl: () => apiUrl,
    demoNumbers: () => Promise.resolve([]),
    logger,
  });
  sandbox.register(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${sandboxApiPath}`;
  return {
    sandbox,
    account: {
      accountSid: sandbox.accountSid,
      authToken: sandbox.authToken,
      number: sandbox.number,
      apiBaseUrl: apiUrl,
    },
  };
}

/** How many messages the bot answers each benchmark message with, over SMS (deterministic replies). */
async function repliesPerMessage(sandbox: TwilioSandbox): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const phone = '+15555569999';
  for (const message of messages) {
    const before = sandbox.received(phone).length;
    await sandbox.text({ from: phone, body: message });
    await sandbox.waitUntil(() => sandbox.received(phone).length > before);
    // Replies of one turn leave one after another: wait until no more arrive.
    let seen = -1;
    while (seen !== sandbox.received(phone).length) {
      seen = sandbox.received(phone).length;
      await sleep(300);
    }
    counts.set(message, seen - before);
  }
  return counts;
}

type Conversation = () => Promise<{ answered: number[]; turnMs: number[] }>;

async function runRound(conversation: (index: number) => Conversation): Promise<Omit<Round, 'busyMs'>> {
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: conversations }, (_, index) => conversation(index)()),
  );
  const seconds = (performance.now() - started) / 1000;
  const answered = results.flatMap((result) => result.answered);
  return { turns: answered.length, seconds, answered, turnMs: results.flatMap((result) => result.turnMs) };
}

function smsConversation(sandbox: TwilioSandbox, phone: string, replies: Map<string, number>): Conversation {
  return async () => {
    const answered: number[] = [];
    const turnMs: number[] = [];
    for (let n = 0; n < messagesPerConversation; n++) {
      const message = messages[n % messages.length]!;
      const expected = sandbox.received(phone).length + (replies.get(message) ?? 1);
      const start = performance.now();
      const { status } = await sandbox.text({ from: phone, body: message });
      answered.push(performance.now() - start);
      if (status !== 200) throw new Error(`the webhook answered ${status}`);
      await sandbox.waitUntil(() => sandbox.received(phone).length >= expected, 30_000);
      turnMs.push(performance.now() - start);
    }
    return { answered, turnMs };
  };
}

function directLineConversation(customer: DirectLineCustomer): Conversation {
  return async () => {
    const answered: number[] = [];
    const turnMs: number[] = [];
    for (let n = 0; n < messagesPerConversation; n++) {
      const turn = await customer.say(messages[n % messages.length]!);
      answered.push(turn.answeredMs);
      turnMs.push(turn.turnMs);
    }
    return { answered, turnMs };
  };
}

function summarise(rounds: Round[]) {
  const turns = rounds.reduce((sum, round) => sum + round.turns, 0);
  const seconds = rounds.reduce((sum, round) => sum + round.seconds, 0);
  const answered = rounds.flatMap((round) => round.answered).sort((a, b) => a - b);
  const turnMs = rounds.flatMap((round) => round.turnMs).sort((a, b) => a - b);
  return {
    rate: turns / seconds,
    answeredP50: percentile(answered, 0.5),
    answeredP99: percentile(answered, 0.99),
    turnP50: percentile(turnMs, 0.5),
    turnP99: percentile(turnMs, 0.99),
    busyMs: rounds.reduce((sum, round) => sum + round.busyMs * round.turns, 0) / turns,
  };
}

function print(name: string, figures: ReturnType<typeof summarise>): void {
  console.log(
    `${name}: ${figures.rate.toFixed(1)} turns/s; answered p50 ${figures.answeredP50.toFixed(1)} ms, ` +
      `p99 ${figures.answeredP99.toFixed(1)} ms; turn p50 ${figures.turnP50.toFixed(1)} ms, p99 ${figures.turnP99.toFixed(1)} ms; ` +
      `app busy ${figures.busyMs.toFixed(2)} ms per turn`,
  );
}

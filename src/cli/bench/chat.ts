/**
 * Chat benchmark: N concurrent Direct Line conversations each send M messages through the Direct Line
 * endpoint (HTTP POST, replies over the WebSocket stream), once against the whole InsuraLink app (each
 * customer verifies as the demo customer, then asks for their policies) and once against a bare echo
 * bot behind the same Direct Line channel code, in the same run. A turn's latency runs from its POST
 * leaving the client until the turn is over (POST answered) and its replies have arrived on the stream.
 *
 * Two phases. Saturated: every customer sends its next message the moment the reply arrives, which
 * measures capacity (turns/s). Paced: customers pause between a reply and their next message as people
 * do (here 1 s ± 50%, still brisker than anyone types), which measures the latency a customer sees with
 * 50 conversations going on at once. Under saturation latency only reflects the queue: by Little's law
 * it is the number of customers divided by the turn rate, whatever the bot does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread, workerData } from 'node:worker_threads';
import { ActivityHandler } from 'botbuilder';
import { pino } from 'pino';
import { createApp } from '../../app.js';
import { createDirectLineChannel } from '../../channels/directline/index.js';
import { loadConfig } from '../../config.js';
import { connectDatabase } from '../../db/connection.js';
import { createFileStore } from '../../files/file-store.js';
import { createMongoLimiter } from '../../http/rate-limit.js';
import { setSecurityHeaders } from '../../http/security-headers.js';
import { createHttpServer } from '../../http/server.js';
import { DirectLineCustomer, serveAsks, startBenchWorker } from '../bench-clients.js';
import { percentile } from '../percentile.js';

/** Load shape of a round (the targets are stated for 50 conversations). */
interface LoadShape {
  conversations: number;
  messagesPerConversation: number;
  /** Mean pause between a reply and the customer's next message, ms (0: saturated). */
  pauseMs: number;
}

/** A server to measure and what each simulated customer says to it. */
interface Target {
  name: string;
  baseUrl: string;
  /** Sent first in every conversation and not measured (signing in). */
  setup: string[];
  /** Sent, and measured, round-robin for the rest of the conversation. */
  messages: string[];
  /** Called before each of its rounds (targets sharing one server set it up for themselves). */
  prepare?: () => void;
  stop(): Promise<void>;
}

const saturating: LoadShape = { conversations: 50, messagesPerConversation: 20, pauseMs: 0 };
const paced: LoadShape = { conversations: 50, messagesPerConversation: 10, pauseMs: 1000 };
/**
 * Unmeasured rounds per bot first. Compilation goes on for a few thousand turns (a bot's first saturated
 * rounds ran 40% slower than its later ones), and with a shorter warm-up whichever bot was measured first
 * paid for it: the same echo bot measured twice read 81% of itself.
 */
const warmUp: LoadShape = { conversations: 50, messagesPerConversation: 20, pauseMs: 0 };
const warmUpRounds = 2;
/** Saturated rounds per bot: each place of the order this many times, as background load drifts. */
const saturatedRotations = 2;
const secret = 'bench-directline-secret-0123456789';
/** Pause before each round. */
const settleMs = 2000;

export async function run(): Promise<void> {
  const targets: Target[] = [];
  const load = startBenchWorker<LoadAsk>(import.meta.url, { chatBench: true });
  try {
    // One at a time, so whatever started is stopped should a later one fail.
    targets.push(...(await startEchoServer()));
    targets.push(await startInsuraLink());
    const [echo, bare, app] = targets as [Target, Target, Target];
    const session = async (target: Target, shape: LoadShape): Promise<Figures> => {
      // What the previous round left (the app's transcript writes, outbox, garbage) settles first, so it
      // does not land on whichever bot comes next.
      await sleep(settleMs);
      target.prepare?.();
      // Everyone signs in first, so the measured part is the steady state of N conversations at once.
      await load.ask({
        kind: 'signIn',
        round: { ...shape, baseUrl: target.baseUrl, setup: target.setup, messages: target.messages },
      });
      const cpu = process.cpuUsage();
      const result = (await load.ask({ kind: 'run' })) as RoundResult;
      const { user, system } = process.cpuUsage(cpu);
      const turns = result.latencies.length;
      return { ...result, turns, cpuPerTurn: (user + system) / 1000 / turns };
    };
    for (let round = 0; round < warmUpRounds; round++) {
      for (const target of targets) await session(target, warmUp);
    }

    // Each bot takes each place in the order once: a round's place (right after another bot's round,
    // heap growth, other load on the machine) moves its figures by more than the limits cost.
    const rotation = targets.map((_, start) => [...targets.slice(start), ...targets.slice(0, start)]);
    const measure = async (shape: LoadShape, rotations: number) => {
      const orders = Array.from({ length: rotations }, () => rotation).flat();
      const rounds = new Map<Target, Figures[]>(targets.map((target) => [target, []]));
      for (const order of orders) {
        for (const target of order) rounds.get(target)?.push(await session(target, shape));
      }
      return new Map([...rounds].map(([target, figures]) => [target, combine(figures)]));
    };
    const figuresOf = (figures: Map<Target, Figures>, target: Target) => figures.get(target) as Figures;

    console.log(
      `Saturated: ${saturating.conversations} concurrent conversations × ${saturating.messagesPerConversation} messages each, ` +
        `no pause, ${saturatedRotations * rotation.length} rounds per bot, each bot ${saturatedRotations} times in each place of the order`,
    );
    const saturated = await measure(saturating, saturatedRotations);
    for (const target of targets) print(target.name, figuresOf(saturated, target));

    console.log(
      `Paced: ${paced.conversations} concurrent conversations × ${paced.messagesPerConversation} messages each, ` +
        `${paced.pauseMs} ms ± 50% between a reply and the next message`,
    );
    const pacedFigures = await measure(paced, 1);
    for (const target of targets) printLatency(target.name, figuresOf(pacedFigures, target));

    const guarded = rate(figuresOf(saturated, echo)) / rate(figuresOf(saturated, bare));
    const ratio = rate(figuresOf(saturated, app)) / rate(figuresOf(saturated, echo));
    const p99 = percentile(sortedLatencies(figuresOf(pacedFigures, app)), 0.99);
    console.log(
      `Echo bot with / without rate limits and security headers, turns/s (saturated): ${(guarded * 100).toFixed(0)}% ` +
        `(target ≥ 95%: ${guarded >= 0.95 ? 'met' : 'NOT met'}); CPU per turn ` +
        `${((figuresOf(saturated, echo).cpuPerTurn / figuresOf(saturated, bare).cpuPerTurn) * 100).toFixed(0)}%`,
    );
    console.log(
      `InsuraLink / echo turns/s (saturated): ${(ratio * 100).toFixed(0)}% (target ≥ 50%: ${ratio >= 0.5 ? 'met' : 'NOT met'})`,
    );
    console.log(
      `InsuraLink p99 at ${paced.conversations} paced conversations: ${p99.toFixed(1)} ms ` +
        `(target < 100 ms: ${p99 < 100 ? 'met' : 'NOT met'})`,
    );
  } finally {
    await load.stop();
    for (const target of targets.reverse()) await target.stop();
  }
}

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
      await next();
    });
  }
}

/** Whether the echo server's rate limits and security headers are on; the benchmark switches them. */
const guards = { on: true };

/**
 * The Direct Line channel alone with an echo bot, on its own in-memory database. It gives two targets
 * on one server: with the rate limits and security headers, and with them switched off for the round,
 * so their cost is measured on the same server, database and code paths.
 */
async function startEchoServer(): Promise<[Target, Target]> {
  const logger = pino({ level: 'silent' });
  const database = await connectDatabase({ mongodbUri: undefined, dataDir: '', inMemory: true }, logger);
  const mongo = database.connection.db!;
  const server = createHttpServer(logger, { securityHeaders: false });
  server.pre((_req, res, next) => {
    if (guards.on) setSecurityHeaders(res);
    next();
  });
  let baseUrl = '';
  const channel = await createDirectLineChannel({
    connection: database.connection,
    bot: new EchoBot(),
    files: createFileStore({ db: mongo, secret, baseUrl: () => baseUrl }),
    secret,
    baseUrl: () => baseUrl,
    logger,
    async limiter(name, limit) {
      const limiter = await createMongoLimiter(mongo, name, limit);
      return { consume: (key) => (guards.on ? limiter.consume(key) : Promise.resolve()) };
    },
  });
  channel.register(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const echo = {
    baseUrl,
    setup: [],
    messages: ['hello'],
    async stop() {
      await channel.close();
      await new Promise<void>((resolve) => {
        server.server.close(() => resolve());
        server.server.closeAllConnections();
      });
      await database.stop();
    },
  };
  return [
    { ...echo, name: 'echo bot', prepare: () => (guards.on = true) },
    {
      ...echo,
      name: 'echo bot without rate limits or security headers',
      prepare: () => (guards.on = false),
      stop: () => Promise.resolve(),
    },
  ];
}

/** The whole app as `npm start` builds it, with demo data in an in-memory database. */
async function startInsuraLink(): Promise<Target> {
  const dataDir = await mkdtemp(join(tmpdir(), 'insuralink-bench-'));
  const app = createApp(
    loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', DIRECTLINE_SECRET: secret }),
    { inMemoryDatabase: true, shutdownGraceMs: 1000 },
  );
  const stop = async () => {
    try {
      await app.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  };
  try {
    const url = await app.start();
    return {
      name: 'InsuraLink bot (policy lookup, verified demo customer)',
      baseUrl: url.replace('localhost', '127.0.0.1'),
      setup: ['Show my policies', 'AUT-100200', 'April 12, 1988'],
      messages: ['Show my policies'],
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

interface Figures {
  turns: number;
  seconds: number;
  latencies: number[];
  /** Process CPU time per turn, ms: server, database and the simulated clients' thread together. */
  cpuPerTurn: number;
}

/** One measured round, run by the load worker. */
interface Round extends LoadShape {
  baseUrl: string;
  setup: string[];
  messages: string[];
}

interface RoundResult {
  latencies: number[];
  seconds: number;
}

/**
 * The simulated customers run in a worker thread: real clients are other machines, so their HTTP and
 * WebSocket work should not queue behind the server on one event loop and inflate its latency. A
 * round is two asks: every customer signs in, then the measured messages.
 */
type LoadAsk = { kind: 'signIn'; round: Round } | { kind: 'run' };

if (!isMainThread && (workerData as { chatBench?: unknown } | null)?.chatBench === true) {
  let signedIn: { round: Round; customers: DirectLineCustomer[] } | undefined;
  serveAsks(async (ask: LoadAsk) => {
    if (ask.kind === 'signIn') {
      const { round } = ask;
      const customers = await Promise.all(
        Array.from({ length: round.conversations }, async () => {
          const customer = await DirectLineCustomer.start(round.baseUrl, { secret });
          for (const text of round.setup) await customer.say(text);
          return customer;
        }),
      );
      signedIn = { round, customers };
      return null;
    }
    if (!signedIn) throw new Error('run before sign-in');
    const { round, customers } = signedIn;
    signedIn = undefined;
    try {
      return await loadRound(round, customers);
    } finally {
      for (const customer of customers) customer.close();
    }
  });
}

async function loadRound(round: Round, customers: DirectLineCustomer[]): Promise<RoundResult> {
  const started = performance.now();
  const results = await Promise.all(
    customers.map(async (customer) => {
      const latencies: number[] = [];
      for (let index = 0; index < round.messagesPerConversation; index++) {
        if (round.pauseMs > 0) await sleep(round.pauseMs * (0.5 + Math.random()));
        const text = round.messages[index % round.messages.length] ?? 'hello';
        latencies.push((await customer.say(text)).turnMs);
      }
      return latencies;
    }),
  );
  return { latencies: results.flat(), seconds: (performance.now() - started) / 1000 };
}

function combine(rounds: Figures[]): Figures {
  const turns = rounds.reduce((sum, round) => sum + round.turns, 0);
  return {
    turns,
    seconds: rounds.reduce((sum, round) => sum + round.seconds, 0),
    latencies: rounds.flatMap((round) => round.latencies),
    cpuPerTurn: rounds.reduce((sum, round) => sum + round.cpuPerTurn * round.turns, 0) / turns,
  };
}

function rate(figures: Figures): number {
  return figures.turns / figures.seconds;
}

function sortedLatencies(figures: Figures): number[] {
  return [...figures.latencies].sort((a, b) => a - b);
}

function latencyText(figures: Figures): string {
  const sorted = sortedLatencies(figures);
  const ms = (q: number) => percentile(sorted, q).toFixed(1);
  return `latency p50 ${ms(0.5)} ms, p95 ${ms(0.95)} ms, p99 ${ms(0.99)} ms`;
}

function printLatency(name: string, figures: Figures): void {
  console.log(`${name}: ${latencyText(figures)} (${figures.turns} turns)`);
}

function print(name: string, figures: Figures): void {
  console.log(
    `${name}: ${rate(figures).toFixed(0)} turns/s (${figures.turns} turns in ${figures.seconds.toFixed(2)} s); ` +
      `${latencyText(figures)}; CPU ${figures.cpuPerTurn.toFixed(2)} ms/turn`,
  );
}

/**
 * Chat benchmark: N concurrent Direct Line conversations each send M messages through the real
 * endpoint (HTTP POST, replies over the WebSocket stream), once for a bare echo bot and once for the
 * bot under test, in the same run on the same server. Latency is from the POST leaving the client to
 * the bot's reply arriving on the stream.
 */
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ActivityHandler, type Activity } from 'botbuilder';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { createDirectLineChannel, type Bot } from '../../channels/directline/index.js';
import { connectDatabase } from '../../db/connection.js';
import { createFileStore } from '../../files/file-store.js';
import { createHttpServer } from '../../http/server.js';

/** A bot to measure and the messages a simulated customer sends it, in order, in each conversation. */
export interface BenchBot {
  name: string;
  bot: Bot;
  messages: string[];
}

/** Load shape; `npm run bench` uses the defaults (the targets are stated for 50 conversations). */
export interface ChatBenchOptions {
  conversations: number;
  messagesPerConversation: number;
}

const defaults: ChatBenchOptions = { conversations: 50, messagesPerConversation: 20 };
/** A first, unmeasured round: module loading and JIT compilation would otherwise land on the first bot. */
const warmUp: ChatBenchOptions = { conversations: 10, messagesPerConversation: 10 };
const secret = 'bench-directline-secret-0123456789';
const botId = 'insuralink';

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
      await next();
    });
  }
}

const echoBot: BenchBot = { name: 'echo bot', bot: new EchoBot(), messages: ['hello'] };

/**
 * The bot measured against the echo baseline: the one factory to point at the InsuraLink bot (with a
 * verified demo customer and policy-lookup messages). With none configured the echo bot stands in and
 * the figures say so.
 */
async function createBotUnderTest(): Promise<BenchBot> {
  return {
    name: 'bot under test (echo stand-in: no bot factory configured)',
    bot: new EchoBot(),
    messages: ['show my policies'],
  };
}

interface Figures {
  turns: number;
  seconds: number;
  latencies: number[];
  /** Process CPU time per turn, ms: server, database and the simulated clients' thread together. */
  cpuPerTurn: number;
}

export async function run(options: ChatBenchOptions = defaults): Promise<void> {
  const { conversations, messagesPerConversation } = options;
  const logger = pino({ level: 'silent' });
  const database = await connectDatabase({ mongodbUri: undefined, dataDir: '', inMemory: true }, logger);
  const server = createHttpServer(logger);
  const underTest = await createBotUnderTest();
  // One endpoint serves both bots; the user id picks which one a conversation talks to.
  const bots = new Map<string, BenchBot>([
    ['dl_echo', echoBot],
    ['dl_test', underTest],
  ]);
  const router: Bot = {
    run: (context) => {
      const prefix = (context.activity.from?.id ?? '').slice(0, 7);
      return (bots.get(prefix) ?? echoBot).bot.run(context);
    },
  };
  let baseUrl = '';
  const channel = await createDirectLineChannel({
    connection: database.connection,
    bot: router,
    files: createFileStore({ db: database.connection.db!, secret, baseUrl: () => baseUrl }),
    secret,
    logger,
  });
  channel.register(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const load = startLoadWorker(baseUrl);

  try {
    const session = async (prefix: string, bot: BenchBot, count: number, messages: number) => {
      const cpu = process.cpuUsage();
      const result = await load.round({
        prefix,
        messages: bot.messages,
        conversations: count,
        messagesPerConversation: messages,
      });
      const { user, system } = process.cpuUsage(cpu);
      const figures: Figures = {
        turns: result.latencies.length,
        seconds: result.seconds,
        latencies: result.latencies,
        cpuPerTurn: (user + system) / 1000 / result.latencies.length,
      };
      return figures;
    };
    await session('dl_echo', echoBot, warmUp.conversations, warmUp.messagesPerConversation);
    await session('dl_test', underTest, warmUp.conversations, warmUp.messagesPerConversation);

    console.log(
      `${conversations} concurrent conversations × ${messagesPerConversation} messages each, ` +
        'two rounds per bot in alternating order',
    );
    const echoRounds: Figures[] = [];
    const testedRounds: Figures[] = [];
    // Alternating the order keeps drift (heap growth, other load on the machine) from favouring one bot.
    for (const order of [
      ['echo', 'tested'],
      ['tested', 'echo'],
    ] as const) {
      for (const which of order) {
        if (which === 'echo') {
          echoRounds.push(await session('dl_echo', echoBot, conversations, messagesPerConversation));
        } else {
          testedRounds.push(await session('dl_test', underTest, conversations, messagesPerConversation));
        }
      }
    }
    const echo = combine(echoRounds);
    const tested = combine(testedRounds);
    print(echoBot.name, echo);
    print(underTest.name, tested);
    const ratio = rate(tested) / rate(echo);
    const p99 = percentile(tested.latencies, 0.99);
    console.log(
      `bot under test / echo turns/s: ${(ratio * 100).toFixed(0)}% (target ≥ 50%: ${ratio >= 0.5 ? 'met' : 'NOT met'})`,
    );
    console.log(
      `bot under test p99: ${p99.toFixed(1)} ms (target < 100 ms: ${p99 < 100 ? 'met' : 'NOT met'})`,
    );
  } finally {
    await load.stop();
    await channel.close();
    await new Promise<void>((resolve) => {
      server.server.close(() => resolve());
      server.server.closeAllConnections();
    });
    await database.stop();
  }
}

/** One measured round, run by the load worker. */
interface Round {
  prefix: string;
  messages: string[];
  conversations: number;
  messagesPerConversation: number;
}

interface RoundResult {
  latencies: number[];
  seconds: number;
}

/**
 * The simulated customers run in a worker thread: real clients are other machines, so their HTTP and
 * WebSocket work should not queue behind the server on one event loop and inflate its latency.
 */
function startLoadWorker(baseUrl: string): {
  round(round: Round): Promise<RoundResult>;
  stop(): Promise<number>;
} {
  // Worker threads do not inherit the TypeScript loader; the eval'd entry registers it, then loads this module.
  const entry = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then((api) => { api.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(entry, { eval: true, workerData: { chatBench: true, baseUrl } });
  let pending: { resolve: (result: RoundResult) => void; reject: (error: Error) => void } | undefined;
  worker.on('message', (result: RoundResult | { error: string }) => {
    if ('error' in result) pending?.reject(new Error(result.error));
    else pending?.resolve(result);
    pending = undefined;
  });
  worker.on('error', (error) => pending?.reject(error));
  return {
    round(round) {
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        worker.postMessage(round);
      });
    },
    stop: () => worker.terminate(),
  };
}

if (!isMainThread && parentPort && (workerData as { chatBench?: unknown } | null)?.chatBench === true) {
  const port = parentPort;
  const { baseUrl } = workerData as { baseUrl: string };
  port.on('message', (round: Round) => {
    loadRound(baseUrl, round).then(
      (result) => port.postMessage(result),
      (error: unknown) => port.postMessage({ error: String(error) }),
    );
  });
}

async function loadRound(baseUrl: string, round: Round): Promise<RoundResult> {
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: round.conversations }, () => converse(baseUrl, round)),
  );
  return { latencies: results.flat(), seconds: (performance.now() - started) / 1000 };
}

/** One customer: gets a token, starts a conversation, opens its stream and sends messages one by one. */
async function converse(baseUrl: string, round: Round): Promise<number[]> {
  const user = { id: `${round.prefix}_${Math.random().toString(36).slice(2)}` };
  const { token } = (await postJson(
    `${baseUrl}/v3/directline/tokens/generate`,
    { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    { user },
  )) as { token: string };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const started = await postJson(`${baseUrl}/v3/directline/conversations`, headers, {});
  const { conversationId, streamUrl } = started as { conversationId: string; streamUrl: string };

  const arrivals = new Map<string, number>();
  const waiting = new Map<string, (at: number) => void>();
  const ws = new WebSocket(streamUrl);
  ws.on('message', (data: Buffer) => {
    const at = performance.now();
    if (data.length === 0) return;
    const { activities } = JSON.parse(data.toString('utf8')) as { activities: Partial<Activity>[] };
    for (const activity of activities) {
      if (activity.type !== 'message' || activity.from?.id !== botId || !activity.replyToId) continue;
      if (arrivals.has(activity.replyToId)) continue;
      arrivals.set(activity.replyToId, at);
      waiting.get(activity.replyToId)?.(at);
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });

  const latencies: number[] = [];
  try {
    for (let index = 0; index < round.messagesPerConversation; index++) {
      const text = round.messages[index % round.messages.length] ?? 'hello';
      const sent = performance.now();
      const { id } = (await postJson(
        `${baseUrl}/v3/directline/conversations/${conversationId}/activities`,
        headers,
        {
          type: 'message',
          text,
        },
      )) as { id: string };
      const arrived = arrivals.get(id) ?? (await new Promise<number>((resolve) => waiting.set(id, resolve)));
      latencies.push(arrived - sent);
    }
  } finally {
    ws.close();
  }
  return latencies;
}

/** Plain keep-alive HTTP: the simulated clients should cost the shared CPU as little as possible. */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function postJson(url: string, headers: Record<string, string>, body: unknown): Promise<unknown> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if ((res.statusCode ?? 500) >= 300) reject(new Error(`${url} answered ${res.statusCode}`));
          else resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
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

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

function print(name: string, figures: Figures): void {
  const ms = (q: number) => percentile(figures.latencies, q).toFixed(1);
  console.log(
    `${name}: ${rate(figures).toFixed(0)} turns/s (${figures.turns} turns in ${figures.seconds.toFixed(2)} s); ` +
      `latency p50 ${ms(0.5)} ms, p95 ${ms(0.95)} ms, p99 ${ms(0.99)} ms; CPU ${figures.cpuPerTurn.toFixed(2)} ms/turn`,
  );
}

/**
 * What the benchmarks' simulated clients share: a worker thread to run them in (real clients are other
 * machines, so their work should not queue behind the server on one event loop), and a Direct Line
 * customer as the official client is one: a conversation whose replies arrive on its WebSocket stream.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, Worker } from 'node:worker_threads';
import type { Activity } from 'botbuilder';
import { WebSocket } from 'ws';

/** Starts `moduleUrl` (a TypeScript module) in a worker thread with `workerData`. */
function startTsWorker(moduleUrl: string, workerData: unknown): Worker {
  // Worker threads do not inherit the TypeScript loader; the eval'd entry registers it, then loads the module.
  const entry = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then((api) => { api.register(); return import(${JSON.stringify(moduleUrl)}); })`;
  return new Worker(entry, { eval: true, workerData });
}

/** A worker thread a benchmark asks one thing at a time; the worker answers with {@link serveAsks}. */
export interface BenchWorker<Ask> {
  ask(ask: Ask): Promise<unknown>;
  stop(): Promise<void>;
}

type Answer = { answer: unknown } | { error: string };

export function startBenchWorker<Ask>(moduleUrl: string, workerData: unknown): BenchWorker<Ask> {
  const worker = startTsWorker(moduleUrl, workerData);
  let pending: { resolve: (answer: unknown) => void; reject: (error: Error) => void } | undefined;
  worker.on('message', (message: Answer) => {
    if ('error' in message) pending?.reject(new Error(message.error));
    else pending?.resolve(message.answer);
    pending = undefined;
  });
  worker.on('error', (error) => pending?.reject(error));
  return {
    ask: (ask) =>
      new Promise((resolve, reject) => {
        pending = { resolve, reject };
        worker.postMessage(ask);
      }),
    async stop() {
      await worker.terminate();
    },
  };
}

/** In a worker started by {@link startBenchWorker}: answers each ask, or reports its failure. */
export function serveAsks<Ask>(answer: (ask: Ask) => Promise<unknown>): void {
  const port = parentPort;
  if (!port) throw new Error('not in a worker thread');
  port.on('message', (ask: Ask) => {
    answer(ask).then(
      (value) => port.postMessage({ answer: value } satisfies Answer),
      (error: unknown) => port.postMessage({ error: String(error) } satisfies Answer),
    );
  });
}

/** How a customer gets a Direct Line token: the channel's secret, or the app's public token endpoint. */
export type TokenSource = { secret: string } | { chatTokenEndpoint: true };

/** One simulated customer: a conversation, its open stream, and the time each reply arrived. */
export class DirectLineCustomer {
  /** Arrival time of the latest bot message replying to an activity id. */
  private readonly replies = new Map<string, number>();
  private readonly waiting = new Map<string, () => void>();

  private constructor(
    private readonly baseUrl: string,
    private readonly conversationId: string,
    private readonly headers: Record<string, string>,
    private readonly ws: WebSocket,
  ) {
    ws.on('message', (data: Buffer) => {
      const at = performance.now();
      if (data.length === 0) return;
      const { activities } = JSON.parse(data.toString('utf8')) as { activities: Partial<Activity>[] };
      for (const activity of activities) {
        if (activity.type !== 'message' || activity.from?.role !== 'bot' || !activity.replyToId) continue;
        this.replies.set(activity.replyToId, at);
        this.waiting.get(activity.replyToId)?.();
      }
    });
  }

  static async start(baseUrl: string, tokens: TokenSource): Promise<DirectLineCustomer> {
    const json = { 'content-type': 'application/json' };
    const { token } = (
      'secret' in tokens
        ? await postJson(
            `${baseUrl}/v3/directline/tokens/generate`,
            { ...json, authorization: `Bearer ${tokens.secret}` },
            {},
          )
        : await postJson(`${baseUrl}/api/chat/token`, json, {})
    ) as { token: string };
    const headers = { ...json, authorization: `Bearer ${token}` };
    const started = await postJson(`${baseUrl}/v3/directline/conversations`, headers, {});
    const { conversationId, streamUrl } = started as { conversationId: string; streamUrl: string };
    const ws = new WebSocket(streamUrl);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new DirectLineCustomer(baseUrl, conversationId, headers, ws);
  }

  /**
   * Sends `text`; resolves when its replies are in, with the ms until the POST was answered (once the
   * turn is over) and until the last reply arrived (replies travel on the stream and may land after).
   */
  async say(text: string): Promise<{ answeredMs: number; turnMs: number }> {
    const sent = performance.now();
    const { id } = (await postJson(
      `${this.baseUrl}/v3/directline/conversations/${this.conversationId}/activities`,
      this.headers,
      { type: 'message', text },
    )) as { id: string };
    const answered = performance.now();
    if (!this.replies.has(id)) await new Promise<void>((resolve) => this.waiting.set(id, resolve));
    this.waiting.delete(id);
    return {
      answeredMs: answered - sent,
      turnMs: Math.max(answered, this.replies.get(id) ?? answered) - sent,
    };
  }

  close(): void {
    this.ws.close();
  }
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

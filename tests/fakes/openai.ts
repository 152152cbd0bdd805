import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/**
 * A local stand-in of the OpenAI API: `POST /v1/chat/completions` with the real request and response
 * shapes and error bodies. Each test scripts what the "model" answers and inspects what was sent.
 */

const messageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.string(),
});

/** The part of a Chat Completions request body the stand-in understands; other fields are kept. */
export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  response_format: z
    .union([
      z.object({ type: z.literal('text') }),
      z.object({ type: z.literal('json_object') }),
      z.object({
        type: z.literal('json_schema'),
        json_schema: z.object({
          name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
          description: z.string().optional(),
          schema: z.record(z.string(), z.unknown()),
          strict: z.boolean().nullable().optional(),
        }),
      }),
    ])
    .optional(),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

/** One request as received, for assertions. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body text, to check what was (not) sent. */
  rawBody: string;
  /** The parsed body, or null when it was not a valid chat completion request. */
  body: ChatCompletionRequest | null;
}

/** What the stand-in does with the next authorised, well-formed request. */
export type FakeReply =
  /** Answer with this assistant message content, verbatim (may be invalid JSON on purpose). */
  | { content: string; finishReason?: 'stop' | 'length' }
  /** Answer with this value serialised as the message content. */
  | { json: unknown }
  /** The model declines: `message.refusal` is set and content is null. */
  | { refusal: string }
  /** An API error with OpenAI's error body, e.g. 500 `server_error` or 429 `rate_limit_exceeded`. */
  | { status: number; message?: string; type?: string; code?: string | null }
  /** Wait, then do `then` (default: an empty JSON object); the wait ends early if the client leaves. */
  | { delayMs: number; then?: FakeReply };

/** Decides the reply per request; a fixed reply or a function of the request. */
export type FakeResponder = FakeReply | ((request: RecordedRequest) => FakeReply);

/** A running stand-in. */
export interface FakeOpenAI {
  /** API root to give the SDK, e.g. `http://127.0.0.1:PORT/v1`. */
  baseURL: string;
  /** The key requests must carry as `Authorization: Bearer <apiKey>`. */
  apiKey: string;
  /** Every request received, in order (including rejected ones). */
  requests: RecordedRequest[];
  /** Sets the reply for every following request until changed. */
  respondWith(responder: FakeResponder): void;
  /** Forgets recorded requests and goes back to the default reply. */
  reset(): void;
  /** Closes the server and every open connection, cancelling pending delays. */
  stop(): Promise<void>;
}

export interface FakeOpenAIOptions {
  /** Defaults to `sk-test-fake`. */
  apiKey?: string;
}

/** Without a scripted reply the stand-in fails loudly, so a test cannot pass on an unplanned call. */
const defaultReply: FakeReply = { status: 500, message: 'The fake OpenAI API has no scripted reply.' };

/** Starts the stand-in on 127.0.0.1 on a free port. */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const apiKey = options.apiKey ?? 'sk-test-fake';
  const requests: RecordedRequest[] = [];
  const pending = new Set<NodeJS.Timeout>();
  let responder: FakeResponder = defaultReply;

  const server = createServer((req, res) => {
    // A client that hangs up mid-request is the client's business, not a test failure.
    handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: { ...req.headers },
      rawBody,
      body: null,
    };
    requests.push(recorded);

    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      sendError(res, 401, {
        message:
          'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      });
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      sendError(res, 404, { message: `Invalid URL (${req.method} ${path})`, type: 'invalid_request_error' });
      return;
    }
    const body = parseRequest(rawBody);
    if (!body) {
      sendError(res, 400, {
        message: 'We could not parse the JSON body of your request.',
        type: 'invalid_request_error',
      });
      return;
    }
    recorded.body = body;
    const reply = typeof responder === 'function' ? responder(recorded) : responder;
    await send(res, body.model, reply);
  }

  async function send(res: ServerResponse, model: string, reply: FakeReply): Promise<void> {
    if ('delayMs' in reply) {
      const stillThere = await wait(res, reply.delayMs);
      if (stillThere) await send(res, model, reply.then ?? { json: {} });
      return;
    }
    if ('status' in reply) {
      sendError(res, reply.status, {
        message: reply.message ?? `The fake OpenAI API answered ${reply.status}.`,
        type: reply.type ?? (reply.status === 429 ? 'requests' : 'server_error'),
        code: reply.code ?? (reply.status === 429 ? 'rate_limit_exceeded' : null),
      });
      return;
    }
    const message =
      'refusal' in reply
        ? { role: 'assistant', content: null, refusal: reply.refusal, annotations: [] }
        : {
            role: 'assistant',
            content: 'json' in reply ? JSON.stringify(reply.json) : reply.content,
            refusal: null,
            annotations: [],
          };
    const finishReason = 'content' in reply ? (reply.finishReason ?? 'stop') : 'stop';
    sendJson(res, 200, {
      id: `chatcmpl-${randomUUID()}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      service_tier: 'default',
      system_fingerprint: 'fp_fake',
    });
  }

  /** Resolves true after `ms`, or false as soon as the client disconnects or the server stops. */
  function wait(res: ServerResponse, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(timer);
        resolve(true);
      }, ms);
      pending.add(timer);
      res.once('close', () => {
        clearTimeout(timer);
        pending.delete(timer);
        resolve(false);
      });
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    apiKey,
    requests,
    respondWith(next) {
      responder = next;
    },
    reset() {
      requests.length = 0;
      responder = defaultReply;
    },
    async stop() {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

function parseRequest(rawBody: string): ChatCompletionRequest | null {
  try {
    const parsed = chatCompletionRequestSchema.safeParse(JSON.parse(rawBody));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendError(
  res: ServerResponse,
  status: number,
  error: { message: string; type: string; code?: string | null },
): void {
  sendJson(res, status, {
    error: { message: error.message, type: error.type, param: null, code: error.code ?? null },
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': `req_${randomUUID().replaceAll('-', '')}`,
  });
  res.end(text);
}

/**
 * Shared set-up of the Direct Line tests: the channel on a real restify server on a loopback port, the
 * official `botframework-directlinejs` client (with the XMLHttpRequest and WebSocket globals a browser
 * would give it), and a small bot that exercises what Web Chat relies on.
 */
import { request } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import {
  ActivityHandler,
  ActivityTypes,
  CardFactory,
  MessageFactory,
  type Activity,
  type ConversationReference,
} from 'botbuilder';
import { ConnectionStatus, DirectLine, type Activity as ClientActivity } from 'botframework-directlinejs';
import type mongoose from 'mongoose';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import {
  createDirectLineChannel,
  type DirectLineChannel,
  type DirectLineLimits,
} from '../../../src/channels/directline/index.js';
import { createFileStore } from '../../../src/files/file-store.js';
import { registerFileRoutes } from '../../../src/files/routes.js';
import { createHttpServer } from '../../../src/http/server.js';
import { tinyPng } from '../../support/samples.js';

/** What the client received, seen through botbuilder's (wider) activity type. */
type Received = Partial<Activity>;

const require = createRequire(import.meta.url);
const NodeXhr = require('xhr2') as typeof XMLHttpRequest;

/** Browsers send FormData bodies (the client's uploads) natively; xhr2 needs them encoded first. */
class BrowserLikeXhr extends NodeXhr {
  override send(body?: Document | XMLHttpRequestBodyInit | null): void {
    if (!(body instanceof FormData)) return super.send(body);
    const encoded = new Request('http://localhost/', { method: 'POST', body });
    void encoded.arrayBuffer().then((bytes) => {
      this.setRequestHeader('content-type', encoded.headers.get('content-type') ?? '');
      super.send(new Uint8Array(bytes));
    });
  }
}

// The client reaches the network through the browser's XMLHttpRequest and WebSocket globals.
Object.assign(globalThis, { XMLHttpRequest: BrowserLikeXhr, WebSocket });

export const secret = 'test-directline-secret-0123456789';
const logger = pino({ level: 'silent' });

/** Echoes messages and, on cue, shows what Web Chat relies on. Counts turns per activity id. */
export class TestBot extends ActivityHandler {
  readonly turns = new Map<string, number>();
  typing = 0;

  constructor() {
    super();
    this.onMembersAdded(async (context, next) => {
      const user = context.activity.membersAdded?.find(
        (member) => member.id !== context.activity.recipient.id,
      );
      if (user) await context.sendActivity(`Welcome, ${user.id}`);
      await next();
    });
    this.onTyping(async (_context, next) => {
      this.typing++;
      await next();
    });
    this.onMessage(async (context, next) => {
      const id = context.activity.id ?? '';
      this.turns.set(id, (this.turns.get(id) ?? 0) + 1);
      const text = context.activity.text ?? '';
      if (text === 'fail') throw new Error('the bot broke');
      if (text === 'card') {
        await context.sendActivity({ type: ActivityTypes.Typing });
        const card = CardFactory.adaptiveCard({
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.5',
          body: [{ type: 'TextBlock', text: 'Policy AUT-100200' }],
        });
        const reply = MessageFactory.suggestedActions(['Yes', 'No'], 'Here is your card');
        reply.attachments = [card];
        await context.sendActivity(reply);
      } else {
        const files = context.activity.attachments?.length ?? 0;
        await context.sendActivity(files > 0 ? `echo: ${text} (${files} files)` : `echo: ${text}`);
      }
      await next();
    });
  }
}

export interface TestServer {
  url: string;
  port: number;
  channel: DirectLineChannel;
  stop(): Promise<void>;
}

/** Starts the channel on `port` (0: any free one) over `connection`. */
export async function startServer(options: {
  connection: mongoose.Connection;
  bot: ActivityHandler;
  port?: number;
  now?: () => Date;
  /** Default: every conversation may send files. */
  mayUpload?: (conversationId: string) => Promise<boolean>;
  limits?: Partial<DirectLineLimits>;
  quota?: { files: number; bytes: number };
}): Promise<TestServer> {
  const server = createHttpServer(logger);
  let url = '';
  const files = createFileStore({
    db: options.connection.db!,
    secret: 'test-file-url-secret-0123456789',
    baseUrl: () => url,
  });
  const channel = await createDirectLineChannel({
    connection: options.connection,
    bot: options.bot,
    files,
    secret,
    baseUrl: () => url,
    logger,
    keepAliveMs: 200,
    now: options.now,
    mayUpload: options.mayUpload ?? (() => Promise.resolve(true)),
    limits: options.limits,
    quota: options.quota,
  });
  channel.register(server);
  registerFileRoutes(server, files);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    channel,
    async stop() {
      await channel.close();
      const closed = new Promise<void>((resolve) => server.server.close(() => resolve()));
      server.server.closeAllConnections();
      await closed;
    },
  };
}

/** The official client and everything it received, with a way to wait for a particular activity. */
export class Client {
  readonly received: Received[] = [];
  readonly directLine: DirectLine;
  private waiters: { match: (activity: Received) => boolean; resolve: (a: Received) => void }[] = [];
  private readonly subscription: { unsubscribe(): void };

  constructor(url: string, token: string, webSocket: boolean) {
    this.directLine = new DirectLine({
      domain: `${url}/v3/directline`,
      token,
      webSocket,
      pollingInterval: 200,
      timeout: 1000,
      // The client waits 3 s + random × 12 s before reconnecting a dropped stream; keep it at 3 s.
      random: () => 0,
    });
    this.subscription = this.directLine.activity$.subscribe((incoming) => {
      const activity = incoming as Received;
      this.received.push(activity);
      const ready = this.waiters.filter((waiter) => waiter.match(activity));
      this.waiters = this.waiters.filter((waiter) => !ready.includes(waiter));
      for (const waiter of ready) waiter.resolve(activity);
    });
  }

  /** Resolves with the first activity (already received or still to come) that `match` accepts. */
  waitFor(match: (activity: Received) => boolean, timeoutMs = 8000): Promise<Received> {
    const seen = this.received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching activity arrived')), timeoutMs);
      this.waiters.push({
        match,
        resolve: (activity) => {
          clearTimeout(timer);
          resolve(activity);
        },
      });
    });
  }

  /** Waits for the bot's message with exactly `text`. */
  reply(text: string): Promise<Received> {
    return this.waitFor((activity) => activity.type === 'message' && activity.text === text);
  }

  /** Posts through the client; resolves with the id the service gave the activity. */
  post(activity: Partial<Activity>): Promise<string> {
    return new Promise((resolve, reject) => {
      this.directLine
        .postActivity({ type: 'message', from: { id: 'ignored-by-token' }, ...activity } as ClientActivity)
        .subscribe(resolve, reject);
    });
  }

  online(): Promise<void> {
    return new Promise((resolve) => {
      const sub = this.directLine.connectionStatus$.subscribe((status) => {
        if (status === ConnectionStatus.Online) {
          resolve();
          setImmediate(() => sub.unsubscribe());
        }
      });
    });
  }

  end(): void {
    this.subscription.unsubscribe();
    this.directLine.end();
  }
}

/** A raw request with the given bearer credential. */
export async function call(
  url: string,
  path: string,
  options: { method?: string; auth?: string; body?: unknown; rawBody?: string; form?: FormData } = {},
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (options.auth) headers.authorization = `Bearer ${options.auth}`;
  let body: string | FormData | undefined;
  if (options.form) body = options.form;
  else if (options.rawBody !== undefined || options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.rawBody ?? JSON.stringify(options.body);
  }
  const response = await fetch(`${url}/v3/directline${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** A narrowing helper for JSON bodies in assertions. */
export function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

/** The activities of a history (`GET …/activities`) response body. */
export function activitiesOf(body: unknown): Received[] {
  return field(body, 'activities') as Received[];
}

/** A reference to a Direct Line conversation by id, as proactive messages are sent with. */
export function referenceTo(conversationId: string): Partial<ConversationReference> {
  return { conversation: { id: conversationId, isGroup: false, conversationType: '', name: '' } };
}

/** A multipart body of one PNG part, cut off before its closing boundary. */
function unfinishedPart(data: Buffer, boundary: string): Buffer {
  const head = Buffer.from(
    `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="dent.png"\r\n` +
      'content-type: image/png\r\n\r\n',
  );
  return Buffer.concat([head, data]);
}

/** A complete request whose multipart body lacks its closing boundary; resolves with the status. */
export function postTruncated(url: string, path: string, token: string): Promise<number> {
  const boundary = 'cut-off-boundary';
  const body = unfinishedPart(tinyPng, boundary);
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v3/directline${path}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': body.length,
        },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Starts an upload that announces 5 MiB, sends a little of it, then closes the socket. */
export function postAborted(port: number, path: string, token: string): Promise<void> {
  const boundary = 'aborted-boundary';
  const part = unfinishedPart(Buffer.alloc(64 * 1024, 7), boundary);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `POST /v3/directline${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          `Authorization: Bearer ${token}\r\n` +
          `Content-Type: multipart/form-data; boundary=${boundary}\r\n` +
          `Content-Length: ${5 * 1024 * 1024}\r\n\r\n`,
      );
      socket.write(part, () => setTimeout(() => socket.destroy(), 50));
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

/**
 * Self-hosted Direct Line 3.0: the REST endpoints and WebSocket stream of the real service, on our own
 * server, so unmodified Web Chat and the official `botframework-directlinejs` client talk to the bot
 * without Azure. Routes, status codes and shapes follow the Direct Line 3.0 reference:
 *
 * - `POST /v3/directline/tokens/generate` (secret) and `POST /v3/directline/tokens/refresh` (token)
 * - `POST /v3/directline/conversations` (201 new, 200 when the token's conversation already started)
 * - `GET /v3/directline/conversations/:id?watermark=` (reconnect: a fresh stream URL)
 * - `POST`/`GET /v3/directline/conversations/:id/activities` and `POST .../upload?userId=`
 * - `GET /v3/directline/conversations/:id/stream?watermark=&t=` (WebSocket: `{activities, watermark}`)
 *
 * Missing credentials → 401; a wrong, expired or other conversation's token → 403; unknown
 * conversation → 404; past a rate limit → 429 with `Retry-After`. Several streams may be open on one
 * conversation (tabs); each gets everything.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ActivityTypes, type Activity, type ChannelAccount, type TurnContext } from 'botbuilder';
import type mongoose from 'mongoose';
import type { Request, Response, Server } from 'restify';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import { turnErrorHandler } from '../../bot/turn-error.js';
import { conversationQuota, maxFileBytes, type FileStore, type Usage } from '../../files/file-store.js';
import { jsonBody } from '../../http/body.js';
import { HttpError } from '../../http/errors.js';
import {
  clientAddress,
  createMongoLimiter,
  rateLimit,
  type Limit,
  type Limiter,
  type RateLimitHandler,
} from '../../http/rate-limit.js';
import type { Logger } from '../../log.js';
import type { ChannelSender } from '../../notifications/dispatcher.js';
import { DirectLineAdapter, directLineChannelId } from './adapter.js';
import { ActivityFeed } from './feed.js';
import { StreamHub } from './hub.js';
import { directLineSender } from './sender.js';
import { activityId, ConversationStore, unstoredActivityId, type ConversationRecord } from './store.js';
import { InvalidTokenError, TokenIssuer, type VerifiedToken } from './tokens.js';
import { readUpload } from './upload.js';

/** Anything that runs a turn: an `ActivityHandler` or a bot built on one. */
export interface Bot {
  run(context: TurnContext): Promise<void>;
}

/** Options of {@link createDirectLineChannel}. */
export interface DirectLineChannelOptions {
  /** The app's database connection; the channel keeps its own collections on it. */
  connection: mongoose.Connection;
  bot: Bot;
  /** Where uploaded files go; only `save`, `usage` and `signedUrl` are used. */
  files: Pick<FileStore, 'save' | 'usage' | 'signedUrl'>;
  /**
   * Whether files may be sent in the conversation (its customer has verified who they are). Unset: in
   * none; uploads get 403.
   */
  mayUpload?: (conversationId: string) => Promise<boolean>;
  /** What a conversation may keep (default {@link conversationQuota}). */
  quota?: Usage;
  /** Rate limits; each one unset keeps its {@link defaultDirectLineLimits} value. */
  limits?: Partial<DirectLineLimits>;
  /**
   * Builds the counter behind each limit (default {@link createMongoLimiter} on `connection`: counted
   * across processes). The chat benchmark passes one that counts nothing, to measure what limits cost.
   */
  limiter?: (name: string, limit: Limit) => Promise<Limiter>;
  /** `DIRECTLINE_SECRET`: authorises token generation and every endpoint. */
  secret: string;
  /**
   * Where the app is reached (`PUBLIC_BASE_URL`, or its listening address): stream URLs are built on it
   * (`https://x` → `wss://x/...`), never on a request's Host header, which the client chooses.
   */
  baseUrl: () => string;
  logger: Logger;
  /** Interval of empty keep-alive messages on streams (default 20 s). */
  keepAliveMs?: number;
  /** Clock for token issue and expiry (tests). */
  now?: () => Date;
  /** How long the activity history is kept, in days (`TRANSCRIPT_RETENTION_DAYS`); default 30. */
  transcriptRetentionDays?: number;
}

/** Per-client rate limits of the channel (counted in the database, so across processes). */
export interface DirectLineLimits {
  /** Tokens minted (`tokens/generate`, the widget's token endpoint) and conversations started, per address. */
  tokensPerAddress: Limit;
  /** Activities posted, per client address. */
  messagesPerAddress: Limit;
  /** Activities posted, per conversation. */
  messagesPerConversation: Limit;
  /** Uploads, per client address. */
  uploadsPerAddress: Limit;
  /** Uploads, per conversation. */
  uploadsPerConversation: Limit;
}

/**
 * A person sends a message every few seconds at most, so a conversation gets 120 a minute (2 a second),
 * all at once if need be. An address can be a whole office behind one NAT, or a load test from one machine, so its
 * limits only stop a single host from flooding the service.
 */
export const defaultDirectLineLimits: DirectLineLimits = {
  tokensPerAddress: { points: 1000, durationSeconds: 60 },
  messagesPerAddress: { points: 12_000, durationSeconds: 60 },
  messagesPerConversation: { points: 120, durationSeconds: 60 },
  uploadsPerAddress: { points: 120, durationSeconds: 60 },
  uploadsPerConversation: { points: 10, durationSeconds: 60 },
};

/** A conversation token as `tokens/generate` returns it. */
export interface ConversationToken {
  conversationId: string;
  token: string;
  /** Seconds until the token expires. */
  expires_in: number;
}

/** The running channel. */
export interface DirectLineChannel {
  /** The botbuilder adapter: middleware (`adapter.use`), `onTurnError`, proactive `continueConversation`. */
  readonly adapter: DirectLineAdapter;
  /** Adds the `/v3/directline` routes and the WebSocket upgrade handler to `server`. */
  register(server: Server): void;
  /**
   * A token for a new conversation, minted server-side so the secret never reaches a browser (the demo
   * page's token endpoint). Web Chat starts the conversation with it via `POST conversations`.
   */
  issueConversationToken(user?: { id: string }): Promise<ConversationToken>;
  /** Delivers notifications into Direct Line conversations (see `sender.ts`). */
  readonly sender: ChannelSender;
  /** The per-address limit on minting tokens, for any other endpoint that mints them. */
  readonly limitTokens: RateLimitHandler;
  /** Stops accepting streams, closes the open ones and waits for turns in progress. */
  close(): Promise<void>;
}

const prefix = '/v3/directline';
const streamPath = /^\/v3\/directline\/conversations\/([A-Za-z0-9_-]{1,64})\/stream$/;
const maxJsonBytes = 256 * 1024;
const maxUploadFiles = 10;

const userSchema = z.object({ id: z.string().trim().min(1).max(200), name: z.string().max(200).optional() });
const startBodySchema = z
  .looseObject({
    user: z.looseObject({ id: z.string().max(200).optional() }).optional(),
    locale: z.string().max(20).optional(),
  })
  .optional();
const generateBodySchema = z.looseObject({ user: userSchema.optional() }).optional();
/** Fields a client may set; `conversation`, `recipient`, ids and timestamps are the service's to set. */
const incomingSchema = z.looseObject({
  type: z.string().min(1).max(100),
  id: z.string().max(200).optional(),
  from: z
    .looseObject({ id: z.string().max(200).optional(), name: z.string().max(200).optional() })
    .optional(),
  text: z.string().max(20_000).optional(),
  channelData: z.looseObject({ clientActivityID: z.string().max(200).optional() }).optional(),
});
type Incoming = z.infer<typeof incomingSchema>;

/**
 * Events a client may send: the one Web Chat embedders send on connecting (`WEB_CHAT/SEND_EVENT`);
 * Web Chat itself posts only messages (text, files, card submits, postBack/messageBack) and typing.
 */
const clientEventNames = new Set(['webchat/join']);

/** What a client may say in each kind of activity it may post; everything else is the service's. */
const clientFieldsSchema = z.object({
  locale: z.string().max(20).optional(),
  localTimestamp: z.string().max(40).optional(),
  localTimezone: z.string().max(100).optional(),
  channelData: z.record(z.string(), z.unknown()).optional(),
});
const clientMessageSchema = clientFieldsSchema.extend({
  type: z.literal(ActivityTypes.Message),
  text: z.string().max(20_000).optional(),
  textFormat: z.enum(['plain', 'markdown', 'xml']).optional(),
  attachments: z.array(z.record(z.string(), z.unknown())).max(maxUploadFiles).optional(),
  /** An Adaptive Card's submitted inputs. */
  value: z.unknown().optional(),
  entities: z.array(z.record(z.string(), z.unknown())).max(20).optional(),
});
const clientTypingSchema = clientFieldsSchema.extend({ type: z.literal(ActivityTypes.Typing) });
const clientEventSchema = clientFieldsSchema.extend({
  type: z.literal(ActivityTypes.Event),
  name: z.string().refine((name) => clientEventNames.has(name)),
  value: z.unknown().optional(),
});
const clientActivitySchema = z.discriminatedUnion('type', [
  clientMessageSchema,
  clientTypingSchema,
  clientEventSchema,
]);

/**
 * The activity as the bot may see it from a client: only the kinds and fields a client may send, or 400.
 * `conversationUpdate`, `invoke`, other events and the like are the service's or the bot's to send.
 */
function clientActivity(incoming: Incoming): z.infer<typeof clientActivitySchema> {
  const parsed = clientActivitySchema.safeParse(incoming);
  if (parsed.success) return parsed.data;
  if (incoming.type === ActivityTypes.Event) {
    throw new HttpError(
      400,
      'bad_argument',
      `Clients may send only these events: ${[...clientEventNames].join(', ')}.`,
    );
  }
  if (incoming.type !== ActivityTypes.Message && incoming.type !== ActivityTypes.Typing) {
    throw new HttpError(
      400,
      'bad_argument',
      `Clients may post message, typing and event activities, not "${incoming.type}".`,
    );
  }
  throw new HttpError(400, 'bad_argument', `The ${incoming.type} activity is malformed.`);
}

type Authorization = { kind: 'secret' } | { kind: 'token'; claims: VerifiedToken; token: string };

/** Builds the channel and makes sure its indexes exist. */
export async function createDirectLineChannel(options: DirectLineChannelOptions): Promise<DirectLineChannel> {
  const { bot, files, logger } = options;
  const botAccount: ChannelAccount = { id: 'insuralink', name: 'InsuraLink', role: 'bot' };
  const now = options.now ?? (() => new Date());
  const tokens = new TokenIssuer(options.secret, now);
  const secret = Buffer.from(options.secret);
  const logic = (context: TurnContext) => bot.run(context);

  // The store publishes to the hub and the hub replays from the store; `streams` exists before any append.
  const store = new ConversationStore(
    options.connection,
    (conversationId, json, seq) => streams.publish(conversationId, json, seq),
    { retentionDays: options.transcriptRetentionDays },
  );
  await store.init();
  const streams = new StreamHub(
    (id, watermark) => store.sinceAsJson(id, watermark),
    options.keepAliveMs ?? 20_000,
  );

  const adapter = new DirectLineAdapter(
    store,
    (conversationId, activity) => streams.publish(conversationId, JSON.stringify(activity), undefined),
    botAccount,
  );
  adapter.onTurnError = turnErrorHandler(logger);
  const feed = new ActivityFeed({ store, hub: streams, logger });
  feed.start();

  const mayUpload = options.mayUpload ?? (() => Promise.resolve(false));
  const quota = options.quota ?? conversationQuota;
  const limits = { ...defaultDirectLineLimits, ...options.limits };
  const mongo = options.connection.db;
  if (!mongo) throw new Error('database not connected');
  const limiter = options.limiter ?? ((name, limit) => createMongoLimiter(mongo, name, limit));
  const limit = async (name: keyof DirectLineLimits, key: (req: Request) => string, what: string) =>
    rateLimit(await limiter(`directline_${name}`, limits[name]), key, what);
  const byConversation = (req: Request) => String(req.params.conversationId);
  const limitTokens = await limit('tokensPerAddress', clientAddress, 'new conversations from this address');
  const limitMessages = await limit('messagesPerAddress', clientAddress, 'messages from this address');
  const limitConversationMessages = await limit(
    'messagesPerConversation',
    byConversation,
    'messages in this conversation',
  );
  const limitUploads = await limit('uploadsPerAddress', clientAddress, 'uploads from this address');
  const limitConversationUploads = await limit(
    'uploadsPerConversation',
    byConversation,
    'uploads in this conversation',
  );

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const inFlight = new Set<Promise<unknown>>();
  let closing = false;
  let upgradeListener: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;
  let httpServer: Server['server'] | undefined;

  function track<T>(promise: Promise<T>): Promise<T> {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise)).catch(() => undefined);
    return promise;
  }

  function isSecret(value: string): boolean {
    const given = Buffer.from(value);
    return given.length === secret.length && timingSafeEqual(given, secret);
  }

  async function authorize(req: Request, conversationId?: string): Promise<Authorization> {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1])
      throw new HttpError(401, 'unauthorized', 'Send a Direct Line secret or token as a Bearer token.');
    if (isSecret(match[1])) return { kind: 'secret' };
    let claims: VerifiedToken;
    try {
      claims = await tokens.verify(match[1], 'conversation');
    } catch (error) {
      if (error instanceof InvalidTokenError)
        throw new HttpError(403, 'token_invalid', `The token is not valid: ${error.message}.`);
      throw error;
    }
    if (conversationId !== undefined && claims.conv !== conversationId) {
      throw new HttpError(403, 'token_invalid', 'The token is for another conversation.');
    }
    return { kind: 'token', claims, token: match[1] };
  }

  async function conversationFor(
    req: Request,
  ): Promise<{ auth: Authorization; conversation: ConversationRecord }> {
    const id = String(req.params.conversationId ?? '');
    const auth = await authorize(req, id);
    const conversation = await store.find(id);
    if (!conversation) throw new HttpError(404, 'not_found', 'There is no such conversation.');
    return { auth, conversation };
  }

  async function issue(conversationId: string, userId: string): Promise<ConversationToken> {
    const { token, expiresIn } = await tokens.issue({
      conv: conversationId,
      user: userId,
      scope: 'conversation',
    });
    return { conversationId, token, expires_in: expiresIn };
  }

  async function streamUrl(conversationId: string, userId: string, watermark?: number): Promise<string> {
    const { token } = await tokens.issue({ conv: conversationId, user: userId, scope: 'stream' });
    const query = new URLSearchParams({
      watermark: watermark === undefined ? '' : String(watermark),
      t: token,
    });
    return `${options.baseUrl().replace(/^http/, 'ws')}${prefix}/conversations/${conversationId}/stream?${query}`;
  }

  /** What the service sets on every activity it hands the bot, whoever sent it. */
  function envelope(conversationId: string): Partial<Activity> {
    return {
      channelId: directLineChannelId,
      serviceUrl: `${options.baseUrl()}${prefix}`,
      conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
      recipient: botAccount,
      timestamp: new Date(),
    };
  }

  /** Stores a client activity, echoes it to the streams and runs the turn; returns the activity id. */
  async function receive(
    conversation: ConversationRecord,
    auth: Authorization,
    incoming: Incoming,
    caller: string,
  ): Promise<string> {
    const { id: clientId, from } = incoming;
    // A token speaks for its user, whatever name the client gives; a secret holder (a trusted server)
    // may name the sender. Either way the sender is a user, never the bot.
    const sender: ChannelAccount =
      auth.kind === 'token'
        ? { id: auth.claims.user, name: '', role: 'user' }
        : { id: from?.id || conversation.userId, name: from?.name ?? '', role: 'user' };
    const activity: Partial<Activity> = {
      ...(clientActivity(incoming) as Partial<Activity>),
      ...envelope(conversation.id),
      from: sender,
    };
    // The user's typing goes to the bot only: it is neither history nor news to the user's own window.
    if (activity.type === ActivityTypes.Typing) {
      const id = unstoredActivityId(conversation.id, 'typing');
      await adapter.processActivity({ ...activity, id }, logic, caller);
      return id;
    }
    const clientKey = clientId || incoming.channelData?.clientActivityID;
    // An answer to a prompt for personal input is stored redacted; the bot gets the real text.
    const result = await store.appendFromCustomer(
      conversation.id,
      (seq) => ({ ...activity, id: activityId(conversation.id, seq) }),
      clientKey ? { by: 'client', id: clientKey } : undefined,
    );
    const id = result.activity.id ?? '';
    if (!result.duplicate) await adapter.processActivity(result.forBot, logic, caller);
    return id;
  }

  /** Creates the conversation and tells the bot who joined (the real service's conversationUpdate). */
  async function start(conversationId: string, userId: string, locale: string | undefined): Promise<boolean> {
    const created = await store.create(conversationId, userId);
    if (created) {
      await adapter.processActivity(
        {
          ...envelope(conversationId),
          type: ActivityTypes.ConversationUpdate,
          id: unstoredActivityId(conversationId, 'update'),
          from: { id: userId, name: '' },
          membersAdded: [botAccount, { id: userId, name: '' }],
          locale,
        },
        logic,
      );
    }
    return created;
  }

  const json = jsonBody({ maxBytes: maxJsonBytes });

  function register(server: Server): void {
    // Web Chat on a customer's website calls from another origin. Credentials travel in the
    // Authorization header, never in cookies, so any origin may call.
    server.pre((req, res, next) => {
      if (req.url?.startsWith(`${prefix}/`)) res.header('access-control-allow-origin', '*');
      next();
    });
    server.opts(`${prefix}/*`, async (_req: Request, res: Response) => {
      res.header('access-control-allow-methods', 'GET, POST, OPTIONS');
      res.header(
        'access-control-allow-headers',
        'authorization, content-type, x-ms-bot-agent, x-requested-with',
      );
      res.header('access-control-max-age', '600');
      res.send(204);
    });
    server.post(`${prefix}/tokens/generate`, limitTokens, ...json, async (req: Request, res: Response) => {
      const auth = await authorize(req);
      if (auth.kind !== 'secret')
        throw new HttpError(403, 'token_invalid', 'Generating a token needs the secret.');
      const body = generateBodySchema.parse(emptyToUndefined(req.body));
      res.send(200, await issue(newId(), body?.user?.id ?? newUserId()));
    });

    server.post(`${prefix}/tokens/refresh`, async (req: Request, res: Response) => {
      const auth = await authorize(req);
      if (auth.kind !== 'token') throw new HttpError(403, 'token_invalid', 'Only a token can be refreshed.');
      res.send(200, await issue(auth.claims.conv, auth.claims.user));
    });

    server.post(`${prefix}/conversations`, limitTokens, ...json, async (req: Request, res: Response) => {
      const auth = await authorize(req);
      const body = startBodySchema.parse(emptyToUndefined(req.body));
      let conversationId: string;
      let userId: string;
      let created: boolean;
      let token: Pick<ConversationToken, 'token' | 'expires_in'>;
      if (auth.kind === 'token') {
        // The token names the conversation: the one it was minted for, started here unless it already was.
        ({ conv: conversationId, user: userId } = auth.claims);
        created =
          !(await store.find(conversationId)) && (await track(start(conversationId, userId, body?.locale)));
        const secondsLeft = Math.floor((auth.claims.expiresAt.getTime() - now().getTime()) / 1000);
        token = { token: auth.token, expires_in: Math.max(0, secondsLeft) };
      } else {
        conversationId = newId();
        userId = body?.user?.id || newUserId();
        created = await track(start(conversationId, userId, body?.locale));
        token = await issue(conversationId, userId);
      }
      // A client starting (or restarting, after a page reload) gets the whole history on its stream.
      res.send(created ? 201 : 200, {
        conversationId,
        token: token.token,
        expires_in: token.expires_in,
        streamUrl: await streamUrl(conversationId, userId),
      });
    });

    server.get(`${prefix}/conversations/:conversationId`, async (req: Request, res: Response) => {
      const { auth, conversation } = await conversationFor(req);
      const watermark = parseWatermark(req.query?.watermark) ?? (await store.latest(conversation.id));
      const token =
        auth.kind === 'token' ? auth.token : (await issue(conversation.id, conversation.userId)).token;
      res.send(200, {
        conversationId: conversation.id,
        token,
        streamUrl: await streamUrl(conversation.id, conversation.userId, watermark),
      });
    });

    server.post(
      `${prefix}/conversations/:conversationId/activities`,
      limitMessages,
      ...json,
      async (req: Request, res: Response) => {
        const { auth, conversation } = await conversationFor(req);
        // Counted once the token is checked, so nobody can use up another conversation's allowance.
        await limitConversationMessages(req, res);
        const incoming = incomingSchema.parse(req.body);
        res.send(200, { id: await track(receive(conversation, auth, incoming, callerOf(req))) });
      },
    );

    server.get(`${prefix}/conversations/:conversationId/activities`, async (req: Request, res: Response) => {
      const { conversation } = await conversationFor(req);
      const page = await store.since(conversation.id, parseWatermark(req.query?.watermark) ?? 0);
      res.send(200, { activities: page.activities, watermark: String(page.watermark) });
    });

    server.post(
      `${prefix}/conversations/:conversationId/upload`,
      limitUploads,
      async (req: Request, res: Response) => {
        const { auth, conversation } = await conversationFor(req);
        await limitConversationUploads(req, res);
        if (!(await mayUpload(conversation.id))) {
          throw new HttpError(
            403,
            'uploads_not_allowed',
            'Sign in to the chat (verify your identity) before sending files.',
          );
        }
        // Checked before the body is read, and again on what it holds: the quota bounds what is kept.
        const used = await files.usage(conversation.id);
        if (used.files >= quota.files || used.bytes >= quota.bytes) throw quotaExceeded(quota);
        const upload = await readUpload(req, {
          maxFileBytes,
          maxFiles: maxUploadFiles,
          maxActivityBytes: maxJsonBytes,
          total: { maxBytes: quota.bytes - used.bytes, refusal: quotaExceeded(quota) },
        });
        if (used.files + upload.files.length > quota.files) throw quotaExceeded(quota);
        const template = incomingSchema.parse(upload.activity ?? { type: ActivityTypes.Message });
        const attachments = [];
        for (const file of upload.files) {
          const stored = await files.save({
            name: file.name,
            data: file.data,
            declaredType: file.declaredType,
            conversationId: conversation.id,
          });
          attachments.push({
            contentType: stored.contentType,
            contentUrl: files.signedUrl(stored.id),
            name: stored.name,
          });
        }
        const userId = typeof req.query?.userId === 'string' ? req.query.userId : undefined;
        const incoming = {
          ...template,
          from: { ...template.from, id: template.from?.id ?? userId },
          attachments,
        };
        res.send(200, { id: await track(receive(conversation, auth, incoming, callerOf(req))) });
      },
    );

    httpServer = server.server;
    upgradeListener = (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = streamPath.exec(url.pathname);
      socket.on('error', () => socket.destroy());
      // The stream is the only upgrade this server speaks; anything else is answered, not left hanging.
      if (!match?.[1]) return refuseUpgrade(socket, 404, 'Not Found');
      const conversationId = match[1];
      void openStream(conversationId, url.searchParams, req, socket, head).catch((error: unknown) => {
        logger.error({ err: error }, 'could not open a Direct Line stream');
        refuseUpgrade(socket, 500, 'Internal Server Error');
      });
    };
    server.server.on('upgrade', upgradeListener);
  }

  async function openStream(
    conversationId: string,
    query: URLSearchParams,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): Promise<void> {
    if (closing) return refuseUpgrade(socket, 503, 'Service Unavailable');
    try {
      const claims = await tokens.verify(query.get('t') ?? '', 'stream');
      if (claims.conv !== conversationId) return refuseUpgrade(socket, 403, 'Forbidden');
    } catch (error) {
      if (error instanceof InvalidTokenError) return refuseUpgrade(socket, 403, 'Forbidden');
      throw error;
    }
    if (!(await store.find(conversationId))) return refuseUpgrade(socket, 404, 'Not Found');
    let watermark: number;
    try {
      watermark = parseWatermark(query.get('watermark') ?? undefined) ?? 0;
    } catch {
      return refuseUpgrade(socket, 400, 'Bad Request');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      void streams.attach(conversationId, ws, watermark).catch((error: unknown) => {
        logger.error({ err: error }, 'Direct Line stream replay failed');
        ws.close(1011, 'replay failed');
      });
    });
  }

  return {
    adapter,
    register,
    sender: directLineSender(adapter, store),
    async issueConversationToken(user) {
      return issue(newId(), user ? userSchema.parse(user).id : newUserId());
    },
    limitTokens,
    async close() {
      closing = true;
      if (upgradeListener) httpServer?.off('upgrade', upgradeListener);
      await feed.stop();
      streams.close();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await Promise.allSettled([...inFlight]);
    },
  };
}

/**
 * The caller as the connection shows it, never as the request says: the peer's network address. Behind a
 * reverse proxy that is the proxy, so every caller shares one key.
 */
function callerOf(req: Request): string {
  return `address:${req.socket.remoteAddress ?? 'unknown'}`;
}

function quotaExceeded(quota: Usage): HttpError {
  return new HttpError(
    413,
    'quota_exceeded',
    `A conversation can keep at most ${quota.files} files and ${megabytes(quota.bytes)} MiB; ` +
      'this upload would go past that.',
  );
}

function megabytes(bytes: number): string {
  return String(Math.round((bytes / 1024 / 1024) * 10) / 10);
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  if (socket.destroyed) return;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function newId(): string {
  return randomBytes(16).toString('base64url');
}

/** User ids the service makes up start with `dl_`, which clients may not claim for themselves. */
function newUserId(): string {
  return `dl_${randomBytes(12).toString('base64url')}`;
}

/** Absent or empty → undefined; otherwise a non-negative integer, or 400. */
function parseWatermark(value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  throw new HttpError(400, 'bad_argument', 'The watermark is not one this service issued.');
}

/** Body parsers leave an empty body as `undefined`, `''` or `{}` depending on the content type. */
function emptyToUndefined(body: unknown): unknown {
  return body === '' || body === null ? undefined : body;
}

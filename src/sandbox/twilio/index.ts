/**
 * A local stand-in for the part of Twilio's Messages API the app uses, mounted on the app's own server
 * when `TWILIO_*` is unset, and the phone page at `/sandbox/sms` that drives it:
 *
 * - `POST /sandbox/sms/api/2010-04-01/Accounts/{sid}/Messages.json` (Basic auth with the sandbox's own
 *   account sid and auth token, Twilio's request and response shapes); each accepted message is shown
 *   on the phone page and followed by signed status callbacks (`sent`, then `delivered`).
 * - `GET`/`DELETE .../Messages/{MM…}/Media/{ME…}`: the media of a message the phone sent.
 * - The page's messages become webhooks to `/api/sms/inbound`, signed here exactly as Twilio signs them
 *   (on the public URL, with the sandbox's auth token); the app verifies them like any other.
 *
 * State lives in memory: it is a tool for trying the product and for tests, not a message store.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { twilioSignature } from '../../channels/sms/twilio-client.js';
import { parseClientJson, readForm, readRawBody } from '../../http/body.js';
import { HttpError } from '../../http/errors.js';
import type { Logger } from '../../log.js';
import { phonePage, phoneScript, sandboxPolicy } from './page.js';

/** Where the stand-in's API lives on the app's server. */
export const sandboxApiPath = '/sandbox/sms/api';
const apiVersion = '2010-04-01';

/** A message as the sandbox's phone sees it. */
export interface SandboxMessage {
  sid: string;
  direction: 'inbound' | 'outbound';
  /** The customer's number (the phone). */
  phone: string;
  body: string;
  media: { url: string; contentType: string }[];
  /** The latest delivery status the sandbox reported. */
  status: string;
  at: Date;
}

/** Options of {@link TwilioSandbox}. */
export interface TwilioSandboxOptions {
  /** The app's public URL: what Twilio would call, so what webhooks are signed on. */
  publicUrl: () => string;
  /** Where the app listens on this machine: where the sandbox posts its webhooks. */
  localUrl: () => string;
  /** Numbers the page offers (the demo customers'), without names. */
  demoNumbers: () => Promise<{ label: string; phone: string }[]>;
  logger: Logger;
  /**
   * Where the stand-in's own API is reached, when it runs on a server of its own (the SMS benchmark's);
   * default on the app's server, `localUrl` + `/sandbox/sms/api`.
   */
  apiUrl?: () => string;
  /** Delay before each status callback; default 20 ms. */
  callbackDelayMs?: number;
}

const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number like +15555550123');
const createSchema = z.object({
  To: e164,
  From: e164.optional(),
  MessagingServiceSid: z
    .string()
    .regex(/^MG[0-9a-fA-F]{32}$/)
    .optional(),
  Body: z.string().min(1).max(1600),
  StatusCallback: z.url().optional(),
});
const phoneMessageSchema = z.object({
  from: e164,
  body: z.string().max(1600).default(''),
  media: z
    .array(z.object({ contentType: z.string().min(1).max(100), data: z.base64().max(14_000_000) }))
    .max(10)
    .default([]),
});

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** The stand-in: its credentials, its API and page routes, and what tests need to drive it. */
export class TwilioSandbox {
  readonly accountSid = `AC${hex(16)}`;
  readonly authToken = hex(16);
  /** The number the app texts from. */
  readonly number = '+15555550100';
  /** Messages by phone, and by sid: a busy phone page or test asks after one phone at a time. */
  private readonly byPhone = new Map<string, SandboxMessage[]>();
  private readonly bySid = new Map<string, SandboxMessage>();
  /** Keeps connections to the app open between webhooks, as Twilio's senders do. */
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly media = new Map<string, { messageSid: string; contentType: string; data: Buffer }>();
  private readonly undeliverable = new Map<string, number>();
  private readonly optedOut = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private readonly waiters = new Set<() => void>();

  constructor(private readonly options: TwilioSandboxOptions) {}

  /** The base URL the app's Twilio client uses instead of api.twilio.com. */
  apiBaseUrl(): string {
    return this.options.apiUrl?.() ?? this.options.localUrl() + sandboxApiPath;
  }

  /** Messages with this phone, oldest first. */
  messagesWith(phone: string): SandboxMessage[] {
    return [...(this.byPhone.get(phone) ?? [])];
  }

  /** Messages the app sent to this phone. */
  received(phone: string): SandboxMessage[] {
    return (this.byPhone.get(phone) ?? []).filter((message) => message.direction === 'outbound');
  }

  /** Resolves once `predicate` holds, checked after every message and status change. */
  async waitUntil(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error('the sandbox did not see what was awaited'));
      }, timeoutMs);
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  /** Messages to `phone` end `undelivered` with Twilio's `errorCode` (30003: unreachable). */
  markUndeliverable(phone: string, errorCode = 30003): void {
    this.undeliverable.set(phone, errorCode);
  }

  /** Sends to `phone` are refused as Twilio refuses a number that replied STOP (21610). */
  markOptedOut(phone: string): void {
    this.optedOut.add(phone);
  }

  /**
   * A text from `from` to the app, as the phone page sends it: a webhook signed like Twilio's. Resolves
   * with the message sid and the webhook's HTTP status.
   */
  async text(input: z.input<typeof phoneMessageSchema>): Promise<{ messageSid: string; status: number }> {
    const { from, body, media } = phoneMessageSchema.parse(input);
    const messageSid = `${media.length > 0 ? 'MM' : 'SM'}${hex(16)}`;
    const params: Record<string, string> = {
      AccountSid: this.accountSid,
      ApiVersion: apiVersion,
      MessageSid: messageSid,
      SmsMessageSid: messageSid,
      SmsSid: messageSid,
      From: from,
      To: this.number,
      Body: body,
      NumMedia: String(media.length),
      NumSegments: '1',
    };
    const stored: SandboxMessage['media'] = [];
    media.forEach((file, index) => {
      const mediaSid = `ME${hex(16)}`;
      this.media.set(mediaSid, {
        messageSid,
        contentType: file.contentType,
        data: Buffer.from(file.data, 'base64'),
      });
      const url = `${this.apiBaseUrl()}/${apiVersion}/Accounts/${this.accountSid}/Messages/${messageSid}/Media/${mediaSid}`;
      params[`MediaUrl${index}`] = url;
      params[`MediaContentType${index}`] = file.contentType;
      stored.push({ url, contentType: file.contentType });
    });
    this.add({
      sid: messageSid,
      direction: 'inbound',
      phone: from,
      body,
      media: stored,
      status: 'received',
      at: new Date(),
    });
    const status = await this.post('/api/sms/inbound', params);
    return { messageSid, status };
  }

  /** Posts a form to the app, signed on its public URL exactly as Twilio signs; resolves with the status. */
  async post(path: string, params: Record<string, string>, signature?: string): Promise<number> {
    const body = new URLSearchParams(params).toString();
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': Buffer.byteLength(body),
      'x-twilio-signature':
        signature ?? twilioSignature(this.authToken, this.options.publicUrl() + path, params),
    };
    // node:http rather than fetch: a webhook is a small form, and fetch's streams cost more than the post.
    const once = () =>
      new Promise<number>((resolve, reject) => {
        const request = http.request(
          new URL(path, this.options.localUrl()),
          { method: 'POST', headers, agent: this.agent },
          (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode ?? 0));
            response.on('error', reject);
          },
        );
        request.on('error', (error: NodeJS.ErrnoException) =>
          reject(Object.assign(error, { reused: request.reusedSocket })),
        );
        request.end(body);
      });
    try {
      return await once();
    } catch (error) {
      // A kept connection the app closed meanwhile: sent again on a new one (webhooks are idempotent).
      if (
        (error as { reused?: boolean; code?: string }).reused &&
        (error as { code?: string }).code === 'ECONNRESET'
      ) {
        return once();
      }
      throw error;
    }
  }

  /** Waits for the status callbacks still under way, then lets the kept connections go. */
  async close(): Promise<void> {
    await Promise.all([...this.pending]);
    this.agent.destroy();
  }

  register(server: Server): void {
    const messagesPath = `${sandboxApiPath}/${apiVersion}/Accounts/:accountSid/Messages.json`;
    const mediaPath = `${sandboxApiPath}/${apiVersion}/Accounts/:accountSid/Messages/:messageSid/Media/:mediaSid`;
    server.post(messagesPath, async (req: Request, res: Response) => this.createMessage(req, res));
    server.get(mediaPath, async (req: Request, res: Response) => this.getMedia(req, res));
    server.del(mediaPath, async (req: Request, res: Response) => this.deleteMedia(req, res));

    const page = (body: string, type: string) => async (_req: Request, res: Response) => {
      res.writeHead(200, {
        'content-type': type,
        'content-security-policy': sandboxPolicy,
        'cache-control': 'no-store',
      });
      res.end(body);
    };
    server.get('/sandbox/sms', page(phonePage, 'text/html; charset=utf-8'));
    server.get('/sandbox/sms/phone.js', page(phoneScript, 'text/javascript; charset=utf-8'));
    server.get('/sandbox/sms/numbers', async (_req: Request, res: Response) => {
      res.send(200, { numbers: await this.options.demoNumbers(), ours: this.number });
    });
    server.get('/sandbox/sms/messages', async (req: Request, res: Response) => {
      const phone = e164.safeParse(req.query?.phone);
      if (!phone.success) throw new HttpError(400, 'invalid_phone', 'phone must be an E.164 number');
      res.send(200, {
        messages: this.messagesWith(phone.data).map((message) => ({
          sid: message.sid,
          direction: message.direction,
          body: message.body,
          media: message.media.map((item) => item.contentType),
          status: message.status,
          at: message.at.toISOString(),
        })),
      });
    });
    server.post('/sandbox/sms/messages', async (req: Request, res: Response) => {
      const parsed = phoneMessageSchema.safeParse(
        parseJson((await readRawBody(req, 15_000_000)).toString('utf8')),
      );
      if (!parsed.success)
        throw new HttpError(400, 'invalid_message', parsed.error.issues[0]?.message ?? 'invalid');
      const sent = await this.text(parsed.data);
      res.send(sent.status === 200 ? 201 : 502, { sid: sent.messageSid, webhookStatus: sent.status });
    });
  }

  /** Basic auth with the sandbox's credentials, and the account in the path; as Twilio answers otherwise. */
  private authorize(req: Request): void {
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (req.header('authorization') !== expected || req.params?.accountSid !== this.accountSid) {
      throw new TwilioError(401, 20003, 'Authenticate');
    }
  }

  private async createMessage(req: Request, res: Response): Promise<void> {
    try {
      this.authorize(req);
      const parsed = createSchema.safeParse(await readForm(req, 64 * 1024));
      if (!parsed.success) throw new TwilioError(400, 21602, 'Message body is required.');
      const input = parsed.data;
      if (!input.From && !input.MessagingServiceSid)
        throw new TwilioError(400, 21603, "A 'From' phone number is required.");
      if (this.optedOut.has(input.To)) {
        throw new TwilioError(400, 21610, 'Attempt to send to unsubscribed recipient');
      }
      const sid = `SM${hex(16)}`;
      const now = new Date();
      this.add({
        sid,
        direction: 'outbound',
        phone: input.To,
        body: input.Body,
        media: [],
        status: 'queued',
        at: now,
      });
      if (input.StatusCallback) this.callbacks(sid, input.To, input.StatusCallback);
      const uri = `/${apiVersion}/Accounts/${this.accountSid}/Messages/${sid}`;
      res.send(201, {
        account_sid: this.accountSid,
        api_version: apiVersion,
        body: input.Body,
        date_created: now.toUTCString(),
        date_sent: null,
        date_updated: now.toUTCString(),
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from: input.From ?? this.number,
        messaging_service_sid: input.MessagingServiceSid ?? null,
        num_media: '0',
        num_segments: String(Math.ceil(input.Body.length / 160)),
        price: null,
        price_unit: 'USD',
        sid,
        status: 'queued',
        subresource_uris: { media: `${uri}/Media.json` },
        to: input.To,
        uri: `${uri}.json`,
      });
    } catch (error) {
      this.fail(res, error);
    }
  }

  /** `sent`, then `delivered` (or `undelivered` with its code), each signed and posted to the app. */
  private callbacks(sid: string, to: string, url: string): void {
    const publicUrl = this.options.publicUrl();
    // Only the app itself is called back: the sandbox never posts to an address a request chose.
    if (!url.startsWith(`${publicUrl}/`)) return;
    const path = url.slice(publicUrl.length);
    const errorCode = this.undeliverable.get(to);
    const steps =
      errorCode === undefined
        ? [{ status: 'sent' }, { status: 'delivered' }]
        : [{ status: 'sent' }, { status: 'undelivered', errorCode }];
    const delay = this.options.callbackDelayMs ?? 20;
    const task = (async () => {
      for (const step of steps) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        this.setStatus(sid, step.status);
        await this.post(path, {
          AccountSid: this.accountSid,
          ApiVersion: apiVersion,
          MessageSid: sid,
          SmsSid: sid,
          MessageStatus: step.status,
          SmsStatus: step.status,
          To: to,
          From: this.number,
          ...(step.errorCode !== undefined ? { ErrorCode: String(step.errorCode) } : {}),
        });
      }
    })().catch((error: unknown) =>
      this.options.logger.warn({ err: error }, 'SMS sandbox status callback failed'),
    );
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
  }

  private getMedia(req: Request, res: Response): void {
    try {
      this.authorize(req);
      const media = this.media.get(String(req.params?.mediaSid));
      if (!media || media.messageSid !== req.params?.messageSid)
        throw new TwilioError(404, 20404, 'The requested resource was not found');
      res.writeHead(200, { 'content-type': media.contentType, 'content-length': media.data.length });
      res.end(media.data);
    } catch (error) {
      this.fail(res, error);
    }
  }

  private deleteMedia(req: Request, res: Response): void {
    try {
      this.authorize(req);
      // Twilio's clients name the resource with its `.json` suffix.
      const mediaSid = String(req.params?.mediaSid).replace(/\.json$/, '');
      const media = this.media.get(mediaSid);
      if (!media || media.messageSid !== req.params?.messageSid)
        throw new TwilioError(404, 20404, 'The requested resource was not found');
      this.media.delete(mediaSid);
      res.writeHead(204);
      res.end();
    } catch (error) {
      this.fail(res, error);
    }
  }

  /** Whether the media is still held (deleted once the app stored it). */
  hasMedia(url: string): boolean {
    const mediaSid = url.split('/').pop() ?? '';
    return this.media.has(mediaSid);
  }

  private fail(res: Response, error: unknown): void {
    const known = error instanceof TwilioError ? error : new TwilioError(500, 20500, 'Internal Server Error');
    if (!(error instanceof TwilioError))
      this.options.logger.error({ err: error }, 'SMS sandbox request failed');
    res.send(known.status, {
      code: known.code,
      message: known.message,
      more_info: `https://www.twilio.com/docs/errors/${known.code}`,
      status: known.status,
    });
  }

  private add(message: SandboxMessage): void {
    const thread = this.byPhone.get(message.phone);
    if (thread) thread.push(message);
    else this.byPhone.set(message.phone, [message]);
    this.bySid.set(message.sid, message);
    this.notify();
  }

  private setStatus(sid: string, status: string): void {
    const message = this.bySid.get(sid);
    if (message) message.status = status;
    this.notify();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** An error answered in Twilio's shape (`code`, `message`, `more_info`, `status`). */
class TwilioError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function parseJson(text: string): unknown {
  return parseClientJson(text, () => new HttpError(400, 'invalid_json', 'the body must be JSON'));
}

/**
 * A local stand-in for the part of Stripe the app uses, run when `STRIPE_*` is unset (and by the
 * tests), so a premium can be paid end to end on one machine:
 *
 * - Stripe's API on its own loopback port (the SDK's paths are fixed under `/v1`, so it cannot share
 *   the app's server): `POST /v1/checkout/sessions` and `GET /v1/checkout/sessions/{id}`, with the
 *   sandbox's own secret key as Bearer token, form-encoded parameters, `Idempotency-Key`, and Stripe's
 *   response and error shapes. The real `stripe` SDK talks to it through its host/port/protocol options.
 * - The checkout page `/sandbox/pay/{id}` on the app's server (and `/sandbox/pay`, the open checkouts):
 *   its Pay button completes the session and sends `checkout.session.completed` to the app's webhook,
 *   signed exactly as Stripe signs (`Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "t.payload")`) with a
 *   webhook secret generated here, then redirects to the session's success URL as Stripe does.
 *
 * No card details are asked for: the sandbox moves no money. State lives in memory.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import restify, { type Request, type Response, type Server } from 'restify';
import { z } from 'zod';
import type { Logger } from '../../log.js';
import { checkoutPage, openCheckoutsPage, pagePolicy, resultPage } from './page.js';

/** Stripe's maximum and default life of a Checkout Session. */
const sessionLifeSeconds = 24 * 60 * 60;
/** The API version the sandbox's events claim, as a Stripe account pinned to one would. */
const apiVersion = '2025-10-29.clover';

/** A checkout session as the sandbox keeps it (Stripe's field names). */
export interface SandboxSession {
  id: string;
  object: 'checkout.session';
  mode: 'payment';
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid';
  amount_total: number;
  amount_subtotal: number;
  currency: string;
  description: string;
  metadata: Record<string, string>;
  client_reference_id: string | null;
  success_url: string;
  cancel_url: string | null;
  url: string | null;
  created: number;
  expires_at: number;
  livemode: false;
}

/** What a webhook delivery got back from the app. */
export interface Delivery {
  eventId: string;
  status: number;
}

/** Options of {@link StripeSandbox}. */
export interface StripeSandboxOptions {
  /** Where the checkout page is reached (the app's public URL; the page is mounted on its server). */
  pageUrl: () => string;
  /** Where webhooks are posted: the app's `/api/payments/stripe` on this machine. */
  webhookUrl: () => string;
  logger: Logger;
  /** The clock, in seconds since the epoch; tests pass a fixed one. */
  nowSeconds?: () => number;
}

const text = (max: number) => z.string().min(1).max(max);
/** `checkout.sessions.create` as the SDK form-encodes it (numbers arrive as strings). */
const createSchema = z.object({
  mode: z.literal('payment'),
  line_items: z
    .array(
      z.object({
        quantity: z.coerce.number().int().min(1).max(1),
        price_data: z.object({
          currency: z.string().regex(/^[a-z]{3}$/),
          unit_amount: z.coerce.number().int().min(50).max(99_999_999),
          product_data: z.object({ name: text(250) }),
        }),
      }),
    )
    .length(1),
  metadata: z.record(z.string().max(40), z.string().max(500)).default({}),
  client_reference_id: text(200).optional(),
  success_url: z.url({ protocol: /^https?$/ }),
  cancel_url: z.url({ protocol: /^https?$/ }).optional(),
  payment_intent_data: z.object({ metadata: z.record(z.string(), z.string()).optional() }).optional(),
});

const sessionIdPattern = /^cs_test_[A-Za-z0-9]{24}$/;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const token = (length: number) =>
  randomBytes(length)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .padEnd(length, '0')
    .slice(0, length);

/** Stripe's error shape. */
class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** `Stripe-Signature` for `payload` at `timestamp`, computed as Stripe computes it. */
export function stripeSignature(secret: string, payload: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

/** The stand-in: its credentials, its API server, its pages, and what tests drive it with. */
export class StripeSandbox {
  readonly secretKey = `sk_test_sandbox${hex(12)}`;
  readonly webhookSecret = `whsec_${hex(16)}`;
  private readonly sessions = new Map<string, SandboxSession>();
  private readonly byIdempotencyKey = new Map<string, string>();
  /** Every event sent, by id, as its payload (redelivered the way Stripe retries: same body, new signature). */
  private readonly events = new Map<string, string>();
  private api: Server | undefined;
  private readonly nowSeconds: () => number;

  constructor(private readonly options: StripeSandboxOptions) {
    this.nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  }

  /** Starts the API on a free loopback port. */
  async listen(): Promise<void> {
    const api = restify.createServer({ name: 'stripe-sandbox', handleUncaughtExceptions: false });
    api.use(restify.plugins.bodyParser({ mapParams: false, maxBodySize: 64 * 1024 }));
    const handle =
      (action: (req: Request) => SandboxSession) =>
      async (req: Request, res: Response): Promise<void> => {
        try {
          this.authorize(req);
          res.send(200, action(req));
        } catch (error) {
          const failure =
            error instanceof StripeApiError
              ? error
              : new StripeApiError(400, 'invalid_request_error', 'Invalid request');
          res.send(failure.status, {
            error: {
              type: failure.type,
              message: failure.message,
              ...(failure.code ? { code: failure.code } : {}),
            },
          });
        }
      };
    api.post(
      '/v1/checkout/sessions',
      handle((req) => this.createSession(req)),
    );
    api.get(
      '/v1/checkout/sessions/:id',
      handle((req) => this.session(String(req.params?.id))),
    );
    await new Promise<void>((resolve, reject) => {
      api.once('error', reject);
      api.listen(0, '127.0.0.1', () => resolve());
    });
    this.api = api;
  }

  /** The API's base URL, what the SDK is pointed at (`STRIPE_API_BASE_URL`). */
  apiBaseUrl(): string {
    if (!this.api) throw new Error('the Stripe sandbox is not listening');
    return `http://127.0.0.1:${(this.api.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const api = this.api;
    this.api = undefined;
    if (api) await new Promise<void>((resolve) => api.close(() => resolve()));
  }

  /** Checkout sessions, newest first. */
  list(): SandboxSession[] {
    this.expireOld();
    return [...this.sessions.values()].reverse();
  }

  /** One session; a 404 in Stripe's words when there is none. */
  session(id: string): SandboxSession {
    this.expireOld();
    const session = sessionIdPattern.test(id) ? this.sessions.get(id) : undefined;
    if (!session) {
      throw new StripeApiError(
        404,
        'invalid_request_error',
        `No such checkout.session: '${id}'`,
        'resource_missing',
      );
    }
    return session;
  }

  /**
   * Pays an open session as the checkout page's button does: marks it complete and paid, then sends
   * `checkout.session.completed` to the app, signed. Resolves with the webhook's answer.
   */
  async complete(id: string): Promise<Delivery> {
    const session = this.session(id);
    if (session.status !== 'open') {
      throw new StripeApiError(409, 'invalid_request_error', `This checkout is ${session.status}.`);
    }
    session.status = 'complete';
    session.payment_status = 'paid';
    session.url = null;
    const eventId = `evt_${token(24)}`;
    const payload = JSON.stringify({
      id: eventId,
      object: 'event',
      api_version: apiVersion,
      created: this.nowSeconds(),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: 'checkout.session.completed',
      data: { object: session },
    });
    this.events.set(eventId, payload);
    return { eventId, status: await this.post(payload) };
  }

  /** Sends an event again, freshly signed, as Stripe retries a delivery; resolves with the app's status. */
  async redeliver(eventId: string): Promise<Delivery> {
    const payload = this.events.get(eventId);
    if (!payload) throw new Error(`no event ${eventId} was sent`);
    return { eventId, status: await this.post(payload) };
  }

  /** The payload of a sent event (for tests that tamper with it). */
  eventPayload(eventId: string): string | undefined {
    return this.events.get(eventId);
  }

  /** Posts `payload` to the app's webhook with `signature` (by default a valid one, signed now). */
  async post(payload: string, signature?: string): Promise<number> {
    const response = await fetch(this.options.webhookUrl(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        'stripe-signature': signature ?? stripeSignature(this.webhookSecret, payload, this.nowSeconds()),
      },
      body: payload,
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** The checkout pages, on the app's server. */
  register(server: Server): void {
    const html = (res: Response, status: number, body: string) => {
      res.writeHead(status, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': pagePolicy,
        'cache-control': 'no-store',
      });
      res.end(body);
    };
    server.get('/sandbox/pay', async (_req: Request, res: Response) => {
      html(res, 200, openCheckoutsPage(this.list().filter((session) => session.status === 'open')));
    });
    server.get('/sandbox/pay/:id', async (req: Request, res: Response) => {
      const found = this.find(String(req.params?.id ?? ''));
      if (!found) return html(res, 404, resultPage('No such checkout', 'This payment link is not valid.'));
      if (found.status !== 'open') {
        return html(res, 410, resultPage('Checkout closed', `This checkout is ${found.status}.`));
      }
      html(res, 200, checkoutPage(found));
    });
    server.post('/sandbox/pay/:id', async (req: Request, res: Response) => {
      const found = this.find(String(req.params?.id ?? ''));
      // The form sends nothing; whatever came is not read.
      req.resume();
      if (!found) return html(res, 404, resultPage('No such checkout', 'This payment link is not valid.'));
      if (found.status !== 'open') {
        return html(res, 409, resultPage('Checkout closed', `This checkout is ${found.status}.`));
      }
      const delivery = await this.complete(found.id);
      if (delivery.status !== 200) {
        this.options.logger.warn({ status: delivery.status }, 'the app refused the sandbox payment webhook');
        return html(
          res,
          502,
          resultPage('Payment not confirmed', 'The shop did not accept the confirmation.'),
        );
      }
      res.writeHead(303, { location: found.success_url, 'cache-control': 'no-store' });
      res.end();
    });
  }

  private find(id: string): SandboxSession | undefined {
    try {
      return this.session(id);
    } catch {
      return undefined;
    }
  }

  private authorize(req: Request): void {
    if (req.header('authorization') !== `Bearer ${this.secretKey}`) {
      throw new StripeApiError(401, 'invalid_request_error', 'Invalid API Key provided.');
    }
  }

  private createSession(req: Request): SandboxSession {
    const key = req.header('idempotency-key');
    const earlier = key ? this.byIdempotencyKey.get(key) : undefined;
    // Stripe forgets a key after 24 hours, the life of a session: an expired one is not handed out again.
    if (earlier && this.session(earlier).status !== 'expired') return this.session(earlier);
    const parsed = createSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `Invalid ${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'}`,
        'parameter_invalid',
      );
    }
    const input = parsed.data;
    const item = input.line_items[0]!;
    const id = `cs_test_${token(24)}`;
    const created = this.nowSeconds();
    const amount = item.price_data.unit_amount * item.quantity;
    const session: SandboxSession = {
      id,
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: amount,
      amount_subtotal: amount,
      currency: item.price_data.currency,
      description: item.price_data.product_data.name,
      metadata: input.metadata,
      client_reference_id: input.client_reference_id ?? null,
      success_url: input.success_url,
      cancel_url: input.cancel_url ?? null,
      url: `${this.options.pageUrl()}/sandbox/pay/${id}`,
      created,
      expires_at: created + sessionLifeSeconds,
      livemode: false,
    };
    this.sessions.set(id, session);
    if (key) this.byIdempotencyKey.set(key, id);
    return session;
  }

  private expireOld(): void {
    const now = this.nowSeconds();
    for (const session of this.sessions.values()) {
      if (session.status === 'open' && session.expires_at <= now) {
        session.status = 'expired';
        session.url = null;
      }
    }
  }
}

/**
 * The one wrapper over the `stripe` SDK: hosted Checkout Sessions for premiums, and the verification
 * of Stripe's webhooks. Typed inputs, plain outputs; nothing else in the app imports `stripe`.
 * `apiBaseUrl` points the SDK at a stand-in (its host, port and protocol; Stripe's paths are fixed).
 */
import Stripe from 'stripe';
import { z } from 'zod';
import {
  checkoutMetadataSchema,
  type CheckoutLinks,
  type CheckoutRequest,
  type CheckoutSession,
  type CompletedCheckout,
} from '../domain/payments.js';

/** Options of {@link createStripeCheckout}. */
export interface StripeCheckoutOptions {
  secretKey: string;
  /** `STRIPE_API_BASE_URL`, or the stand-in's address; unset means api.stripe.com. */
  apiBaseUrl?: () => string | undefined;
  /** Where Stripe sends the customer after paying, and after giving up. */
  successUrl: () => string;
  cancelUrl: () => string;
}

/** Digits after the decimal point of `currency` in Stripe's smallest unit (2 for USD, 0 for JPY). */
function minorDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
    2
  );
}

export function toMinorUnits(amount: number, currency: string): number {
  return Math.round(amount * 10 ** minorDigits(currency));
}

export function fromMinorUnits(amount: number, currency: string): number {
  return amount / 10 ** minorDigits(currency);
}

/** The SDK's connection settings for a base URL such as `http://127.0.0.1:12111`. */
function connection(apiBaseUrl: string | undefined): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  if (!apiBaseUrl) return {};
  const url = new URL(apiBaseUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port || (protocol === 'http' ? '80' : '443'), protocol };
}

/** Hosted checkout on Stripe (or the stand-in `apiBaseUrl` names). */
export function createStripeCheckout(options: StripeCheckoutOptions): CheckoutLinks {
  let client: { stripe: Stripe; base: string | undefined } | undefined;
  // Built on first use: the stand-in's address is known only once it listens.
  const stripe = () => {
    const base = options.apiBaseUrl?.();
    if (!client || client.base !== base) {
      client = {
        base,
        stripe: new Stripe(options.secretKey, {
          ...connection(base),
          maxNetworkRetries: 2,
          timeout: 20_000,
          telemetry: false,
        }),
      };
    }
    return client.stripe;
  };
  return {
    async create(request: CheckoutRequest): Promise<CheckoutSession> {
      const session = await stripe().checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: request.currency.toLowerCase(),
                unit_amount: toMinorUnits(request.amount, request.currency),
                product_data: { name: request.description },
              },
            },
          ],
          metadata: { ...request.metadata },
          payment_intent_data: { metadata: { ...request.metadata } },
          client_reference_id: request.metadata.policyNumber,
          success_url: options.successUrl(),
          cancel_url: options.cancelUrl(),
        },
        { idempotencyKey: request.idempotencyKey },
      );
      if (!session.url) throw new Error('Stripe returned a checkout session without a URL');
      return { id: session.id, url: session.url, expiresAt: new Date(session.expires_at * 1000) };
    },
  };
}

/** Thrown for a webhook whose signature is missing, wrong or too old, or whose body is not an event. */
export class WebhookRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookRejectedError';
  }
}

const eventSchema = z.object({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  created: z.number().int(),
  data: z.object({ object: z.unknown() }),
});

const sessionSchema = z.object({
  id: z.string().min(1).max(255),
  object: z.literal('checkout.session'),
  payment_status: z.string(),
  amount_total: z.number().int().nonnegative(),
  currency: z.string().regex(/^[a-z]{3}$/),
  metadata: checkoutMetadataSchema,
});

/** A verified Stripe event, as much of it as the app reads. */
export interface StripeEvent {
  id: string;
  type: string;
  /** The paid checkout it reports, when it reports one. */
  paid?: CompletedCheckout;
}

/** Event types that report a checkout paid: at once by card, or later for delayed payment methods. */
const paidTypes = new Set(['checkout.session.completed', 'checkout.session.async_payment_succeeded']);

/**
 * Checks `signature` (the `Stripe-Signature` header) over the raw `payload` with the endpoint's secret
 * and Stripe's default tolerance of five minutes, then reads the event.
 */
export function verifyStripeWebhook(payload: Buffer, signature: string, secret: string): StripeEvent {
  let raw: unknown;
  try {
    raw = Stripe.webhooks.constructEvent(payload, signature, secret);
  } catch (error) {
    throw new WebhookRejectedError(
      error instanceof Stripe.errors.StripeSignatureVerificationError
        ? 'the Stripe-Signature does not match or is too old'
        : 'the body is not a Stripe event',
    );
  }
  const event = eventSchema.safeParse(raw);
  if (!event.success) throw new WebhookRejectedError('the body is not a Stripe event');
  const { id, type, created } = event.data;
  if (!paidTypes.has(type)) return { id, type };
  const session = sessionSchema.safeParse(event.data.data.object);
  // A session of someone else's integration on the same account, or one not paid yet (async methods).
  if (!session.success || session.data.payment_status !== 'paid') return { id, type };
  const currency = session.data.currency.toUpperCase();
  return {
    id,
    type,
    paid: {
      provider: 'stripe',
      eventId: id,
      sessionId: session.data.id,
      amount: fromMinorUnits(session.data.amount_total, currency),
      currency,
      metadata: session.data.metadata,
      paidAt: new Date(created * 1000),
    },
  };
}

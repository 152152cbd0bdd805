/**
 * `POST /api/payments/stripe`: Stripe's webhook. The `Stripe-Signature` is checked over the raw body
 * on every request (missing, forged or older than five minutes: 400, and nothing changes). A paid
 * checkout is recorded once per session, so Stripe's redeliveries are answered without acting twice.
 * Events the app does not act on are acknowledged, so Stripe stops sending them.
 */
import type { Request, Response, Server } from 'restify';
import { assertJsonDepth, readRawBody } from '../http/body.js';
import { HttpError } from '../http/errors.js';
import { isDomainError } from '../domain/errors.js';
import type { PaymentService } from '../domain/payments.js';
import type { Logger } from '../log.js';
import { verifyStripeWebhook, WebhookRejectedError } from './stripe.js';

export const stripeWebhookPath = '/api/payments/stripe';

/** Stripe's events are a few kilobytes; a checkout session with its metadata far less than this. */
const maxBodyBytes = 256 * 1024;

/** Options of {@link registerStripeWebhook}. */
export interface StripeWebhookOptions {
  /** `STRIPE_WEBHOOK_SECRET` (or the stand-in's): what signatures are checked with. */
  webhookSecret: string;
  payments: Pick<PaymentService, 'recordCheckout'>;
  logger: Logger;
}

export function registerStripeWebhook(server: Server, options: StripeWebhookOptions): void {
  server.post(stripeWebhookPath, async (req: Request, res: Response) => {
    const signature = req.header('stripe-signature');
    if (!signature) throw new HttpError(400, 'missing_signature', 'the Stripe-Signature header is missing');
    const payload = await readRawBody(req, maxBodyBytes);
    assertJsonDepth(payload.toString('utf8'));
    let event;
    try {
      event = verifyStripeWebhook(payload, signature, options.webhookSecret);
    } catch (error) {
      if (error instanceof WebhookRejectedError) throw new HttpError(400, 'invalid_signature', error.message);
      throw error;
    }
    let recorded = false;
    if (event.paid) {
      try {
        recorded = (await options.payments.recordCheckout(event.paid)).recorded;
      } catch (error) {
        // A checkout for a policy that is gone cannot be recorded however often Stripe retries it.
        if (!isDomainError(error, 'not_found')) throw error;
        options.logger.warn({ event: event.id, type: event.type }, 'paid checkout names no policy; ignored');
      }
      options.logger.info({ event: event.id, type: event.type, recorded }, 'Stripe payment event');
    }
    res.send(200, { received: true, recorded });
  });
}

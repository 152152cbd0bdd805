/**
 * Every text message the app sends goes through here: the consent ledger is read first (an opted-out
 * number gets nothing but the confirmation of its STOP), the first proactive message to a number that
 * never texted us says how to stop, and a notification's message is recorded by its `MessageSid` with
 * the notification's delivery key, so a dispatcher taking over after a crash finds it.
 */
import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ConsentService } from '../../domain/consent.js';
import { maxMessageLength } from './render.js';
import type { SmsStore } from './store.js';
import { TwilioApiError, type SmsClient } from './twilio-client.js';

/** Twilio's error for a number that replied STOP on the carrier's side. */
export const optedOutErrorCode = 21610;

/** What the first proactive message to a number that never texted us ends with. */
export const optOutWording = 'Reply STOP to opt out.';

/** A message not sent on purpose: the number opted out. Never retried. */
export class SmsRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SmsRefusedError';
  }
}

/** One message to send. */
export interface OutgoingSms {
  to: string;
  body: string;
  /** A notification's delivery key. */
  key?: string;
  /** Not an answer to the customer's message: a notification. */
  proactive?: boolean;
  /** The confirmation of an opt-out, the one message an opted-out number still gets. */
  optOutConfirmation?: boolean;
  /**
   * A reply: when the ledger was read for the message it answers (`performance.now()`). A reading
   * under {@link consentReadingMs} old stands; an older one is read again.
   */
  consentReadAt?: number;
}

/** How long a reading of the ledger taken for an inbound message covers the replies to it. */
export const consentReadingMs = 2000;

/** Options of {@link SmsOutbound}. */
export interface SmsOutboundOptions {
  client: SmsClient;
  store: SmsStore;
  consent: Pick<ConsentService, 'smsStatus'>;
  /** Keys the hashes that name numbers and conversations (never stored or logged in clear). */
  hashKey: Buffer;
  /** The URL Twilio posts delivery receipts to (`PUBLIC_BASE_URL/api/sms/status`). */
  statusCallback: () => string;
  now?: () => Date;
}

export class SmsOutbound {
  private readonly now: () => Date;

  constructor(private readonly options: SmsOutboundOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The conversation of a customer's number with ours: a keyed hash, as ids end up in logs. */
  conversationId(customer: string, ours: string): string {
    return `sms-${this.hash(`${customer}|${ours}`)}`;
  }

  /** The keyed hash of a number, to tell whether it ever texted us. */
  senderKey(phone: string): string {
    return this.hash(phone);
  }

  /** Sends one message; resolves with its `MessageSid`, or throws {@link SmsRefusedError}. */
  async send(message: OutgoingSms): Promise<string> {
    const [sid] = await this.sendSeries(message, [message.body]);
    return sid!;
  }

  /**
   * Sends a turn's messages in order, after one read of the ledger (they leave together, within
   * milliseconds), or none for a reply whose message's reading is fresh; throws
   * {@link SmsRefusedError} before the first when the number opted out.
   */
  async sendSeries(message: Omit<OutgoingSms, 'body'>, bodies: string[]): Promise<string[]> {
    const fresh =
      message.consentReadAt !== undefined && performance.now() - message.consentReadAt < consentReadingMs;
    if (
      !message.optOutConfirmation &&
      !fresh &&
      (await this.options.consent.smsStatus(message.to)) === 'opted_out'
    ) {
      throw new SmsRefusedError('the number opted out of SMS');
    }
    const sids: string[] = [];
    for (const body of bodies) sids.push(await this.sendOne(message, body));
    return sids;
  }

  private async sendOne(message: Omit<OutgoingSms, 'body'>, text: string): Promise<string> {
    let body = text;
    if (message.proactive && !(await this.options.store.hasTexted(this.senderKey(message.to)))) {
      const room = maxMessageLength - optOutWording.length - 1;
      body = `${body.length <= room ? body : `${body.slice(0, room - 1)}…`} ${optOutWording}`;
    }
    // A notification's key rides on its receipts' URL (which Twilio signs), for its outbox row.
    const statusCallback =
      this.options.statusCallback() + (message.key ? `?key=${encodeURIComponent(message.key)}` : '');
    let sent;
    try {
      sent = await this.options.client.send({ to: message.to, body, statusCallback });
    } catch (error) {
      if (error instanceof TwilioApiError && error.code === optedOutErrorCode) {
        throw new SmsRefusedError('the number opted out of SMS with its carrier (Twilio 21610)');
      }
      throw error;
    }
    // Receipts record every message; a notification's is also found by its key after a crash.
    if (message.key) {
      await this.options.store.recordSent({
        sid: sent.sid,
        key: message.key,
        status: knownStatus(sent.status),
        at: this.now(),
      });
    }
    return sent.sid;
  }

  /** Hashes of numbers and conversations seen lately: each message needs them several times. */
  private readonly hashes = new Map<string, string>();

  private hash(value: string): string {
    const known = this.hashes.get(value);
    if (known) return known;
    const hashed = createHmac('sha256', this.options.hashKey).update(value).digest('base64url').slice(0, 32);
    if (this.hashes.size >= 1000) this.hashes.delete(this.hashes.keys().next().value!);
    this.hashes.set(value, hashed);
    return hashed;
  }
}

function knownStatus(status: string) {
  return status === 'accepted' || status === 'sending' || status === 'sent' ? status : 'queued';
}

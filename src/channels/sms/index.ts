/**
 * The SMS channel on Twilio:
 *
 * - `POST /api/sms/inbound`: Twilio's messaging webhook (form-encoded). The `X-Twilio-Signature` is
 *   checked on every request against the public URL (`PUBLIC_BASE_URL` + path): missing → 400, wrong →
 *   403. A retried webhook (same `MessageSid`) is answered without acting again. The webhook answers at
 *   once with empty TwiML; the turn runs afterwards and its replies go out through the REST API, so a
 *   slow turn never meets Twilio's 15-second timeout.
 * - `POST /api/sms/status`: delivery receipts, signature-checked, recorded on the sent message and on
 *   the notification it carried, never moving a message back (`delivered` stays `delivered`).
 *
 * Both are rate limited per client address (429 before the body is read); messages also per sender
 * number, where Twilio still gets its empty TwiML and the bot simply does not run.
 *
 * Consent keywords (STOP, START, HELP…) are answered here, before the bot, and each change is written
 * to the consent ledger with the message that caused it. MMS media are fetched with the account's
 * credentials, checked and stored like a web upload, handed to the bot as attachments with signed links,
 * then deleted from Twilio; files no dialog waits for go to the customer's open claim (`claim-files.ts`).
 */
import { performance } from 'node:perf_hooks';
import type { Attachment, TurnContext } from 'botbuilder';
import type mongoose from 'mongoose';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { turnErrorHandler } from '../../bot/turn-error.js';
import type { ConsentMirror, ConsentService } from '../../domain/consent.js';
import type { ClaimService } from '../../domain/claims.js';
import type { CustomerService } from '../../domain/customers.js';
import type { UploadLinks } from '../../files/upload-links.js';
import {
  conversationQuota,
  FileRejectedError,
  maxFileBytes,
  type FileStore,
  type Usage,
} from '../../files/file-store.js';
import { readForm } from '../../http/body.js';
import { HttpError } from '../../http/errors.js';
import { clientAddress, createMongoLimiter, rateLimit, type Limit } from '../../http/rate-limit.js';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../../log.js';
import { groupCommit } from '../../db/group-commit.js';
import type { Models, SmsConsentState } from '../../db/models/index.js';
import { notificationIdOf, type ChannelSender } from '../../notifications/dispatcher.js';
import { SmsAdapter, type InboundSms } from './adapter.js';
import { SmsClaimFiles } from './claim-files.js';
import { helpReply, keywordOf, optInConfirmation, optOutConfirmation } from './consent-keywords.js';
import { SmsOutbound } from './outbound.js';
import { smsSender } from './sender.js';
import {
  deliveryStatuses,
  SmsStore,
  type ConversationState,
  type DeliveryStatus,
  type StatusReceipt,
} from './store.js';
import { isTwilioSignature, type SmsClient } from './twilio-client.js';

/** Anything that runs a turn. */
export interface Bot {
  run(context: TurnContext): Promise<void>;
}

/** Options of {@link createSmsChannel}. */
export interface SmsChannelOptions {
  connection: mongoose.Connection;
  bot: Bot;
  client: SmsClient;
  /** `TWILIO_AUTH_TOKEN` (or the stand-in's): what webhook signatures are checked with. */
  authToken: string;
  /** `PUBLIC_BASE_URL` (or the listening address): what Twilio called, so what it signed. */
  baseUrl: () => string;
  consent: Pick<ConsentService, 'record' | 'smsStatus' | 'smsReading' | 'addMirror'>;
  customers: Pick<CustomerService, 'findByPhone'>;
  files: Pick<FileStore, 'save' | 'usage' | 'signedUrl' | 'fileIdOf' | 'find'>;
  /** Where files texted outside any dialog are attached (the customer's open claim). */
  claims: Pick<ClaimService, 'listForCustomer' | 'addDocuments'>;
  /** Links to the upload page offered when a claim's photos carry no EXIF data. */
  uploadLinks: Pick<UploadLinks, 'url'>;
  /**
   * Whether files may be sent in the conversation (its customer has verified who they are), as on the
   * web. Unset: in none; media are refused (and still deleted from Twilio).
   */
  mayUpload?: (conversationId: string) => Promise<boolean>;
  /** What a conversation may keep (default {@link conversationQuota}). */
  quota?: Usage;
  /** The outbox, where delivery receipts of notifications are recorded; claims, to find watched photos. */
  models: Pick<Models, 'notifications' | 'claims'>;
  /** Keys the hashes that name SMS conversations. */
  hashKey: Buffer;
  /** Rate limits; each one unset keeps its {@link defaultSmsLimits} value. */
  limits?: Partial<SmsLimits>;
  logger: Logger;
  now?: () => Date;
}

/** Per-sender and per-address rate limits of the webhooks (counted in the database, across processes). */
export interface SmsLimits {
  /** Webhook requests (messages and receipts) from one address, before anything else is done. */
  requestsPerAddress: Limit;
  /** Messages one phone number may have the bot act on. */
  messagesPerNumber: Limit;
}

/**
 * Twilio posts from a pool of addresses shared by every message and receipt of the account, so the
 * per-address limit only stops one host flooding the endpoints with requests that must be read and
 * checked: 60,000 requests a minute is about 14,000 messages with their replies' receipts (about 3 a
 * message), as many messages as Direct Line allows one address, and below what one process answers.
 * A person texts a few messages a minute; 30 leaves room for a burst of photos.
 */
export const defaultSmsLimits: SmsLimits = {
  requestsPerAddress: { points: 60_000, durationSeconds: 60 },
  messagesPerNumber: { points: 30, durationSeconds: 60 },
};

/** The running channel. */
export interface SmsChannel {
  readonly adapter: SmsAdapter;
  /** The outbox sender for `sms` conversations and `route: 'sms'` rows. */
  readonly sender: ChannelSender;
  register(server: Server): void;
  /** Waits for the turns still running. */
  close(): Promise<void>;
}

/** Paths of the webhooks, as Twilio is configured with them. */
export const smsInboundPath = '/api/sms/inbound';
export const smsStatusPath = '/api/sms/status';

const maxFormBytes = 64 * 1024;
/** Twilio sends at most 10 media per message. */
const maxMedia = 10;
const emptyTwiml = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
/** Sized, so the answer is one plain body rather than a chunked one. */
const twimlHeaders = { 'content-type': 'text/xml', 'content-length': String(Buffer.byteLength(emptyTwiml)) };
const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/);
const sid = (prefix: string) => z.string().regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`));

const inboundSchema = z.object({
  MessageSid: z.union([sid('SM'), sid('MM')]),
  AccountSid: sid('AC'),
  From: e164,
  To: e164,
  Body: z.string().max(1600).default(''),
  NumMedia: z.coerce.number().int().min(0).max(maxMedia).default(0),
});

const statusSchema = z.object({
  MessageSid: z.union([sid('SM'), sid('MM')]),
  MessageStatus: z.enum(deliveryStatuses),
  ErrorCode: z.coerce.number().int().min(0).optional(),
});

const mediaNeedsVerificationText =
  'To send photos or documents, please first confirm who you are: reply "show my policies" to start.';
const mediaOverQuotaText = 'Sorry, this conversation cannot keep more files.';
const mediaRejectedText =
  'Sorry, I could not take that attachment: I accept photos (JPEG, PNG, WebP, HEIC) and PDF documents up to 10 MB.';

export async function createSmsChannel(options: SmsChannelOptions): Promise<SmsChannel> {
  const { logger } = options;
  const now = options.now ?? (() => new Date());
  const store = new SmsStore(options.connection);
  await store.ensureIndexes();
  const outbound = new SmsOutbound({
    client: options.client,
    store,
    consent: options.consent,
    hashKey: options.hashKey,
    statusCallback: () => options.baseUrl() + smsStatusPath,
    now,
  });
  const claimFiles = new SmsClaimFiles({
    claims: options.claims,
    models: options.models,
    files: options.files,
    store,
    uploadLinks: options.uploadLinks,
    now,
  });
  // The ledger's decisions are copied to the number's conversations, which each message reads anyway.
  const consentCopy: ConsentMirror = {
    copy: (phone, reading) => store.copyConsent(outbound.senderKey(phone), reading),
  };
  options.consent.addMirror(consentCopy);
  const adapter = new SmsAdapter({ outbound, store, claimFiles, now });
  adapter.onTurnError = turnErrorHandler(logger);
  const running = new Set<Promise<void>>();
  const limits = { ...defaultSmsLimits, ...options.limits };
  const mongo = options.connection.db;
  if (!mongo) throw new Error('database not connected');
  // Over the address limit: 429 with Retry-After, before the body is read or the signature checked.
  const limitAddress = rateLimit(
    await createMongoLimiter(mongo, 'sms_requestsPerAddress', limits.requestsPerAddress),
    clientAddress,
    'requests from this address',
  );
  // Keyed by the number's keyed hash: no phone number is written to the counters.
  const limitNumber = await createMongoLimiter(mongo, 'sms_messagesPerNumber', limits.messagesPerNumber);

  /** Reads and verifies a signed form post; throws 400/403 before anything acts on it. */
  async function signedForm(req: Request): Promise<Record<string, string>> {
    const signature = req.header('x-twilio-signature');
    if (!signature) throw new HttpError(400, 'missing_signature', 'X-Twilio-Signature is required');
    const type = req.header('content-type') ?? '';
    if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new HttpError(415, 'unsupported_media_type', 'the body must be form-encoded');
    }
    const params = await readForm(req, maxFormBytes);
    if (!isTwilioSignature(options.authToken, signature, options.baseUrl() + req.url, params)) {
      throw new HttpError(403, 'invalid_signature', 'the X-Twilio-Signature does not match');
    }
    return params;
  }

  async function inbound(req: Request, res: Response): Promise<void> {
    await limitAddress(req, res);
    const params = await signedForm(req);
    const message = inboundSchema.safeParse(params);
    if (!message.success) throw new HttpError(400, 'invalid_message', 'not a Twilio message webhook');
    const { MessageSid, From, To, Body, NumMedia } = message.data;
    // Answered before anything is read or written: whatever the turn costs, Twilio hears back at once.
    res.sendRaw(200, emptyTwiml, twimlHeaders);
    const media = Array.from({ length: NumMedia }, (_, index) => params[`MediaUrl${index}`]).filter(
      (url): url is string => typeof url === 'string',
    );
    track(
      accept({ messageSid: MessageSid, from: From, to: To, text: Body }, media).catch((error: unknown) =>
        logger.error({ err: error }, 'SMS turn failed'),
      ),
    );
  }

  /**
   * Acts on a message once: a retried webhook (same `MessageSid`) finds it recorded and stops. A number
   * over its limit has its message dropped unanswered (a reply would only feed a flood) and its media
   * deleted from Twilio unread; an opt-out or opt-in keyword is never dropped.
   */
  async function accept(message: Omit<InboundSms, 'attachments' | 'hint'>, media: string[]): Promise<void> {
    const sender = outbound.senderKey(message.from);
    const conversation = outbound.conversationId(message.from, message.to);
    const state = await store.receive(conversation, message.messageSid, sender, now());
    if (!state) return;
    // STOP and START are honoured whatever the number sent before: consent never waits for a limit.
    const consentKeyword = media.length === 0 ? keywordOf(message.text)?.kind : undefined;
    try {
      if (consentKeyword !== 'opt_out' && consentKeyword !== 'opt_in') await limitNumber.consume(sender);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      logger.warn({ conversation }, 'SMS number over its limit');
      await Promise.all(media.map((url) => deleteMedia(url)));
      return;
    }
    await handle(message, media, conversation, state);
  }

  async function handle(
    message: Omit<InboundSms, 'attachments' | 'hint'>,
    media: string[],
    conversation: string,
    state: ConversationState,
  ): Promise<void> {
    // Set once the ledger allowed texting the sender: the replies to this message stand on that reading.
    const reading: { at?: number } = {};
    const reply = (body: string, optOutConfirmationMessage = false) =>
      outbound.send({
        to: message.from,
        body,
        optOutConfirmation: optOutConfirmationMessage,
        ...(reading.at ? { consentReadAt: reading.at } : {}),
      });
    const keyword = media.length === 0 ? keywordOf(message.text) : undefined;
    const actor = { type: 'system' as const, id: 'sms', channel: 'sms' };
    if (keyword?.kind === 'opt_out') {
      const previous = await consentOf(message.from, state);
      await options.consent.record(
        {
          phone: message.from,
          action: 'opt_out',
          source: `keyword:${keyword.word}`,
          messageSid: message.messageSid,
        },
        actor,
      );
      // One confirmation per opt-out, not one per repeated STOP.
      if (previous !== 'opted_out') await reply(optOutConfirmation, true);
      return;
    }
    if (keyword?.kind === 'opt_in') {
      await options.consent.record(
        {
          phone: message.from,
          action: 'opt_in',
          source: `keyword:${keyword.word}`,
          messageSid: message.messageSid,
        },
        actor,
      );
      await reply(optInConfirmation);
      return;
    }
    // An opted-out number gets nothing until it opts back in: the bot does not even run.
    if ((await consentOf(message.from, state)) === 'opted_out') return;
    reading.at = performance.now();
    if (keyword?.kind === 'help') {
      await reply(helpReply);
      return;
    }
    const attachments: Attachment[] = [];
    let rejected = false;
    // Files are kept only for customers who verified in this conversation, within its quota.
    const refusal =
      media.length === 0
        ? undefined
        : !(await (options.mayUpload ?? (() => Promise.resolve(false)))(conversation))
          ? mediaNeedsVerificationText
          : (await overQuota(conversation, media.length))
            ? mediaOverQuotaText
            : undefined;
    if (refusal) {
      await Promise.all(media.map((url) => deleteMedia(url)));
      await reply(refusal);
      if (!message.text.trim()) return;
    }
    for (const [index, url] of refusal ? [] : media.entries()) {
      const stored = await storeMedia(url, index, conversation).catch((error: unknown) => {
        if (!(error instanceof FileRejectedError)) logger.warn({ err: error }, 'MMS media not stored');
        return undefined;
      });
      if (stored) attachments.push(stored);
      else rejected = true;
    }
    if (rejected) await reply(mediaRejectedText).catch(() => undefined);
    if (media.length > 0 && attachments.length === 0 && !message.text.trim()) return;
    await adapter.processInbound(
      {
        ...message,
        attachments,
        hint: {
          phone: message.from,
          onFile: async () => (await options.customers.findByPhone(message.from)) !== null,
        },
        consentReadAt: reading.at,
      },
      (context) => options.bot.run(context),
      state,
    );
  }

  /**
   * The number's consent: the conversation's copy of the ledger, or for a conversation without one the
   * ledger itself, copied as the consent service copies a decision (unless a newer one got there first).
   */
  async function consentOf(phone: string, state: ConversationState): Promise<SmsConsentState> {
    if (state.consent) return state.consent.state;
    const reading = await options.consent.smsReading(phone);
    await consentCopy.copy(phone, reading);
    return reading.state;
  }

  /** Whether `files` more would take the conversation past its quota. */
  async function overQuota(conversation: string, files: number): Promise<boolean> {
    const quota = options.quota ?? conversationQuota;
    const used = await options.files.usage(conversation);
    return used.files + files > quota.files || used.bytes >= quota.bytes;
  }

  async function deleteMedia(url: string): Promise<void> {
    await options.client.deleteMedia(url).catch((error: unknown) => {
      logger.warn({ err: error }, 'MMS media not deleted from Twilio');
    });
  }

  /** Fetches, checks and stores one media file, then deletes it from Twilio (kept or not). */
  async function storeMedia(url: string, index: number, conversationId: string): Promise<Attachment> {
    try {
      const media = await options.client.fetchMedia(url, maxFileBytes);
      const stored = await options.files.save({
        name: `photo-${index + 1}${extensionOf(media.contentType)}`,
        data: media.data,
        declaredType: media.contentType,
        conversationId,
      });
      return {
        contentType: stored.contentType,
        contentUrl: options.files.signedUrl(stored.id),
        name: stored.name,
      };
    } finally {
      await deleteMedia(url);
    }
  }

  /**
   * Receipts are written in groups (one call for those that arrive together) and answered once
   * written; a notification's message carries its delivery key in the signed callback URL, so its
   * outbox row is updated in the same group.
   */
  const applyReceipt = groupCommit(async (receipts: (StatusReceipt & { key?: string })[]) => {
    const applied = await store.applyStatuses(receipts);
    const outcomes = receipts
      .filter((receipt, index) => applied[index] && receipt.key !== undefined)
      .map((receipt) => notificationOutcome(receipt.key!, receipt.status, receipt.errorCode))
      .filter((outcome) => outcome !== undefined);
    if (outcomes.length > 0) await options.models.notifications.bulkWrite(outcomes, { ordered: false });
    return applied;
  });

  async function status(req: Request, res: Response): Promise<void> {
    await limitAddress(req, res);
    const parsed = statusSchema.safeParse(await signedForm(req));
    if (!parsed.success) throw new HttpError(400, 'invalid_status', 'not a Twilio status callback');
    const { MessageSid, MessageStatus, ErrorCode } = parsed.data;
    const key = new URLSearchParams(req.getQuery()).get('key') ?? undefined;
    await applyReceipt({ sid: MessageSid, status: MessageStatus, errorCode: ErrorCode, at: now(), key });
    res.sendRaw(200, emptyTwiml, twimlHeaders);
  }

  function track(task: Promise<void>): void {
    running.add(task);
    void task.finally(() => running.delete(task));
  }

  return {
    adapter,
    sender: smsSender(outbound, store),
    register(server) {
      server.post(smsInboundPath, inbound);
      server.post(smsStatusPath, status);
    },
    async close() {
      await Promise.all([...running]);
    },
  };
}

/**
 * The receipt of a notification's message, as a write on its outbox row: an undelivered or failed
 * message marks the row failed with Twilio's error code, where officers see it; nothing resends it.
 */
function notificationOutcome(key: string, state: DeliveryStatus, errorCode: number | undefined) {
  const id = notificationIdOf(key);
  if (!id) return undefined;
  const failed = state === 'undelivered' || state === 'failed';
  const lastError = `SMS ${state}${errorCode !== undefined ? ` (Twilio error ${errorCode})` : ''}`;
  return {
    updateOne: {
      filter: { _id: id },
      update: { $set: { deliveryStatus: state, ...(failed ? { status: 'failed', lastError } : {}) } },
    },
  };
}

function extensionOf(contentType: string): string {
  const known: Record<string, string> = {
    'image/jpeg': '.jpg',
    'image/png': '.png',
    'image/webp': '.webp',
    'image/heic': '.heic',
    'application/pdf': '.pdf',
  };
  return known[contentType] ?? '';
}

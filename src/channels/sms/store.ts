/**
 * What the SMS channel keeps: per conversation, the messages it acted on lately (by `MessageSid`, so a
 * retried webhook is answered without running the bot twice), the choices last offered (so "1" means
 * the first) and the rest of a long reply (sent on "MORE"); and the messages it sent (by `MessageSid`:
 * the latest delivery status, and a notification's delivery key).
 */
import { MongoBulkWriteError, type Collection } from 'mongodb';
import { Schema, type Connection, type Model } from 'mongoose';
import type { ConsentReading } from '../../domain/consent.js';
import { smsConsentStates } from '../../db/models/index.js';
import { pendingFilesSchema, photoWatchSchema, type PendingFiles, type PhotoWatch } from './claim-files.js';

/** Twilio's message statuses in the order a message moves through them; a later one never goes back. */
export const deliveryStatuses = [
  'accepted',
  'queued',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/** Statuses after which nothing changes any more. */
export const finalStatuses: readonly DeliveryStatus[] = ['delivered', 'undelivered', 'failed'];

/** Statuses a callback reporting `status` may replace. */
export function statusesBefore(status: DeliveryStatus): DeliveryStatus[] {
  if (finalStatuses.includes(status)) return deliveryStatuses.filter((s) => !finalStatuses.includes(s));
  return deliveryStatuses.slice(0, deliveryStatuses.indexOf(status));
}

/** A delivery receipt, as a status callback reports it. */
export interface StatusReceipt {
  sid: string;
  status: DeliveryStatus;
  errorCode: number | undefined;
  at: Date;
}

interface OutboundDoc {
  _id: string;
  /** A notification's delivery key, so a send repeated after a crash is found rather than repeated. */
  key?: string;
  status: DeliveryStatus;
  errorCode?: number;
  updatedAt: Date;
}

/** One offered choice: what the customer sees and what the reply means. */
export interface Choice {
  title: string;
  value: string;
}

interface ConversationDoc {
  _id: string;
  /** Keyed hash of the customer's number: tells whether a number ever texted us, without storing it. */
  sender?: string;
  /** `MessageSid`s of the latest messages acted on, so a retried webhook is answered without acting. */
  recent?: string[];
  choices: Choice[];
  /** Messages of the last reply not sent yet. */
  more: string[];
  /** Files texted while the customer picks the claim they are for. */
  pending?: unknown;
  /** Photos handed to a dialog, until a claim holds them. */
  watch?: unknown;
  /** The consent ledger's current state for the number, kept in step by the consent service. */
  consent?: ConsentReading;
  updatedAt: Date;
}

const outboundSchema = new Schema<OutboundDoc>(
  {
    _id: { type: String, required: true },
    key: { type: String },
    status: { type: String, enum: deliveryStatuses, required: true },
    errorCode: { type: Number },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'smsoutbound', versionKey: false },
);
outboundSchema.index({ key: 1 }, { unique: true, sparse: true });

const conversationSchema = new Schema<ConversationDoc>(
  {
    _id: { type: String, required: true },
    sender: { type: String },
    recent: { type: [String], default: undefined },
    choices: { type: [{ title: String, value: String, _id: false }], default: [] },
    more: { type: [String], default: [] },
    pending: { type: Schema.Types.Mixed },
    watch: { type: Schema.Types.Mixed },
    consent: { type: { state: { type: String, enum: smsConsentStates }, at: Date, _id: false } },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'smsconversations', versionKey: false },
);
conversationSchema.index({ sender: 1 });

/** How many `MessageSid`s a conversation remembers: Twilio retries a webhook within minutes. */
const recentMessages = 100;

/** What a conversation holds when a message arrives. */
export interface ConversationState {
  choices: Choice[];
  more: string[];
  pending?: PendingFiles;
  watch?: PhotoWatch;
  /** The number's consent as the ledger last had it, when this conversation holds a copy. */
  consent?: ConsentReading;
}

/** The SMS channel's collections. */
export class SmsStore {
  private readonly outbound: Model<OutboundDoc>;
  private readonly conversations: Model<ConversationDoc>;
  /** The same collections through the driver, for the calls every message makes. */
  private readonly raw: {
    outbound: Collection<OutboundDoc>;
    conversations: Collection<ConversationDoc>;
  };

  constructor(connection: Connection) {
    const db = connection.db;
    if (!db) throw new Error('database not connected');
    this.raw = {
      outbound: db.collection<OutboundDoc>('smsoutbound'),
      conversations: db.collection<ConversationDoc>('smsconversations'),
    };
    this.outbound = connection.model<OutboundDoc>('SmsOutbound', outboundSchema);
    this.conversations = connection.model<ConversationDoc>('SmsConversation', conversationSchema);
  }

  async ensureIndexes(): Promise<void> {
    await Promise.all([this.outbound.init(), this.conversations.init()]);
  }

  /**
   * Records an inbound message on its conversation and returns what the conversation held, in one
   * call; null when the message was recorded before (a retried webhook).
   */
  async receive(id: string, messageSid: string, sender: string, at: Date): Promise<ConversationState | null> {
    try {
      // A conversation that already holds the sid is not matched, and the insert that follows meets
      // its _id (duplicate key): the message was acted on.
      const before = await this.raw.conversations.findOneAndUpdate(
        { _id: id, recent: { $ne: messageSid } },
        {
          $push: { recent: { $each: [messageSid], $slice: -recentMessages } },
          $set: { sender, updatedAt: at },
          $setOnInsert: { choices: [], more: [] },
        },
        { upsert: true, returnDocument: 'before', projection: { recent: 0 } },
      );
      return stateOf(before);
    } catch (error) {
      if ((error as { code?: unknown }).code === 11000) return null;
      throw error;
    }
  }

  /**
   * Copies a consent decision (or the ledger's reading, for conversations without a copy) to every
   * conversation of the number (its keyed hash).
   */
  async copyConsent(sender: string, reading: ConsentReading): Promise<void> {
    await this.raw.conversations.updateMany(
      // A copy takes a decision only if it is at least as new as the one it holds.
      { sender, $or: [{ consent: { $exists: false } }, { 'consent.at': { $lte: reading.at } }] },
      { $set: { consent: reading } },
    );
  }

  /** True when this number (its keyed hash) has ever texted us. */
  async hasTexted(sender: string): Promise<boolean> {
    return (await this.conversations.exists({ sender })) !== null;
  }

  /** Records a notification's message by its delivery key, so a dispatcher taking over finds it. */
  async recordSent(input: { sid: string; key: string; status: DeliveryStatus; at: Date }): Promise<void> {
    await this.raw.outbound.updateOne(
      { _id: input.sid },
      // A status callback may have overtaken the send: its status stays.
      { $set: { key: input.key }, $setOnInsert: { status: input.status, updatedAt: input.at } },
      { upsert: true },
    );
  }

  async findSentByKey(key: string): Promise<string | undefined> {
    return (await this.outbound.findOne({ key }).select({ _id: 1 }).lean())?._id;
  }

  /**
   * Applies status callbacks in one write, each unless its message already moved past that status
   * (callbacks arrive out of order and repeated); a message not recorded yet is recorded with it.
   * Returns, per callback, whether it was applied (false: stale news).
   */
  async applyStatuses(receipts: StatusReceipt[]): Promise<boolean[]> {
    const applied = receipts.map(() => true);
    try {
      // Each is an upsert on the message and the statuses it may replace: a message already past that
      // status is not matched, and the insert that follows meets its _id (duplicate key), so stays.
      await this.raw.outbound.bulkWrite(
        receipts.map(({ sid, status, errorCode, at }) => ({
          updateOne: {
            filter: { _id: sid, status: { $in: statusesBefore(status) } },
            update: { $set: { status, updatedAt: at, ...(errorCode !== undefined ? { errorCode } : {}) } },
            upsert: true,
          },
        })),
        { ordered: false },
      );
    } catch (error) {
      const failures = (error as { writeErrors?: unknown }).writeErrors;
      if (!(error instanceof MongoBulkWriteError) || !Array.isArray(failures)) throw error;
      for (const failure of failures as { index: number; code: number }[]) {
        if (failure.code !== 11000) throw error;
        applied[failure.index] = false;
      }
    }
    return applied;
  }

  async saveWatch(id: string, watch: PhotoWatch | undefined): Promise<void> {
    await this.conversations.updateOne(
      { _id: id },
      watch
        ? { $set: { watch, updatedAt: new Date() }, $setOnInsert: { choices: [], more: [] } }
        : { $unset: { watch: 1 } },
      { upsert: watch !== undefined },
    );
  }

  async savePending(id: string, pending: PendingFiles): Promise<void> {
    await this.conversations.updateOne(
      { _id: id },
      { $set: { pending, updatedAt: new Date() }, $setOnInsert: { choices: [], more: [] } },
      { upsert: true },
    );
  }

  async clearPending(id: string): Promise<void> {
    await this.conversations.updateOne({ _id: id }, { $unset: { pending: 1 } });
  }

  async saveConversation(id: string, data: { choices?: Choice[]; more: string[] }, at: Date): Promise<void> {
    await this.raw.conversations.updateOne(
      { _id: id },
      { $set: { ...(data.choices ? { choices: data.choices } : {}), more: data.more, updatedAt: at } },
      { upsert: true },
    );
  }
}

function stateOf(row: ConversationDoc | null): ConversationState {
  const pending = row?.pending === undefined ? undefined : pendingFilesSchema.safeParse(row.pending);
  const watch = row?.watch === undefined ? undefined : photoWatchSchema.safeParse(row.watch);
  const consent = row?.consent;
  return {
    choices: row?.choices ?? [],
    more: row?.more ?? [],
    ...(pending?.success ? { pending: pending.data } : {}),
    ...(watch?.success ? { watch: watch.data } : {}),
    ...(consent && smsConsentStates.includes(consent.state) && consent.at instanceof Date ? { consent } : {}),
  };
}

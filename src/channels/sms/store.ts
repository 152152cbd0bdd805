/**
 * What the SMS channel keeps: the inbound messages it has acted on (by `MessageSid`, so a retried
 * webhook is answered without running the bot twice), the messages it sent (by `MessageSid`: the latest
 * delivery status, and a notification's delivery key), and per conversation the choices
 * last offered (so "1" means the first) and the rest of a long reply (sent on "MORE").
 */
import { MongoBulkWriteError, type Collection } from 'mongodb';
import { Schema, type Connection, type Model } from 'mongoose';
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

interface InboundDoc {
  _id: string;
  /** Keyed hash of the sender's number: tells whether a number ever texted us, without storing it. */
  sender: string;
  at: Date;
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
  choices: Choice[];
  /** Messages of the last reply not sent yet. */
  more: string[];
  /** Files texted while the customer picks the claim they are for. */
  pending?: unknown;
  /** Photos handed to a dialog, until a claim holds them. */
  watch?: unknown;
  updatedAt: Date;
}

const inboundSchema = new Schema<InboundDoc>(
  {
    _id: { type: String, required: true },
    sender: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'smsinbound', versionKey: false },
);
inboundSchema.index({ sender: 1 });

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
    choices: { type: [{ title: String, value: String, _id: false }], default: [] },
    more: { type: [String], default: [] },
    pending: { type: Schema.Types.Mixed },
    watch: { type: Schema.Types.Mixed },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'smsconversations', versionKey: false },
);

/** The SMS channel's collections. */
export class SmsStore {
  private readonly inbound: Model<InboundDoc>;
  private readonly outbound: Model<OutboundDoc>;
  private readonly conversations: Model<ConversationDoc>;
  /** The same collections through the driver, for the calls every message makes. */
  private readonly raw: { inbound: Collection<InboundDoc>; outbound: Collection<OutboundDoc> };

  constructor(connection: Connection) {
    const db = connection.db;
    if (!db) throw new Error('database not connected');
    this.raw = {
      inbound: db.collection<InboundDoc>('smsinbound'),
      outbound: db.collection<OutboundDoc>('smsoutbound'),
    };
    this.inbound = connection.model<InboundDoc>('SmsInbound', inboundSchema);
    this.outbound = connection.model<OutboundDoc>('SmsOutbound', outboundSchema);
    this.conversations = connection.model<ConversationDoc>('SmsConversation', conversationSchema);
  }

  async ensureIndexes(): Promise<void> {
    await Promise.all([this.inbound.init(), this.outbound.init(), this.conversations.init()]);
  }

  /** Records an inbound message; false when it was recorded before (a retried webhook). */
  async firstDelivery(messageSid: string, sender: string, at: Date): Promise<boolean> {
    try {
      // The driver's insert: every inbound message passes here, and a mongoose document adds nothing.
      await this.raw.inbound.insertOne({ _id: messageSid, sender, at });
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === 11000) return false;
      throw error;
    }
  }

  /** True when this number (its keyed hash) has ever texted us. */
  async hasTexted(sender: string): Promise<boolean> {
    return (await this.inbound.exists({ sender })) !== null;
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

  async conversation(
    id: string,
  ): Promise<{ choices: Choice[]; more: string[]; pending?: PendingFiles; watch?: PhotoWatch }> {
    const row = await this.conversations.findById(id).lean();
    const pending = row?.pending === undefined ? undefined : pendingFilesSchema.safeParse(row.pending);
    const watch = row?.watch === undefined ? undefined : photoWatchSchema.safeParse(row.watch);
    return {
      choices: row?.choices ?? [],
      more: row?.more ?? [],
      ...(pending?.success ? { pending: pending.data } : {}),
      ...(watch?.success ? { watch: watch.data } : {}),
    };
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
    await this.conversations.updateOne(
      { _id: id },
      { $set: { ...(data.choices ? { choices: data.choices } : {}), more: data.more, updatedAt: at } },
      { upsert: true },
    );
  }
}

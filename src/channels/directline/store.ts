/**
 * Direct Line conversations and their activity history in MongoDB. Each stored activity gets the next
 * number of its conversation's sequence; that number is the watermark, so history and watermarks survive
 * a restart. A client-chosen activity id is kept under a unique index, so a retried POST finds the
 * activity it already created instead of running the bot twice; a delivery key the bot chooses (a
 * notification's) does the same for a proactive message sent again after a dispatcher died.
 *
 * The history is a copy of what customers typed, so it keeps less than they typed: an answer to a bot
 * message that asks for personal input (a date of birth, a policy number) is stored with its text
 * replaced by {@link redactedText}, and only the turn in memory sees the real text. Activities expire
 * after the retention period (a TTL index).
 */
import { randomBytes } from 'node:crypto';
import type { Activity } from 'botbuilder';
import type { ChangeStreamInsertDocument } from 'mongodb';
import mongoose, { Schema } from 'mongoose';
import { isDuplicateKeyError } from '../../domain/mapping.js';

/** What the history holds instead of an answer to a prompt for personal input. */
export const redactedText = '•••• (hidden)';

/** A stored conversation. */
export interface ConversationRecord {
  id: string;
  /** The user the conversation's tokens speak for. */
  userId: string;
  /** The bot's latest message asked for personal input: the customer's next message is its answer. */
  awaitingSensitiveInput: boolean;
}

/** The outcome of {@link ConversationStore.append}. */
export interface AppendResult {
  activity: Partial<Activity>;
  /** True when the client key was seen before: `activity` is the one stored the first time. */
  duplicate: boolean;
}

/** The outcome of {@link ConversationStore.appendFromCustomer}. */
export interface CustomerAppendResult extends AppendResult {
  /** What the bot gets: the activity with its real text, which `activity` may hold redacted. */
  forBot: Partial<Activity>;
}

interface ConversationDoc {
  _id: string;
  userId: string;
  createdAt: Date;
  awaitingSensitiveInput?: boolean;
}

/** Who chose an activity's idempotency key: the client (its activity id) or the bot (a delivery key). */
export interface ActivityKey {
  by: 'client' | 'bot';
  id: string;
}

interface ActivityDoc {
  conversationId: string;
  seq: number;
  /** `c:<client id>` or `b:<delivery key>` for activities with a chosen key, `s:<seq>` otherwise. */
  key: string;
  /** The process that stored it, so each process's feed skips its own activities. */
  origin: string;
  /** The activity as JSON: card payloads carry keys like `$schema` that MongoDB field names cannot. */
  payload: string;
  createdAt: Date;
}

const conversationSchema = new Schema<ConversationDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    createdAt: Date,
    awaitingSensitiveInput: Boolean,
  },
  { collection: 'directline_conversations', versionKey: false },
);

const activitySchema = new Schema<ActivityDoc>(
  {
    conversationId: { type: String, required: true },
    seq: { type: Number, required: true },
    key: { type: String, required: true },
    origin: { type: String, required: true },
    payload: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'directline_activities', versionKey: false },
);
activitySchema.index({ conversationId: 1, seq: 1 }, { unique: true });
activitySchema.index({ conversationId: 1, key: 1 }, { unique: true });

/** Identifies this process's writes (see `ActivityDoc.origin`). */
const processOrigin = randomBytes(8).toString('hex');

function storedKey(key: ActivityKey): string {
  return `${key.by === 'client' ? 'c' : 'b'}:${key.id}`;
}

/** How many conversations are kept in memory; the least recently used ones are read back when needed. */
const cachedConversations = 10_000;
const maxSequenceRetries = 5;
const ttlIndexName = 'createdAt_retention';
const dayMs = 24 * 60 * 60 * 1000;
/** MongoDB's error code when an index exists under the same name with other options (another retention). */
const indexOptionsConflict = 85;

/** Options of {@link ConversationStore}. */
export interface ConversationStoreOptions {
  /** How long activities are kept, in days (`TRANSCRIPT_RETENTION_DAYS`, default 30). */
  retentionDays?: number;
}

/** Conversations and their numbered activity history (see the module comment). */
export class ConversationStore {
  private readonly conversations: mongoose.Model<ConversationDoc>;
  private readonly activities: mongoose.Model<ActivityDoc>;
  private readonly lastSeq = new Map<string, number>();
  /**
   * Conversations change only through this store (and are served by one process, see the README), so
   * every request after the first is answered from memory.
   */
  private readonly known = new Map<string, ConversationRecord>();
  /** Appends per conversation run one after another so watermarks are handed out in storage order. */
  private readonly queues = new Map<string, Promise<unknown>>();

  /**
   * @param onAppend called, in watermark order, for each newly stored activity with its JSON (before
   *   `append` resolves), so live streams see activities in the order a watermark query returns them.
   */
  private readonly retentionSeconds: number;

  constructor(
    connection: mongoose.Connection,
    private readonly onAppend: (conversationId: string, json: string, seq: number) => void,
    options: ConversationStoreOptions = {},
  ) {
    this.retentionSeconds = Math.round(((options.retentionDays ?? 30) * dayMs) / 1000);
    // Compiling the same schema again on a connection returns the model already there.
    this.conversations = connection.model<ConversationDoc>('DirectLineConversation', conversationSchema);
    this.activities = connection.model<ActivityDoc>('DirectLineActivity', activitySchema);
  }

  async init(): Promise<void> {
    await this.activities.createIndexes();
    const ttl = { name: ttlIndexName, expireAfterSeconds: this.retentionSeconds };
    try {
      await this.activities.collection.createIndex({ createdAt: 1 }, ttl);
    } catch (error) {
      // The retention was changed since the index was built: build it again with the new one.
      if ((error as { code?: unknown }).code !== indexOptionsConflict) throw error;
      await this.activities.collection.dropIndex(ttlIndexName);
      await this.activities.collection.createIndex({ createdAt: 1 }, ttl);
    }
  }

  /** Creates the conversation; false when it already existed. */
  async create(id: string, userId: string): Promise<boolean> {
    try {
      await this.conversations.create({ _id: id, userId, createdAt: new Date() });
      remember(this.known, id, { id, userId, awaitingSensitiveInput: false });
      remember(this.lastSeq, id, 0);
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async find(id: string): Promise<ConversationRecord | undefined> {
    const cached = this.known.get(id);
    if (cached) return cached;
    const doc = await this.conversations.findById(id).lean();
    if (!doc) return undefined;
    const record = {
      id: doc._id,
      userId: doc.userId,
      awaitingSensitiveInput: doc.awaitingSensitiveInput ?? false,
    };
    remember(this.known, id, record);
    return record;
  }

  /**
   * Stores the activity `build` returns for the next watermark. With `key`, a second call with the same
   * key stores nothing and returns the first activity with `duplicate: true`.
   */
  append(
    conversationId: string,
    build: (seq: number) => Partial<Activity>,
    key?: ActivityKey,
  ): Promise<AppendResult> {
    return this.enqueue(conversationId, () => this.appendNow(conversationId, build, key));
  }

  /**
   * Stores a bot activity like {@link append}. A message also records whether it asks for personal
   * input, before it is stored and so before the customer can see it and answer.
   */
  appendFromBot(
    conversationId: string,
    build: (seq: number) => Partial<Activity>,
    asksForSensitiveInput: boolean,
  ): Promise<AppendResult> {
    return this.enqueue(conversationId, async () => {
      await this.setAwaitingSensitiveInput(conversationId, asksForSensitiveInput);
      return this.appendNow(conversationId, build, undefined);
    });
  }

  /**
   * Stores a customer activity like {@link append}; a message answering a prompt for personal input is
   * stored with its text replaced by {@link redactedText}, and `forBot` keeps the real one.
   */
  appendFromCustomer(
    conversationId: string,
    build: (seq: number) => Partial<Activity>,
    key?: ActivityKey,
  ): Promise<CustomerAppendResult> {
    return this.enqueue(conversationId, async () => {
      const conversation = await this.find(conversationId);
      let real: Partial<Activity> | undefined;
      const result = await this.appendNow(
        conversationId,
        (seq) => {
          real = build(seq);
          const hide = conversation?.awaitingSensitiveInput && real.type === 'message' && real.text;
          return hide ? { ...real, text: redactedText } : real;
        },
        key,
      );
      return { ...result, forBot: result.duplicate || !real ? result.activity : real };
    });
  }

  private enqueue<T>(conversationId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(conversationId) ?? Promise.resolve();
    const run = previous.then(task);
    const tail = run.catch(() => undefined);
    this.queues.set(conversationId, tail);
    void tail.then(() => {
      if (this.queues.get(conversationId) === tail) this.queues.delete(conversationId);
    });
    return run;
  }

  /** Up to `limit` activities after `watermark`, oldest first, and the watermark to ask from next. */
  async since(
    conversationId: string,
    watermark: number,
    limit = 100,
  ): Promise<{ activities: Partial<Activity>[]; watermark: number }> {
    const page = await this.sinceAsJson(conversationId, watermark, limit);
    return {
      activities: page.payloads.map((payload) => JSON.parse(payload) as Partial<Activity>),
      watermark: page.watermark,
    };
  }

  /** The same page as `since`, each activity as the JSON it was stored as (for streams to splice in). */
  async sinceAsJson(
    conversationId: string,
    watermark: number,
    limit = 100,
  ): Promise<{ payloads: string[]; watermark: number }> {
    const docs = await this.activities
      .find({ conversationId, seq: { $gt: watermark } }, { payload: 1, seq: 1 })
      .sort({ seq: 1 })
      .limit(limit)
      .lean();
    return { payloads: docs.map((doc) => doc.payload), watermark: docs.at(-1)?.seq ?? watermark };
  }

  /** The id of the activity stored under `key`, if there is one. */
  async findByKey(conversationId: string, key: ActivityKey): Promise<string | undefined> {
    const doc = await this.activities.findOne({ conversationId, key: storedKey(key) }, { payload: 1 }).lean();
    return doc ? ((JSON.parse(doc.payload) as Partial<Activity>).id ?? '') : undefined;
  }

  /**
   * Activities other processes stored in these conversations since `since`, oldest first, as JSON with
   * their watermark: what this process's open streams have not been handed.
   */
  async storedElsewhere(
    conversationIds: string[],
    since: Date,
  ): Promise<{ conversationId: string; seq: number; payload: string; createdAt: Date }[]> {
    return this.activities
      .find(
        {
          createdAt: { $gte: since },
          conversationId: { $in: conversationIds },
          origin: { $ne: processOrigin },
        },
        { conversationId: 1, seq: 1, payload: 1, createdAt: 1 },
      )
      .sort({ createdAt: 1, seq: 1 })
      .lean();
  }

  /**
   * Follows what other processes store through a change stream; `unavailable` is called (and nothing
   * more happens) when the database has none, as a standalone server or the embedded one.
   */
  watchElsewhere(
    listener: (doc: { conversationId: string; seq: number; payload: string }) => void,
    unavailable: () => void,
  ): { close(): Promise<void> } {
    const stream = this.activities.collection.watch<ActivityDoc, ChangeStreamInsertDocument<ActivityDoc>>([
      { $match: { operationType: 'insert', 'fullDocument.origin': { $ne: processOrigin } } },
    ]);
    let failed = false;
    stream.on('change', (change) => listener(change.fullDocument));
    stream.on('error', () => {
      if (failed) return;
      failed = true;
      void stream.close().catch(() => undefined);
      unavailable();
    });
    return { close: () => stream.close() };
  }

  /** The conversation's current watermark (0 when nothing was stored). */
  async latest(conversationId: string): Promise<number> {
    const cached = this.lastSeq.get(conversationId);
    if (cached !== undefined) return cached;
    const [last] = await this.activities
      .find({ conversationId }, { seq: 1 })
      .sort({ seq: -1 })
      .limit(1)
      .lean();
    return last?.seq ?? 0;
  }

  private async setAwaitingSensitiveInput(conversationId: string, value: boolean): Promise<void> {
    const conversation = await this.find(conversationId);
    if (!conversation || conversation.awaitingSensitiveInput === value) return;
    await this.conversations.updateOne({ _id: conversationId }, { $set: { awaitingSensitiveInput: value } });
    remember(this.known, conversationId, { ...conversation, awaitingSensitiveInput: value });
  }

  private async appendNow(
    conversationId: string,
    build: (seq: number) => Partial<Activity>,
    key: ActivityKey | undefined,
  ): Promise<AppendResult> {
    for (let attempt = 0; ; attempt++) {
      const seq = (await this.latest(conversationId)) + 1;
      const activity = build(seq);
      const payload = JSON.stringify(activity);
      try {
        // The driver directly: this is the hot path of every message, and the fields are built right here.
        await this.activities.collection.insertOne({
          conversationId,
          seq,
          key: key === undefined ? `s:${seq}` : storedKey(key),
          origin: processOrigin,
          payload,
          createdAt: new Date(),
        });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        if (key !== undefined) {
          const first = await this.activities.findOne({ conversationId, key: storedKey(key) }).lean();
          if (first) {
            return {
              activity: JSON.parse(first.payload) as Partial<Activity>,
              duplicate: true,
            };
          }
        }
        // Another process took this watermark: read the sequence back and try the next one.
        this.lastSeq.delete(conversationId);
        if (attempt >= maxSequenceRetries) throw error;
        continue;
      }
      remember(this.lastSeq, conversationId, seq);
      this.onAppend(conversationId, payload, seq);
      return { activity, duplicate: false };
    }
  }
}

/** Sets `key` as the most recently used entry, dropping the least recently used beyond the cap. */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > cachedConversations) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
}

/** The id the real service gives the `seq`-th activity of a conversation. */
export function activityId(conversationId: string, seq: number): string {
  return `${conversationId}|${String(seq).padStart(7, '0')}`;
}

/** The id of an activity that is never stored (typing, conversationUpdate), so it has no watermark. */
export function unstoredActivityId(conversationId: string, kind: 'typing' | 'update'): string {
  return `${conversationId}|${kind}-${randomBytes(8).toString('hex')}`;
}

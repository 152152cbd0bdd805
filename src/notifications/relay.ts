/**
 * The event relay: drains the pending events that lifecycle moves record on their documents into the
 * audit log and the outbox. Each event's id keys its audit entry and its outbox row, so a drain that is
 * repeated (after a crash between the two writes, or by two processes at once) writes nothing twice;
 * only then is the event removed from its document. Services drain the document they changed right away;
 * a periodic sweep catches what a crash left behind.
 */
import type { Collection } from 'mongodb';
import type { Types } from 'mongoose';
import type { Models } from '../db/models/index.js';
import type { EventDrain, Notice, PendingEvent } from '../domain/lifecycle.js';
import { isDuplicateKeyError } from '../domain/mapping.js';

/** Options of {@link EventRelay}. */
export interface EventRelayOptions {
  models: Pick<
    Models,
    'auditEvents' | 'notifications' | 'claims' | 'benefitRequests' | 'payments' | 'supportRequests'
  >;
  now?: () => Date;
  /** Events younger than this are left to the service that recorded them; default 5 s. */
  sweepGraceMs?: number;
  /**
   * Further outbox rows an event causes besides its own notice (the officers' Slack card of a claim),
   * each keyed by the event and its template so a repeated drain adds nothing.
   */
  consequences?: (collection: string, row: PendingRow, event: PendingEvent) => Notice[];
}

/** The idempotency key of the outbox row an event causes. */
export function eventNotificationKey(eventId: string): string {
  return `event:${eventId}`;
}

/** What the relay reads of a document with pending events. */
export interface PendingRow {
  _id: Types.ObjectId;
  /** The customer the document is about, when it has one. */
  customer?: Types.ObjectId;
  pendingEvents?: PendingEvent[];
}

export class EventRelay implements EventDrain {
  private readonly collections: Map<string, Collection<PendingRow>>;
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => Date;

  constructor(private readonly options: EventRelayOptions) {
    const { claims, benefitRequests, payments, supportRequests } = options.models;
    // Every collection whose documents carry `pendingEvents`; a new lifecycle adds its collection here.
    this.collections = new Map(
      [claims.collection, benefitRequests.collection, payments.collection, supportRequests.collection].map(
        (collection) => [
          collection.collectionName,
          // The driver's view of the collection: the relay reads and pulls only `pendingEvents`.
          collection as unknown as Collection<PendingRow>,
        ],
      ),
    );
    this.now = options.now ?? (() => new Date());
  }

  /** Calls `listener` whenever a drain put new rows into the outbox (the dispatcher wakes up). */
  onEnqueue(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async drain(collection: string, id: Types.ObjectId): Promise<void> {
    const source = this.source(collection);
    const row = await source.findOne<PendingRow>(
      { _id: id },
      {
        projection: { pendingEvents: 1, customer: 1 },
      },
    );
    const events = row?.pendingEvents ?? [];
    if (!row || events.length === 0) return;
    let enqueued = false;
    for (const event of events) {
      await this.recordAudit(collection, id, event);
      if (event.notify)
        enqueued = (await this.enqueue(eventNotificationKey(event.id), event.notify)) || enqueued;
      for (const notice of this.options.consequences?.(collection, row, event) ?? []) {
        const key = `${eventNotificationKey(event.id)}:${notice.template}`;
        enqueued = (await this.enqueue(key, notice)) || enqueued;
      }
    }
    await source.updateOne(
      { _id: id },
      { $pull: { pendingEvents: { id: { $in: events.map((event) => event.id) } } } },
    );
    if (enqueued) for (const listener of this.listeners) listener();
  }

  /** Drains every document whose events have waited longer than the grace period; returns how many. */
  async sweep(limit = 100): Promise<number> {
    const cutoff = new Date(this.now().getTime() - (this.options.sweepGraceMs ?? 5000));
    let drained = 0;
    for (const [name, source] of this.collections) {
      const rows = await source
        .find<PendingRow>({ 'pendingEvents.at': { $lte: cutoff } }, { projection: { _id: 1 } })
        .limit(limit)
        .toArray();
      for (const row of rows) await this.drain(name, row._id);
      drained += rows.length;
    }
    return drained;
  }

  /** Sweeps now and then every `intervalMs` until `stop()`. */
  start(intervalMs: number, onError: (error: unknown) => void): void {
    const run = () => void this.sweep(Number.MAX_SAFE_INTEGER).catch(onError);
    run();
    this.timer = setInterval(run, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private source(collection: string) {
    const source = this.collections.get(collection);
    if (!source) throw new Error(`no pending events are kept in ${collection}`);
    return source;
  }

  private async recordAudit(collection: string, id: Types.ObjectId, event: PendingEvent): Promise<void> {
    await ignoreDuplicate(
      this.options.models.auditEvents.updateOne(
        { eventId: event.id },
        {
          $setOnInsert: {
            eventId: event.id,
            actor: event.actor,
            action: event.action,
            record: { collection, id: id.toString() },
            at: event.at,
            ...(event.channel ? { channel: event.channel } : {}),
            details: event.details ?? {},
          },
        },
        { upsert: true },
      ),
    );
  }

  /** True when the row is new. */
  private async enqueue(idempotencyKey: string, notice: Notice): Promise<boolean> {
    const result = await ignoreDuplicate(
      this.options.models.notifications.updateOne(
        { idempotencyKey },
        {
          $setOnInsert: {
            recipient: notice.recipient,
            route: notice.route ?? 'conversation',
            template: notice.template,
            payload: notice.payload ?? {},
            status: 'pending',
            attempts: 0,
            nextAttemptAt: this.now(),
          },
        },
        { upsert: true },
      ),
    );
    return (result?.upsertedCount ?? 0) > 0;
  }
}

/** Two drains racing on one event: the loser's upsert hits the unique key, and the winner's row stands. */
async function ignoreDuplicate<T>(write: PromiseLike<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (isDuplicateKeyError(error)) return undefined;
    throw error;
  }
}

/**
 * The event relay: drains the pending events that lifecycle moves record on their documents into the
 * audit log and the outbox. Each event's id keys its audit entry and its outbox row, so a drain that is
 * repeated (after a crash between the two writes, or by two processes at once) writes nothing twice;
 * only then is the event removed from its document. Services drain the document they changed right away;
 * a periodic sweep catches what a crash left behind.
 */
import { MongoBulkWriteError, type Collection } from 'mongodb';
import { Types, type Model } from 'mongoose';
import type { Models } from '../db/models/index.js';
import type { EventDrain, Notice, PendingEvent, PendingRow } from '../domain/lifecycle.js';
import { isBulkDuplicateOnly } from '../domain/mapping.js';

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

  async drain(collection: string, document: Types.ObjectId | PendingRow): Promise<void> {
    const source = this.source(collection);
    // A document its writer has at hand is not read again.
    const row =
      document instanceof Types.ObjectId
        ? await source.findOne<PendingRow>(
            { _id: document },
            { projection: { pendingEvents: 1, customer: 1 } },
          )
        : document;
    const events = row?.pendingEvents ?? [];
    if (!row || events.length === 0) return;
    const id = row._id;
    const notices = events.flatMap((event) => [
      ...(event.notify ? [{ key: eventNotificationKey(event.id), notice: event.notify }] : []),
      ...(this.options.consequences?.(collection, row, event) ?? []).map((notice) => ({
        key: `${eventNotificationKey(event.id)}:${notice.template}`,
        notice,
      })),
    ]);
    // Every entry is keyed by its event, so the audit log and the outbox are written at once.
    const [, enqueued] = await Promise.all([this.recordAudit(collection, id, events), this.enqueue(notices)]);
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

  private async recordAudit(collection: string, id: Types.ObjectId, events: PendingEvent[]): Promise<void> {
    await upsertAll(
      this.options.models.auditEvents,
      events.map((event) => ({
        updateOne: {
          filter: { eventId: event.id },
          update: {
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
          upsert: true,
        },
      })),
    );
  }

  /** True when a row is new. */
  private async enqueue(notices: { key: string; notice: Notice }[]): Promise<boolean> {
    if (notices.length === 0) return false;
    const nextAttemptAt = this.now();
    const inserted = await upsertAll(
      this.options.models.notifications,
      notices.map(({ key, notice }) => ({
        updateOne: {
          filter: { idempotencyKey: key },
          update: {
            $setOnInsert: {
              recipient: notice.recipient,
              route: notice.route ?? 'conversation',
              template: notice.template,
              payload: notice.payload ?? {},
              status: 'pending',
              attempts: 0,
              nextAttemptAt,
            },
          },
          upsert: true,
        },
      })),
    );
    return inserted > 0;
  }
}

/**
 * Writes idempotent upserts in one call and returns how many inserted. Two drains racing on one event:
 * the loser's upsert hits the unique key, and the winner's row stands.
 */
async function upsertAll<T>(
  model: Pick<Model<T>, 'bulkWrite'>,
  upserts: Parameters<Model<T>['bulkWrite']>[0],
): Promise<number> {
  try {
    return (await model.bulkWrite(upserts, { ordered: false })).upsertedCount;
  } catch (error) {
    if (!isBulkDuplicateOnly(error)) throw error;
    return error instanceof MongoBulkWriteError ? error.result.upsertedCount : 0;
  }
}

/**
 * The outbox dispatcher: leases due rows (`findOneAndUpdate`, so two dispatchers on one database never
 * hold the same row), renders each for its channel, sends it, and records the outcome with the
 * provider's message id. A failed send is retried with exponential backoff and given up after
 * `maxAttempts` (the row stays `failed`, with the error, for officers to see). A dispatcher killed in
 * the middle of a send leaves its lease to run out; whoever takes the row next first asks the channel
 * whether that send happened (every send carries the row's delivery key) before sending again.
 */
import { randomUUID } from 'node:crypto';
import type { Types } from 'mongoose';
import type { LeanDoc, Models, NotificationRoute } from '../db/models/index.js';
import type { ConversationLinkService, ConversationTarget } from '../domain/conversations.js';
import type { Logger } from '../log.js';
import { renderNotification, type RenderedNotification } from './templates.js';

/** Delivers rendered notifications into the conversations of one channel. */
export interface ChannelSender {
  /** The channel whose conversations it reaches (`ConversationTarget.channel`). */
  readonly channel: string;
  /** Sends `message` under the delivery key `key`; resolves with the provider's message id. */
  send(target: ConversationTarget, message: RenderedNotification, key: string): Promise<string>;
  /**
   * The provider's id of a message sent under `key` before, or undefined when there was none (or the
   * channel cannot tell, in which case the message is sent again).
   */
  findSent(target: ConversationTarget, key: string): Promise<string | undefined>;
}

/** Where a row went and the provider's id of what was sent there. */
export interface Delivered {
  channel: string;
  conversationId: string;
  providerMessageId: string;
}

/**
 * Delivers the rows of a route that does not lead to a customer's conversation (`slack`: the officers'
 * card of a claim). A row is retried after a failure, so delivering one twice must do no harm.
 */
export interface RouteSender {
  readonly route: NotificationRoute;
  deliver(row: { recipient: string; template: string; payload: unknown }, key: string): Promise<Delivered>;
}

/** Options of {@link Dispatcher}. */
export interface DispatcherOptions {
  models: Pick<Models, 'notifications'>;
  conversations: Pick<ConversationLinkService, 'latest'>;
  senders: ChannelSender[];
  /** Senders of the routes other than `conversation`. */
  routes?: RouteSender[];
  /** The customer's phone number, for rows routed to it (`route: 'sms'`). */
  phones?: { phoneOf(customerId: string): Promise<string | undefined> };
  /** The conversation a handoff was asked in, for rows routed to it (`route: 'handoff'`). */
  handoffs?: { conversationOf(requestId: string): Promise<ConversationTarget | undefined> };
  logger: Logger;
  now?: () => Date;
  /** How long a leased row is this dispatcher's before another may take it over; default 60 s. */
  leaseMs?: number;
  /** Sends tried before a row is marked failed; default 5. */
  maxAttempts?: number;
  /** Wait before the first retry, doubled for each further one (at most an hour); default 5 s. */
  retryBaseMs?: number;
  /** Rows delivered at once; default 8. */
  concurrency?: number;
  /** How often to look for due rows when nothing wakes the dispatcher; default 1 s. */
  pollMs?: number;
  /**
   * Asked before each send: when to put the row back in the outbox until (quiet hours, the SMS pace),
   * without counting an attempt, or undefined to send it now.
   */
  deferUntil?: (row: Row) => Promise<Deferral | undefined>;
}

/** A row put back in the outbox `until` a later time, keeping `slot` (a send slot it took) till then. */
export interface Deferral {
  until: Date;
  slot?: Date;
}

type Row = LeanDoc<Models['notifications']>;

/**
 * A failure that retrying cannot mend (no conversation to deliver to, a payload its template refuses,
 * a number that opted out); senders throw it too.
 */
export class Undeliverable extends Error {}

const maxRetryDelayMs = 60 * 60 * 1000;

/** The delivery key every send of an outbox row carries (SMS receipts bring it back in their URL). */
export function deliveryKey(id: Types.ObjectId): string {
  return `notification:${id.toString()}`;
}

/** The outbox row a delivery key names, or undefined when the key is not one. */
export function notificationIdOf(key: string): string | undefined {
  return /^notification:([0-9a-f]{24})$/.exec(key)?.[1];
}

export class Dispatcher {
  /** Names this dispatcher's leases. */
  readonly id = randomUUID();
  private readonly senders: Map<string, ChannelSender>;
  private readonly routes: Map<string, RouteSender>;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  /** Workers leasing and delivering now; each keeps going until no row is due. */
  private readonly workers = new Set<Promise<number>>();
  /** Counts wake-ups, so a worker that found nothing knows whether rows came meanwhile. */
  private generation = 0;
  /**
   * The next lease looks for rows a dead dispatcher left first. Set at start and by each poll, not by
   * every wake-up: such rows are rare, and one look per poll finds them.
   */
  private abandonedDue = true;
  private stopped = true;
  private closing = false;

  constructor(private readonly options: DispatcherOptions) {
    this.senders = new Map(options.senders.map((sender) => [sender.channel, sender]));
    this.routes = new Map((options.routes ?? []).map((sender) => [sender.route, sender]));
    this.now = options.now ?? (() => new Date());
  }

  /** Looks for due rows every `pollMs` and whenever {@link wake} is called, until {@link stop}. */
  start(): void {
    this.stopped = false;
    this.abandonedDue = true;
    this.wake();
    this.timer = setInterval(() => {
      this.abandonedDue = true;
      this.wake();
    }, this.options.pollMs ?? 1000);
    this.timer.unref();
  }

  /**
   * New rows were enqueued: one more worker starts looking at once, and each worker that leases a row
   * starts another before delivering it, up to `concurrency`. So a row never waits for a slow delivery
   * of another, and a wake-up with nothing due costs one query, not one per possible worker (a worker
   * that finds nothing due stops, unless a wake-up came meanwhile).
   */
  wake(): void {
    if (this.stopped) return;
    this.generation++;
    this.addWorker();
  }

  private addWorker(): void {
    if (this.workers.size >= (this.options.concurrency ?? 8)) return;
    const worker: Promise<number> = this.work(true)
      .catch((error: unknown) => {
        this.options.logger.error({ err: error }, 'notification dispatch failed');
        return 0;
      })
      .finally(() => this.workers.delete(worker));
    this.workers.add(worker);
  }

  /** Stops looking and waits for the deliveries in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.closing = true;
    clearInterval(this.timer);
    await Promise.all(this.workers);
  }

  /** Delivers every row due now, `concurrency` at a time; resolves with how many were handled. */
  async runOnce(): Promise<number> {
    this.abandonedDue = true;
    const handled = await Promise.all(
      Array.from({ length: this.options.concurrency ?? 8 }, () => this.work(false)),
    );
    return handled.reduce((sum, count) => sum + count, 0);
  }

  /**
   * Leases and delivers rows until none is due (and no wake-up came while looking). A worker the
   * dispatcher runs (`spread`) starts another as it finds a row, so the pace follows the work.
   */
  private async work(spread: boolean): Promise<number> {
    let handled = 0;
    while (!this.closing) {
      const seen = this.generation;
      const row = await this.lease();
      if (row) {
        if (spread) this.addWorker();
        await this.deliver(row);
        handled++;
      } else if (this.generation === seen) {
        break;
      }
    }
    return handled;
  }

  /** Takes a row whose lease ran out (its dispatcher died) when one may be there, else a due pending row. */
  private async lease(): Promise<Row | null> {
    const now = this.now();
    const update = {
      $set: {
        status: 'sending' as const,
        lockedUntil: new Date(now.getTime() + (this.options.leaseMs ?? 60_000)),
        lockedBy: this.id,
      },
      $inc: { attempts: 1 },
    };
    // No sort: the status index yields candidates in about the order they were written, and a sort
    // would make the embedded server read every pending row for each lease.
    const notifications = this.options.models.notifications;
    if (this.abandonedDue) {
      this.abandonedDue = false;
      const abandoned = await notifications
        .findOneAndUpdate({ status: 'sending', lockedUntil: { $lte: now } }, update, {
          returnDocument: 'after',
        })
        .lean();
      // One found, more may be left: the next lease looks again.
      if (abandoned) {
        this.abandonedDue = true;
        return abandoned;
      }
    }
    return notifications
      .findOneAndUpdate({ status: 'pending', nextAttemptAt: { $lte: now } }, update, {
        returnDocument: 'after',
      })
      .lean();
  }

  private async deliver(row: Row): Promise<void> {
    const key = deliveryKey(row._id);
    try {
      const later = await this.options.deferUntil?.(row);
      if (later) {
        await this.finish(
          row._id,
          {
            $set: {
              status: 'pending',
              nextAttemptAt: later.until,
              ...(later.slot ? { paceSlot: later.slot } : {}),
            },
            $inc: { attempts: -1 },
          },
          { keepSlot: Boolean(later.slot) },
        );
        return;
      }
      const route = this.routes.get(row.route);
      const delivered = route
        ? await route.deliver(
            { recipient: row.recipient.toString(), template: row.template, payload: row.payload },
            key,
          )
        : await this.deliverToConversation(row, key);
      await this.finish(row._id, {
        $set: {
          status: 'sent',
          sentAt: this.now(),
          providerMessageId: delivered.providerMessageId,
          deliveredTo: { channel: delivered.channel, conversationId: delivered.conversationId },
        },
      });
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).slice(0, 300);
      const final = error instanceof Undeliverable || row.attempts >= (this.options.maxAttempts ?? 5);
      this.options.logger.warn(
        { notification: row._id.toString(), template: row.template, attempts: row.attempts, final },
        'notification not delivered',
      );
      const delay = Math.min(maxRetryDelayMs, (this.options.retryBaseMs ?? 5000) * 2 ** (row.attempts - 1));
      await this.finish(row._id, {
        $set: final
          ? { status: 'failed', lastError: reason }
          : { status: 'pending', lastError: reason, nextAttemptAt: new Date(this.now().getTime() + delay) },
      });
    }
  }

  private async deliverToConversation(row: Row, key: string): Promise<Delivered> {
    const message = this.render(row);
    const target = await this.target(row);
    const sender = this.senders.get(target.channel);
    if (!sender) throw new Undeliverable(`the ${target.channel} channel is not running`);
    // A second attempt may follow a send whose outcome nobody recorded: ask before sending again.
    const sent = row.attempts > 1 ? await sender.findSent(target, key) : undefined;
    const providerMessageId = sent ?? (await sender.send(target, message, key));
    return { channel: target.channel, conversationId: target.conversationId, providerMessageId };
  }

  private render(row: Row): RenderedNotification {
    try {
      return renderNotification(row.template, row.payload);
    } catch (error) {
      throw new Undeliverable(error instanceof Error ? error.message : String(error));
    }
  }

  private async target(row: Row): Promise<ConversationTarget> {
    if (row.route === 'sms') {
      const customerId = row.recipient.toString();
      const phone = await this.options.phones?.phoneOf(customerId);
      if (!phone) throw new Undeliverable('the customer has no phone number to text');
      // The SMS sender reads the number where an SMS conversation's reference keeps it.
      return {
        channel: 'sms',
        conversationId: `customer:${customerId}`,
        reference: { user: { id: phone } },
        lastUsedAt: this.now(),
      };
    }
    if (row.route === 'handoff') {
      const request = (row.payload as { request?: unknown } | null)?.request;
      const target =
        typeof request === 'string' ? await this.options.handoffs?.conversationOf(request) : undefined;
      if (!target) throw new Undeliverable('the handoff has no conversation to deliver to');
      return target;
    }
    const target = await this.options.conversations.latest(row.recipient.toString());
    if (!target) throw new Undeliverable('the customer has no conversation to deliver to');
    return target;
  }

  /**
   * Records an outcome, only while the lease is still this dispatcher's. A send slot the row kept is
   * spent by any outcome but a new deferral for the pace.
   */
  private async finish(
    id: Types.ObjectId,
    update: { $set: Record<string, unknown>; $inc?: Record<string, number> },
    options: { keepSlot?: boolean } = {},
  ): Promise<void> {
    await this.options.models.notifications.updateOne(
      { _id: id, status: 'sending', lockedBy: this.id },
      { ...update, $unset: { lockedUntil: 1, lockedBy: 1, ...(options.keepSlot ? {} : { paceSlot: 1 }) } },
    );
  }
}

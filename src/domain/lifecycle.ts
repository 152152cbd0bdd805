/**
 * The one state-machine helper. A lifecycle is a transition table (from, to, who may) plus this: a move
 * is checked against the table and the actor, written with an update guarded by the status it was read
 * in, and its consequences (the audit entry, what the customer must be told) are recorded as pending
 * events in that same write. The event relay then drains them into the audit log and the outbox, so a
 * crash between the change and its consequences loses nothing and doubles nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Types, UpdateQuery } from 'mongoose';
import type { Models, NotificationRoute } from '../db/models/index.js';
import { activeOfficer, type Actor, type ActorType } from './actor.js';
import { DomainError } from './errors.js';

/** For each status, the statuses it may move to and who may move it there. */
export type TransitionTable<S extends string> = Readonly<
  Record<S, Readonly<Partial<Record<S, readonly ActorType[]>>>>
>;

/** What a customer must be told about a change; the notification templates render it per channel. */
export interface Notice {
  recipient: Types.ObjectId;
  /** Where it goes; default the customer's last conversation. */
  route?: NotificationRoute;
  template: string;
  payload: Record<string, unknown>;
}

/** A consequence of a change as it is stored on the changed document (`pendingEvents`). */
export interface PendingEvent {
  id: string;
  action: string;
  actor: { type: ActorType; id: string };
  channel?: string;
  at: Date;
  details: Record<string, unknown>;
  notify?: Notice;
}

/** Builds the pending event of a change made by `actor`; its fresh id keys the audit entry and the outbox row. */
export function pendingEvent(input: {
  action: string;
  actor: Actor;
  at: Date;
  details: Record<string, unknown>;
  notify?: Notice;
}): PendingEvent {
  return {
    id: randomUUID(),
    action: input.action,
    actor: { type: input.actor.type, id: input.actor.id },
    ...(input.actor.channel ? { channel: input.actor.channel } : {}),
    at: input.at,
    details: input.details,
    ...(input.notify ? { notify: input.notify } : {}),
  };
}

/** What a drain reads of a document: its id, its customer (if any) and its pending events. */
export interface PendingRow {
  _id: Types.ObjectId;
  /** The customer the document is about, when it has one. */
  customer?: Types.ObjectId;
  pendingEvents?: PendingEvent[];
}

/**
 * Drains the pending events of one document, given by id or as its writer has it at hand (then it is not
 * read again); the event relay implements it.
 */
export interface EventDrain {
  drain(collection: string, document: Types.ObjectId | PendingRow): Promise<void>;
}

/** The row a lifecycle moves: its id, its status and its number (for messages). */
export interface LifecycleRow<S extends string> {
  _id: Types.ObjectId;
  status: S;
  number: string;
}

/** A checked move, not yet written: its history entry and its pending event. */
export interface PlannedMove<S extends string> {
  change: { from: S; to: S; actor: { type: ActorType; id: string }; reason: string | undefined; at: Date };
  event: PendingEvent;
}

/** The officer record an officer's move was checked against. */
export type Officer = Awaited<ReturnType<typeof activeOfficer>>;

/** How one state machine is stored and what its moves mean. */
export interface LifecycleOptions<S extends string, R extends LifecycleRow<S>> {
  /** What the subject is called in messages: `claim`, `benefit request`. */
  noun: string;
  /** The audit action of a move, e.g. `claim.transition`. */
  action: string;
  /** The collection the rows live in, which the relay drains. */
  collection: string;
  /** The array of the row that records each move (`{ from, to, actor, reason, at }`). */
  historyField: string;
  table: TransitionTable<S>;
  models: Pick<Models, 'officers'>;
  events: EventDrain;
  now: () => Date;
  /** Applies `update` to the row matching `filter` and returns the row after it, or null when none matched. */
  update(filter: { _id: Types.ObjectId; status: S }, update: UpdateQuery<unknown>): Promise<R | null>;
  /** Further rules of this lifecycle (a required reason, an approval limit); throws to refuse. */
  authorize?(row: R, to: S, actor: Actor, reason: string | undefined, officer?: Officer): void;
  /** What the customer is told about a move, if anything. */
  notice?(row: R, to: S, reason: string | undefined, actor: Actor): Notice | undefined;
}

/** One state machine: checks, guarded writes and recorded consequences (see the module comment). */
export class Lifecycle<S extends string, R extends LifecycleRow<S>> {
  constructor(private readonly options: LifecycleOptions<S, R>) {}

  /** The statuses a row in `from` may move to, by anyone. */
  next(from: S): S[] {
    return (Object.keys(this.options.table[from]) as S[]).filter(
      (to) => this.options.table[from][to] !== undefined,
    );
  }

  /**
   * Checks a move of `row` (as it was read) to `to` and builds what records it: the entry of the history
   * field and the pending event. Refuses a move the table does not allow (`invalid_transition`), an actor
   * it does not allow or an inactive officer (`forbidden`), and what `authorize` refuses. {@link move}
   * writes the result; a row created already moved (a claim triaged as it is filed) stores it in its insert.
   */
  async plan(row: R, to: S, actor: Actor, reason?: string): Promise<PlannedMove<S>> {
    const { noun, table } = this.options;
    const from = row.status;
    const allowed = table[from][to];
    if (!allowed) {
      throw new DomainError('invalid_transition', `${noun} ${row.number} cannot move from ${from} to ${to}`, {
        from,
        to,
        allowed: this.next(from),
      });
    }
    if (!allowed.includes(actor.type)) {
      throw new DomainError('forbidden', `a ${actor.type} cannot move a ${noun} from ${from} to ${to}`);
    }
    const officer = actor.type === 'officer' ? await activeOfficer(this.options.models, actor.id) : undefined;
    this.options.authorize?.(row, to, actor, reason, officer);

    const at = this.options.now();
    return {
      change: { from, to, actor: { type: actor.type, id: actor.id }, reason, at },
      event: pendingEvent({
        action: this.options.action,
        actor,
        at,
        details: { number: row.number, from, to, ...(reason ? { reason } : {}) },
        notify: this.options.notice?.(row, to, reason, actor),
      }),
    };
  }

  /**
   * Moves `row` (as it was read) to `to`, with the refusals of {@link plan}, and refuses a row changed
   * by someone else since it was read (`conflict`).
   */
  async move(row: R, to: S, actor: Actor, reason?: string): Promise<R> {
    const { change, event } = await this.plan(row, to, actor, reason);
    const updated = await this.options.update(
      { _id: row._id, status: row.status },
      {
        $set: { status: to },
        $push: { [this.options.historyField]: change, pendingEvents: event },
      },
    );
    if (!updated) {
      throw new DomainError(
        'conflict',
        `${this.options.noun} ${row.number} was changed meanwhile; reload and try again`,
      );
    }
    await this.options.events.drain(this.options.collection, updated);
    return updated;
  }
}

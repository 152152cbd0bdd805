/**
 * Handing a conversation to a person. Within business hours a request is a live handoff: its card
 * goes to the support channel and an officer takes the chat over, after which the customer's messages
 * go to the card's thread (the bot stays quiet) and the officer's thread replies go to the customer,
 * until the officer hands the customer back to the bot or closes the request. Outside business hours
 * it is a ticket with a promised reply time. Either way `respondBy` is the SLA due time; a request
 * nobody took by then is escalated to the supervisors (and a waiting customer told about the wait).
 *
 * Every change records its consequences as pending events on the request (the card, the customer's
 * messages through the outbox on the `handoff` route), drained by the event relay like claims' are.
 */
import { z } from 'zod';
import type { Models } from '../db/models/index.js';
import {
  supportReasons,
  type SupportReason,
  type SupportRequestEnding,
  type SupportRequestMode,
  type SupportRequestStatus,
} from '../db/models/support-request.js';
import { activeOfficer, actorInputSchema, type Actor } from './actor.js';
import { addBusinessMinutes, isOpen, parseBusinessHours, type BusinessHours } from './business-hours.js';
import type { ConversationTarget } from './conversations.js';
import type { CustomerService } from './customers.js';
import { DomainError } from './errors.js';
import { pendingEvent, type EventDrain, type Notice } from './lifecycle.js';
import { idOf, parseInput, parseObjectId } from './mapping.js';
import { NumberAllocator, type NumberFormat } from './numbers.js';
import { keptMessage, linkedFiles, officerFilesSchema, type OfficerFile } from './officer-files.js';

export type { SupportReason };

export const supportRequestNumbers: NumberFormat = { counter: 'support_request', prefix: 'SR', digits: 6 };

/** How support requests are served; the settings `HANDOFF_SLA_MINUTES`, `SUPPORT_HOURS`, `TICKET_SLA_HOURS`. */
export interface SupportSettings {
  handoffSlaMinutes: number;
  hours: BusinessHours;
  ticketSlaHours: number;
}

export const defaultSupportSettings: SupportSettings = {
  handoffSlaMinutes: 10,
  hours: parseBusinessHours('Mon-Fri 09:00-17:00', 'America/New_York')!,
  ticketSlaHours: 8,
};

/** A support request as the services return it to the bot. */
export interface SupportTicket {
  id: string;
  /** `SR-000001`: the reference the customer is given. */
  reference: string;
  customerId?: string;
  channel: string;
  conversationId: string;
  reason: SupportReason;
  context?: string;
  status: SupportRequestStatus;
  mode: SupportRequestMode;
  /** The SLA due time: by when an officer joins (live) or replies (ticket). */
  respondBy: Date;
  createdAt: Date;
}

/** One line of the conversation. */
export interface ConversationLine {
  from: 'customer' | 'bot' | 'officer';
  /** The officer's Slack user id, for an officer's line. */
  author?: string;
  text: string;
  at: Date;
}

/** Everything the handoff card shows. */
export interface HandoffCard {
  id: string;
  reference: string;
  status: SupportRequestStatus;
  mode: SupportRequestMode;
  reason: SupportReason;
  context?: string;
  channel: string;
  /** The verified customer's name, or undefined when they never verified. */
  customerName?: string;
  createdAt: Date;
  respondBy: Date;
  escalatedAt?: Date;
  /** Supervisors to mention once escalated. */
  supervisors: { slackUserId: string; name: string }[];
  officer?: { slackUserId: string; name: string };
  takenAt?: Date;
  endedAt?: Date;
  ending?: SupportRequestEnding;
  transcript: ConversationLine[];
  /** What was said since an officer took over, both ways. */
  messages: ConversationLine[];
  /** Names the state the card shows; a button pressed on an older one is refused. */
  state: string;
  slackCard?: { channel: string; ts: string };
}

/** An open request as an officer's App Home lists it. */
export interface OpenRequest {
  reference: string;
  mode: SupportRequestMode;
  status: SupportRequestStatus;
  respondBy: Date;
  escalated: boolean;
  officerName?: string;
  slackCard?: { channel: string; ts: string };
}

const lineInput = z.object({
  from: z.enum(['customer', 'bot']),
  text: z
    .string()
    .trim()
    .min(1)
    .transform((text) => text.slice(0, 500)),
  at: z.coerce.date(),
});

export const supportRequestInputSchema = z.object({
  channel: z.string().trim().toLowerCase().min(1),
  conversationId: z.string().trim().min(1),
  customerId: z.string().trim().min(1).optional(),
  reason: z.enum(supportReasons),
  context: z.string().trim().min(1).max(200).optional(),
  /** The Bot Framework conversation reference, kept so a person's reply can reach the conversation. */
  reference: z
    .looseObject({ channelId: z.string().min(1), conversation: z.looseObject({ id: z.string().min(1) }) })
    .optional(),
  /** The last messages of the conversation, answers to personal prompts already hidden. */
  transcript: z.array(lineInput).max(50).optional(),
});
export type SupportRequestInput = z.input<typeof supportRequestInputSchema>;

const refSchema = z
  .string()
  .trim()
  .regex(/^SR-\d{6}$/i, 'must be a reference like SR-000123');
const stateSchema = z.string().trim().min(1).max(100);
const textSchema = z.string().trim().min(1).max(1000);

/** Lines the card shows from before the handoff. */
export const transcriptLines = 12;

/** Hands conversations to people: live handoffs in business hours, tickets outside them. */
export interface HandoffService {
  /**
   * Records that the customer wants a person (a live handoff or a ticket, by the business hours), or
   * returns the request already open for this conversation, so asking twice gives the same reference.
   */
  requestSupport(input: SupportRequestInput): Promise<SupportTicket>;
  /**
   * The conversation's request that is not closed yet, if any, and whether an officer has the
   * conversation now (`live`); one indexed lookup, asked on each turn of a conversation that asked for
   * a person.
   */
  requestOf(channel: string, conversationId: string): Promise<{ id: string; live: boolean } | undefined>;
  /** A customer's message while an officer has the conversation: into the card's thread. */
  customerMessage(input: { requestId: string; text: string }): Promise<void>;
  /** The card of a request by reference (`not_found` when there is none). */
  card(reference: string): Promise<HandoffCard>;
  /** The card of a request by id (`not_found` when there is none). */
  cardById(requestId: string): Promise<HandoffCard>;
  /** The request whose card is this Slack message, if any. */
  byCard(card: { channel: string; ts: string }): Promise<HandoffCard | undefined>;
  /** An officer takes the conversation over; the first one wins, the second gets `conflict`. */
  takeOver(input: { reference: string; actor: Actor; shownState: string }): Promise<HandoffCard>;
  /** The officer who has it (or a supervisor, an admin) hands the customer back to the bot. */
  handBack(input: { reference: string; actor: Actor; shownState: string }): Promise<HandoffCard>;
  /** Closes the request (taken or not); the bot resumes. */
  close(input: { reference: string; actor: Actor; shownState: string }): Promise<HandoffCard>;
  /**
   * An officer's reply in the card's thread: sent to the customer when it comes from the officer who
   * has the conversation; anything else (other officers, notes marked as such) stays internal. Files
   * (stored already, with their signed links) go with the text, which may then be empty.
   */
  officerMessage(input: {
    reference: string;
    actor: Actor;
    text: string;
    files?: OfficerFile[];
  }): Promise<'sent' | 'internal'>;
  /**
   * Whether an officer's thread message with this text would reach the customer now, asked before the
   * files of a message are fetched so an internal note's files are never copied here.
   */
  reaches(input: { reference: string; actor: Actor; text: string }): Promise<boolean>;
  /** Records where the request's card was posted. */
  recordCard(reference: string, card: { channel: string; ts: string }): Promise<void>;
  /** Escalates every open request whose SLA passed; returns how many. */
  escalateOverdue(): Promise<number>;
  /** True when some open request's SLA passed without escalation (a read only, for the job to ask first). */
  hasOverdue(): Promise<boolean>;
  /** Requests waiting for anyone, and those the officer has, soonest due first. */
  openFor(slackUserId: string, limit?: number): Promise<OpenRequest[]>;
  /** The conversation a request was asked in, for the customer's messages (the outbox's `handoff` route). */
  conversationOf(requestId: string): Promise<ConversationTarget | undefined>;
}

/** What {@link MongoHandoffService} is built from. */
export interface HandoffServiceOptions {
  models: Pick<Models, 'supportRequests' | 'counters' | 'officers'>;
  events: EventDrain;
  customers?: Pick<CustomerService, 'getProfile'>;
  settings?: SupportSettings;
  now?: () => Date;
  numbers?: NumberAllocator;
}

/** Roles that may end a conversation another officer has. */
const overridingRoles: ReadonlySet<string> = new Set(['supervisor', 'admin']);

type Row = NonNullable<Awaited<ReturnType<MongoHandoffService['find']>>>;

export class MongoHandoffService implements HandoffService {
  private readonly now: () => Date;
  private readonly settings: SupportSettings;
  private readonly numbers: NumberAllocator;

  constructor(private readonly options: HandoffServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.settings = options.settings ?? defaultSupportSettings;
    this.numbers = options.numbers ?? new NumberAllocator(options.models);
  }

  private get requests() {
    return this.options.models.supportRequests;
  }

  async requestSupport(input: SupportRequestInput): Promise<SupportTicket> {
    const data = parseInput(supportRequestInputSchema, input);
    const customer = data.customerId ? parseObjectId(data.customerId, 'customer') : undefined;
    const open = await this.requests
      .findOne({ channel: data.channel, conversationId: data.conversationId, status: { $ne: 'closed' } })
      .sort({ createdAt: -1 })
      .lean();
    if (open) {
      // A customer who verifies after asking should still be known to whoever picks the request up.
      if (customer && !open.customer) {
        await this.requests.updateOne(
          { _id: open._id },
          {
            $set: { customer },
            $push: {
              pendingEvents: this.event('support_request.customer', system(data.channel), {
                reference: open.number,
              }),
            },
          },
        );
        await this.drain(open._id);
        return toTicket({ ...open, customer });
      }
      return toTicket(open);
    }

    const now = this.now();
    const live = isOpen(this.settings.hours, now);
    const respondBy = live
      ? addBusinessMinutes(this.settings.hours, now, this.settings.handoffSlaMinutes)
      : addBusinessMinutes(this.settings.hours, now, this.settings.ticketSlaHours * 60);
    const actor: Actor = customer
      ? { type: 'customer', id: idOf(customer), channel: data.channel }
      : system(data.channel);
    const created = await this.numbers.insertWithNumber(supportRequestNumbers, this.requests, (number) =>
      this.requests.create({
        number,
        customer,
        channel: data.channel,
        conversationId: data.conversationId,
        reason: data.reason,
        context: data.context,
        reference: data.reference,
        mode: live ? 'live' : 'ticket',
        respondBy,
        // On the service's clock, like `respondBy`: the wait the customer is told is the difference.
        createdAt: now,
        transcript: (data.transcript ?? [])
          .slice(-transcriptLines)
          .map((line) => ({ ...line, text: scrub(line.text) })),
        pendingEvents: [
          this.event('support_request.open', actor, {
            reference: number,
            reason: data.reason,
            mode: live ? 'live' : 'ticket',
          }),
        ],
      }),
    );
    await this.drain(created._id);
    return toTicket(created.toObject());
  }

  async requestOf(
    channel: string,
    conversationId: string,
  ): Promise<{ id: string; live: boolean } | undefined> {
    const row = await this.requests
      .findOne({ channel: channel.toLowerCase(), conversationId, status: { $ne: 'closed' } })
      .select({ _id: 1, status: 1 })
      .lean();
    return row ? { id: idOf(row._id), live: row.status === 'in_progress' } : undefined;
  }

  async customerMessage(input: { requestId: string; text: string }): Promise<void> {
    const id = parseObjectId(input.requestId, 'support request');
    const text = parseInput(textSchema, input.text.slice(0, 1000));
    const at = this.now();
    const row = await this.requests.findOne({ _id: id }).lean();
    if (!row) throw new DomainError('not_found', 'support request not found');
    const actor: Actor = row.customer
      ? { type: 'customer', id: idOf(row.customer), channel: row.channel }
      : system(row.channel);
    const result = await this.requests.updateOne(
      { _id: id, status: 'in_progress' },
      {
        $push: {
          messages: { from: 'customer', text, at },
          pendingEvents: this.event('support_request.message', actor, {
            reference: row.number,
            from: 'customer',
            at: at.toISOString(),
          }),
        },
      },
    );
    if (result.matchedCount === 0) {
      throw new DomainError('conflict', `${row.number} is no longer with an officer`);
    }
    await this.drain(id);
  }

  async card(reference: string): Promise<HandoffCard> {
    const row = await this.find({ number: parseInput(refSchema, reference).toUpperCase() });
    if (!row) throw new DomainError('not_found', 'support request not found');
    return this.toCard(row);
  }

  async cardById(requestId: string): Promise<HandoffCard> {
    const row = await this.find({ _id: parseObjectId(requestId, 'support request') });
    if (!row) throw new DomainError('not_found', 'support request not found');
    return this.toCard(row);
  }

  async byCard(card: { channel: string; ts: string }): Promise<HandoffCard | undefined> {
    const row = await this.find({ 'slackCard.channel': card.channel, 'slackCard.ts': card.ts });
    return row ? this.toCard(row) : undefined;
  }

  async takeOver(input: { reference: string; actor: Actor; shownState: string }): Promise<HandoffCard> {
    const { row, officer, actor } = await this.prepare(input);
    if (row.status !== 'open') throw new DomainError('conflict', `${row.number} was already closed.`);
    const at = this.now();
    await this.write(row, {
      $set: { status: 'in_progress', officer: officer.slackUserId, takenAt: at },
      $push: {
        pendingEvents: this.event(
          'support_request.take',
          actor,
          { reference: row.number },
          this.notice(row, 'handoff.joined', { officer: officer.name }),
        ),
      },
    });
    return this.card(row.number);
  }

  async handBack(input: { reference: string; actor: Actor; shownState: string }): Promise<HandoffCard> {
    return this.end(input, 'handed_back');
  }

  async close(input: { reference: string; actor: Actor; shownState: string }): Promise<HandoffCard> {
    return this.end(input, 'closed');
  }

  async officerMessage(input: {
    reference: string;
    actor: Actor;
    text: string;
    files?: OfficerFile[];
  }): Promise<'sent' | 'internal'> {
    const files = parseInput(officerFilesSchema, input.files);
    const text = files.length > 0 ? input.text.trim().slice(0, 1000) : parseInput(textSchema, input.text);
    const { row, actor, reaches } = await this.speaker(input);
    if (!reaches) return 'internal';
    const at = this.now();
    const result = await this.requests.updateOne(
      { _id: row._id, status: 'in_progress', officer: actor.id },
      {
        $push: {
          messages: keptMessage(actor.id, text, files, at),
          pendingEvents: this.event(
            'support_request.message',
            actor,
            { reference: row.number, from: 'officer', ...(files.length > 0 ? { files: files.length } : {}) },
            this.notice(row, 'handoff.message', {
              text,
              ...(files.length > 0 ? { files: linkedFiles(files) } : {}),
            }),
          ),
        },
      },
    );
    if (result.matchedCount === 0) return 'internal';
    await this.drain(row._id);
    return 'sent';
  }

  async reaches(input: { reference: string; actor: Actor; text: string }): Promise<boolean> {
    return (await this.speaker(input)).reaches;
  }

  /**
   * The request and the acting officer, and whether what they write reaches the customer: only the
   * officer who took the conversation over speaks to the customer, and a note marked as one stays in
   * the thread.
   */
  private async speaker(input: { reference: string; actor: Actor; text: string }) {
    const actor = parseInput(actorInputSchema, input.actor);
    if (actor.type !== 'officer') throw new DomainError('forbidden', 'replies come from officers');
    await activeOfficer(this.options.models, actor.id);
    const row = await this.find({ number: parseInput(refSchema, input.reference).toUpperCase() });
    if (!row) throw new DomainError('not_found', 'support request not found');
    const reaches = row.status === 'in_progress' && row.officer === actor.id && !isNote(input.text.trim());
    return { row, actor, reaches };
  }

  async recordCard(reference: string, card: { channel: string; ts: string }): Promise<void> {
    await this.requests.updateOne(
      { number: parseInput(refSchema, reference).toUpperCase() },
      { $set: { slackCard: { channel: card.channel, ts: card.ts } } },
      { timestamps: false },
    );
  }

  async hasOverdue(): Promise<boolean> {
    const row = await this.requests
      .findOne({ status: 'open', respondBy: { $lte: this.now() }, escalatedAt: { $exists: false } })
      .select({ _id: 1 })
      .lean();
    return row !== null;
  }

  async escalateOverdue(): Promise<number> {
    const now = this.now();
    const due = await this.requests
      .find({ status: 'open', respondBy: { $lte: now }, escalatedAt: { $exists: false } })
      .select({ _id: 1, number: 1, mode: 1, customer: 1, channel: 1 })
      .limit(500)
      .lean();
    let escalated = 0;
    for (const row of due) {
      // The customer waiting in a live chat hears how long more; a ticket's customer was promised a time.
      const notify =
        row.mode === 'live'
          ? this.notice(row, 'handoff.waiting', { minutes: this.settings.handoffSlaMinutes })
          : undefined;
      const result = await this.requests.updateOne(
        { _id: row._id, status: 'open', escalatedAt: { $exists: false } },
        {
          $set: { escalatedAt: now },
          $push: {
            pendingEvents: this.event(
              'support_request.escalate',
              { type: 'system', id: 'handoff-sla' },
              { reference: row.number, mode: row.mode },
              notify,
            ),
          },
        },
      );
      if (result.modifiedCount === 1) {
        escalated++;
        await this.drain(row._id);
      }
    }
    return escalated;
  }

  async openFor(slackUserId: string, limit = 20): Promise<OpenRequest[]> {
    await activeOfficer(this.options.models, slackUserId);
    const rows = await this.requests
      .find({ $or: [{ status: 'open' }, { status: 'in_progress', officer: slackUserId }] })
      .select({ number: 1, mode: 1, status: 1, respondBy: 1, escalatedAt: 1, officer: 1, slackCard: 1 })
      .sort({ respondBy: 1 })
      .limit(limit)
      .lean();
    const names = await this.names(rows.map((row) => row.officer).filter((id): id is string => !!id));
    return rows.map((row) => ({
      reference: row.number,
      mode: row.mode,
      status: row.status,
      respondBy: row.respondBy,
      escalated: !!row.escalatedAt,
      ...(row.officer ? { officerName: names.get(row.officer) ?? row.officer } : {}),
      ...(row.slackCard ? { slackCard: { channel: row.slackCard.channel, ts: row.slackCard.ts } } : {}),
    }));
  }

  async conversationOf(requestId: string): Promise<ConversationTarget | undefined> {
    const row = await this.requests
      .findOne({ _id: parseObjectId(requestId, 'support request') })
      .select({ channel: 1, conversationId: 1, reference: 1, updatedAt: 1 })
      .lean();
    if (!row?.reference) return undefined;
    return {
      channel: row.channel,
      conversationId: row.conversationId,
      reference: row.reference as Record<string, unknown>,
      lastUsedAt: row.updatedAt,
    };
  }

  private async end(
    input: { reference: string; actor: Actor; shownState: string },
    ending: SupportRequestEnding,
  ): Promise<HandoffCard> {
    const { row, officer, actor } = await this.prepare(input);
    if (row.status === 'closed') throw new DomainError('conflict', `${row.number} was already closed.`);
    if (
      row.status === 'in_progress' &&
      row.officer !== officer.slackUserId &&
      !overridingRoles.has(officer.role)
    ) {
      const names = await this.names([row.officer ?? '']);
      throw new DomainError(
        'forbidden',
        `${row.number} is with ${names.get(row.officer ?? '') ?? 'another officer'}; only they or a supervisor can end it.`,
      );
    }
    const at = this.now();
    // A customer nobody talked to yet still hears that the request was closed.
    const notify = this.notice(row, 'handoff.ended', { ending, officer: officer.name });
    await this.write(row, {
      $set: { status: 'closed', ending, endedAt: at },
      $push: {
        pendingEvents: this.event('support_request.end', actor, { reference: row.number, ending }, notify),
      },
    });
    return this.card(row.number);
  }

  /** Checks the actor is an active officer and saw the request as it is now. */
  private async prepare(input: { reference: string; actor: Actor; shownState: string }) {
    const actor = parseInput(actorInputSchema, input.actor);
    const shown = parseInput(stateSchema, input.shownState);
    if (actor.type !== 'officer') throw new DomainError('forbidden', 'only officers take conversations');
    const officer = await activeOfficer(this.options.models, actor.id);
    const row = await this.find({ number: parseInput(refSchema, input.reference).toUpperCase() });
    if (!row) throw new DomainError('not_found', 'support request not found');
    if (stateOf(row) !== shown) throw new DomainError('conflict', await this.changed(row));
    return { row, officer, actor };
  }

  /** What happened since the card was shown, in the words the ephemeral refusal uses. */
  private async changed(row: Row): Promise<string> {
    const names = await this.names([row.officer ?? '']);
    const who = names.get(row.officer ?? '') ?? 'another officer';
    if (row.status === 'in_progress') return `${row.number} was already taken over by ${who}.`;
    if (row.status === 'closed') {
      return row.ending === 'handed_back'
        ? `${row.number} was already handed back to the assistant.`
        : `${row.number} was already closed.`;
    }
    return `${row.number} changed meanwhile; look at its card again.`;
  }

  /** Writes `update` guarded by the state the row was read in (else `conflict`), then drains it. */
  private async write(row: Row, update: Record<string, unknown>): Promise<void> {
    const result = await this.requests.updateOne(
      { _id: row._id, status: row.status, officer: row.officer ?? { $exists: false } },
      update,
      { runValidators: true },
    );
    if (result.matchedCount === 0) {
      const fresh = await this.find({ _id: row._id });
      throw new DomainError(
        'conflict',
        fresh ? await this.changed(fresh) : `${row.number} changed meanwhile.`,
      );
    }
    await this.drain(row._id);
  }

  private async toCard(row: Row): Promise<HandoffCard> {
    const [names, supervisors, profile] = await Promise.all([
      this.names([row.officer ?? '']),
      row.escalatedAt
        ? this.options.models.officers
            .find({ role: 'supervisor', active: true })
            .select({ slackUserId: 1, name: 1 })
            .lean()
        : Promise.resolve([]),
      row.customer && this.options.customers
        ? this.options.customers.getProfile(idOf(row.customer)).catch(() => undefined)
        : Promise.resolve(undefined),
    ]);
    return {
      id: idOf(row._id),
      reference: row.number,
      status: row.status,
      mode: row.mode,
      reason: row.reason,
      ...(row.context ? { context: row.context } : {}),
      channel: row.channel,
      ...(profile ? { customerName: `${profile.firstName} ${profile.lastName}` } : {}),
      createdAt: row.createdAt,
      respondBy: row.respondBy,
      ...(row.escalatedAt ? { escalatedAt: row.escalatedAt } : {}),
      supervisors: supervisors.map((entry) => ({ slackUserId: entry.slackUserId, name: entry.name })),
      ...(row.officer
        ? { officer: { slackUserId: row.officer, name: names.get(row.officer) ?? row.officer } }
        : {}),
      ...(row.takenAt ? { takenAt: row.takenAt } : {}),
      ...(row.endedAt ? { endedAt: row.endedAt } : {}),
      ...(row.ending ? { ending: row.ending } : {}),
      transcript: (row.transcript ?? []).map(toLine),
      messages: (row.messages ?? []).map(toLine),
      state: stateOf(row),
      ...(row.slackCard ? { slackCard: { channel: row.slackCard.channel, ts: row.slackCard.ts } } : {}),
    };
  }

  private find(filter: Record<string, unknown>) {
    return this.requests.findOne(filter).lean();
  }

  private async names(ids: string[]): Promise<Map<string, string>> {
    const wanted = ids.filter(Boolean);
    if (wanted.length === 0) return new Map();
    const rows = await this.options.models.officers
      .find({ slackUserId: { $in: wanted } })
      .select({ slackUserId: 1, name: 1 })
      .lean();
    return new Map(rows.map((row) => [row.slackUserId, row.name]));
  }

  private event(action: string, actor: Actor, details: Record<string, unknown>, notify?: Notice) {
    return pendingEvent({ action, actor, at: this.now(), details, ...(notify ? { notify } : {}) });
  }

  /** A message to the customer in the conversation the request came from. */
  private notice(
    row: { _id: Row['_id']; customer?: Row['customer'] },
    template: string,
    payload: Record<string, unknown>,
  ): Notice {
    return {
      recipient: row.customer ?? row._id,
      route: 'handoff',
      template,
      payload: { request: idOf(row._id), ...payload },
    };
  }

  private drain(id: Row['_id']): Promise<void> {
    return this.options.events.drain(this.requests.collection.collectionName, id);
  }
}

function system(channel: string): Actor {
  return { type: 'system', id: 'bot', channel };
}

/** An officer's thread reply that starts like this stays internal even in a live conversation. */
export const noteMarker = '!note';

function isNote(text: string): boolean {
  return text.toLowerCase().startsWith(noteMarker);
}

/** The state a card shows: the status and who has it. */
function stateOf(row: { status: string; officer?: string | null }): string {
  return `${row.status}:${row.officer ?? '-'}`;
}

const datePatterns = [
  /\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b/g,
  /\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b/g,
  /\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b/gi,
  /\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4}\b/gi,
];

/**
 * Hides what looks like a date, a phone number or an e-mail address in a transcript line: answers to
 * personal prompts arrive hidden already, and this also covers a date of birth typed anywhere else.
 */
export function scrub(text: string): string {
  let result = text;
  for (const pattern of datePatterns) result = result.replace(pattern, '•••');
  return result.replace(/[\w.+-]+@[\w-]+\.[\w.-]+/g, '•••').replace(/\+?\d[\d\s().-]{8,}\d/g, '•••');
}

function toLine(line: { from: string; author?: string | null; text: string; at: Date }): ConversationLine {
  return {
    from: line.from as ConversationLine['from'],
    ...(line.author ? { author: line.author } : {}),
    text: line.text,
    at: line.at,
  };
}

interface SupportRequestRow {
  _id: { toString(): string };
  number: string;
  customer?: { toString(): string } | null;
  channel: string;
  conversationId: string;
  reason: SupportReason;
  context?: string | null;
  status: SupportRequestStatus;
  mode: SupportRequestMode;
  respondBy: Date;
  createdAt: Date;
}

function toTicket(row: SupportRequestRow): SupportTicket {
  return {
    id: idOf(row._id),
    reference: row.number,
    ...(row.customer ? { customerId: idOf(row.customer) } : {}),
    channel: row.channel,
    conversationId: row.conversationId,
    reason: row.reason,
    ...(row.context ? { context: row.context } : {}),
    status: row.status,
    mode: row.mode,
    respondBy: row.respondBy,
    createdAt: row.createdAt,
  };
}

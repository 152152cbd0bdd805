/**
 * Officers' decisions on claims, with tiered authority and four-eyes: an officer decides alone up to
 * their approval limit; above it the decision is recorded on the claim (`approvals`) and the claim
 * moves only when a second, different officer whose limit covers the amount (a supervisor or an admin)
 * agrees. Every decision is checked against the state the officer was shown, so the first click wins.
 * The moves themselves go through {@link ClaimService.transition}, which notifies the customer.
 */
import { z } from 'zod';
import type { LeanDoc, Models, OfficerRole } from '../db/models/index.js';
import { activeOfficer, actorInputSchema, type Actor } from './actor.js';
import type { ClaimService, ClaimView } from './claims.js';
import type { CustomerService } from './customers.js';
import { DomainError } from './errors.js';
import { pendingEvent, type EventDrain } from './lifecycle.js';
import { decimalToNumber, idOf, invalidField, parseInput, toDecimal } from './mapping.js';
import type { PolicyDetails, PolicyService } from './policies.js';
import { normalizeNumber } from './policies.js';
import { formatCurrency } from './money.js';
import { keptMessage, linkedFiles, officerFilesSchema, type OfficerFile } from './officer-files.js';

/** An officer as the Slack app sees them. */
export interface OfficerView {
  slackUserId: string;
  name: string;
  role: OfficerRole;
  approvalLimit: number;
}

/** A decision recorded while it waits for a second officer. */
export interface PendingApproval {
  decision: 'approve' | 'deny';
  officer: { slackUserId: string; name: string };
  amount?: number;
  reason?: string;
  at: Date;
}

/** Everything an officer's card of a claim shows. */
export interface ClaimCard {
  claim: ClaimView;
  customerName: string;
  policy?: Pick<PolicyDetails, 'number' | 'insurer' | 'policyType' | 'coverages'>;
  /** Decisions waiting for a second officer (four-eyes). */
  approvals: PendingApproval[];
  /** Who made the last move, by name, when an officer did. */
  lastMove?: { status: ClaimView['status']; by: string; at: Date; reason?: string };
  /** Names the state the card shows; a decision on an older one is refused. */
  state: string;
  /** Where the card is in Slack, once posted. */
  slackCard?: { channel: string; ts: string };
}

/** What a decision did: moved the claim, or recorded it for a second officer. */
export interface DecisionOutcome {
  outcome: 'moved' | 'awaiting_second_officer';
  number: string;
  status: ClaimView['status'];
}

/** A claim in an officer's queue. */
export interface QueueItem {
  number: string;
  status: ClaimView['status'];
  type: string;
  amountClaimed: number;
  currency: string;
  assignee?: string;
}

const stateSchema = z.string().trim().min(1).max(100);
const amountSchema = z.number().finite().nonnegative().max(1_000_000_000);
const reasonSchema = z.string().trim().min(1).max(500);

/** The officers' side of claims. */
export interface ApprovalService {
  /** The active officer with this Slack user id, or undefined. */
  officer(slackUserId: string): Promise<OfficerView | undefined>;
  /** The card of a claim by number (`not_found` when there is none). */
  card(claimNumber: string): Promise<ClaimCard>;
  /** The card, if the claim is still as `shownState` says; else `conflict` saying who changed it. */
  current(claimNumber: string, shownState: string): Promise<ClaimCard>;
  /** Approves (or, above the officer's limit, records the approval for a supervisor). */
  approve(input: {
    claimNumber: string;
    actor: Actor;
    shownState: string;
    amount?: number;
    note?: string;
  }): Promise<DecisionOutcome>;
  /** Denies (above the officer's limit: records the denial for a supervisor); a reason is required. */
  deny(input: {
    claimNumber: string;
    actor: Actor;
    shownState: string;
    reason: string;
  }): Promise<DecisionOutcome>;
  /** Asks the customer for more information; the message is what they are told. */
  requestInfo(input: {
    claimNumber: string;
    actor: Actor;
    shownState: string;
    message: string;
  }): Promise<DecisionOutcome>;
  /** Gives the claim to the acting officer. */
  assignToMe(input: { claimNumber: string; actor: Actor; shownState: string }): Promise<ClaimView>;
  /** Gives the claim to another officer; only supervisors and admins assign claims to others. */
  assignTo(input: { claimNumber: string; actor: Actor; assignee: string }): Promise<ClaimView>;
  /** Sends an officer's message to the customer through the outbox and keeps it on the claim. */
  reply(input: { claimNumber: string; actor: Actor; text: string }): Promise<void>;
  /** Asks for the claim's card to be posted (or refreshed) in Slack, through the outbox. */
  showCard(input: { claimNumber: string; actor: Actor }): Promise<void>;
  /** Records where the claim's card was posted. */
  recordCard(claimNumber: string, card: { channel: string; ts: string }): Promise<void>;
  /** Claims waiting for an officer: in review or waiting for the customer, unassigned or the officer's. */
  queue(slackUserId: string, limit?: number): Promise<QueueItem[]>;
  /**
   * Claims whose decision another officer recorded above their own limit and that this officer may
   * confirm (a different officer, a supervisor or an admin whose limit covers the amount).
   */
  awaitingAuthority(slackUserId: string, limit?: number): Promise<QueueItem[]>;
  /** The number of the claim whose card is this Slack message, if any. */
  claimByCard(card: { channel: string; ts: string }): Promise<string | undefined>;
  /**
   * An officer's reply written in the card's thread (with the reply marker): to the customer. Files
   * (stored already, with their signed links) go with the text, which may then be empty; the claim's
   * message keeps them.
   */
  replyInThread(input: {
    claimNumber: string;
    actor: Actor;
    text: string;
    files?: OfficerFile[];
  }): Promise<void>;
}

type ClaimRow = LeanDoc<Models['claims']>;

/** What {@link MongoApprovalService} is built from. */
export interface ApprovalServiceOptions {
  models: Pick<Models, 'claims' | 'officers'>;
  claims: ClaimService;
  customers: Pick<CustomerService, 'getProfile'>;
  policies: Pick<PolicyService, 'getByNumber'>;
  events: EventDrain;
  now: () => Date;
}

/** Roles that may give the second, confirming decision. */
const confirmingRoles: ReadonlySet<OfficerRole> = new Set(['supervisor', 'admin']);

export class MongoApprovalService implements ApprovalService {
  constructor(private readonly options: ApprovalServiceOptions) {}

  async officer(slackUserId: string): Promise<OfficerView | undefined> {
    const row = await this.options.models.officers.findOne({ slackUserId, active: true }).lean();
    if (!row) return undefined;
    return {
      slackUserId: row.slackUserId,
      name: row.name,
      role: row.role,
      approvalLimit: decimalToNumber(row.approvalLimit),
    };
  }

  async card(claimNumber: string): Promise<ClaimCard> {
    const row = await this.load(claimNumber);
    const claim = await this.options.claims.getByNumber(row.number);
    const [profile, policy, names] = await Promise.all([
      this.options.customers.getProfile(claim.customerId).catch(() => undefined),
      this.options.policies.getByNumber(claim.policyNumber).catch(() => undefined),
      this.names(row),
    ]);
    const last = claim.statusHistory.at(-1);
    return {
      claim,
      customerName: profile ? `${profile.firstName} ${profile.lastName}` : 'Unknown customer',
      ...(policy
        ? {
            policy: {
              number: policy.number,
              insurer: policy.insurer,
              policyType: policy.policyType,
              coverages: policy.coverages,
            },
          }
        : {}),
      approvals: this.pending(row).map((approval) => ({
        decision: approval.decision as PendingApproval['decision'],
        officer: { slackUserId: approval.officer, name: names.get(approval.officer) ?? approval.officer },
        ...(approval.amount ? { amount: decimalToNumber(approval.amount) } : {}),
        ...(approval.reason ? { reason: approval.reason } : {}),
        at: approval.at,
      })),
      ...(last && last.actor.type === 'officer'
        ? {
            lastMove: {
              status: last.to,
              by: names.get(last.actor.id) ?? last.actor.id,
              at: last.at,
              ...(last.reason ? { reason: last.reason } : {}),
            },
          }
        : {}),
      state: stateOf(row),
      ...(row.slackCard ? { slackCard: { channel: row.slackCard.channel, ts: row.slackCard.ts } } : {}),
    };
  }

  async current(claimNumber: string, shownState: string): Promise<ClaimCard> {
    const row = await this.load(claimNumber);
    await this.checkShown(row, parseInput(stateSchema, shownState));
    return this.card(row.number);
  }

  async approve(input: {
    claimNumber: string;
    actor: Actor;
    shownState: string;
    amount?: number;
    note?: string;
  }): Promise<DecisionOutcome> {
    const { row, officer, actor } = await this.prepare(input);
    const claimed = decimalToNumber(row.amountClaimed);
    const amount = input.amount === undefined ? claimed : parseInput(amountSchema, input.amount);
    if (amount > claimed) throw invalidField('amount', 'is more than the amount claimed');
    const note = input.note?.trim() ? parseInput(reasonSchema, input.note) : undefined;
    return this.decide(row, officer, actor, 'approve', claimed, {
      amount,
      reason: [`Approved amount ${formatAmount(amount, row.currency)}.`, note].filter(Boolean).join(' '),
    });
  }

  async deny(input: {
    claimNumber: string;
    actor: Actor;
    shownState: string;
    reason: string;
  }): Promise<DecisionOutcome> {
    const reason = parseInput(reasonSchema, input.reason);
    const { row, officer, actor } = await this.prepare(input);
    return this.decide(row, officer, actor, 'deny', decimalToNumber(row.amountClaimed), { reason });
  }

  async requestInfo(input: {
    claimNumber: string;
    actor: Actor;
    shownState: string;
    message: string;
  }): Promise<DecisionOutcome> {
    const message = parseInput(reasonSchema, input.message);
    const { row, actor } = await this.prepare(input);
    const moved = await this.options.claims.transition(row.number, 'info_requested', actor, message);
    return { outcome: 'moved', number: moved.number, status: moved.status };
  }

  async assignToMe(input: { claimNumber: string; actor: Actor; shownState: string }): Promise<ClaimView> {
    const actor = parseInput(actorInputSchema, input.actor);
    const row = await this.load(input.claimNumber);
    await this.checkShown(row, parseInput(stateSchema, input.shownState));
    return this.options.claims.assign(row.number, actor.id, actor);
  }

  async assignTo(input: { claimNumber: string; actor: Actor; assignee: string }): Promise<ClaimView> {
    const actor = parseInput(actorInputSchema, input.actor);
    if (actor.type !== 'officer') throw new DomainError('forbidden', 'only officers assign claims');
    const officer = await activeOfficer(this.options.models, actor.id);
    if (!confirmingRoles.has(officer.role) && input.assignee !== officer.slackUserId) {
      throw new DomainError('forbidden', 'Only supervisors and admins assign claims to other officers.');
    }
    const assignee = await this.officer(parseInput(z.string().trim().min(1).max(30), input.assignee));
    if (!assignee) throw new DomainError('not_found', 'That person is not an active officer.');
    const row = await this.load(input.claimNumber);
    return this.options.claims.assign(row.number, assignee.slackUserId, actor);
  }

  async reply(input: { claimNumber: string; actor: Actor; text: string }): Promise<void> {
    await this.sendReply(input, false);
  }

  async replyInThread(input: {
    claimNumber: string;
    actor: Actor;
    text: string;
    files?: OfficerFile[];
  }): Promise<void> {
    await this.sendReply(input, true);
  }

  async awaitingAuthority(slackUserId: string, limit = 20): Promise<QueueItem[]> {
    const officer = await activeOfficer(this.options.models, slackUserId);
    if (!confirmingRoles.has(officer.role)) return [];
    const rows = await this.options.models.claims
      .find({ status: 'in_review', 'approvals.0': { $exists: true } })
      .sort({ updatedAt: 1 })
      .limit(limit * 2)
      .lean();
    const ceiling = decimalToNumber(officer.approvalLimit);
    return rows
      .filter((row) => {
        const pending = this.pending(row);
        return (
          pending.length > 0 &&
          !pending.some((approval) => approval.officer === slackUserId) &&
          decimalToNumber(row.amountClaimed) <= ceiling
        );
      })
      .slice(0, limit)
      .map((row) => ({
        number: row.number,
        status: row.status,
        type: row.type,
        amountClaimed: decimalToNumber(row.amountClaimed),
        currency: row.currency,
      }));
  }

  async claimByCard(card: { channel: string; ts: string }): Promise<string | undefined> {
    const row = await this.options.models.claims
      .findOne({ 'slackCard.channel': card.channel, 'slackCard.ts': card.ts })
      .select({ number: 1 })
      .lean();
    return row?.number;
  }

  private async sendReply(
    input: { claimNumber: string; actor: Actor; text: string; files?: OfficerFile[] },
    inThread: boolean,
  ): Promise<void> {
    const actor = parseInput(actorInputSchema, input.actor);
    const files = parseInput(officerFilesSchema, input.files);
    const text = parseInput(
      z
        .string()
        .trim()
        .min(files.length > 0 ? 0 : 1)
        .max(1000),
      input.text,
    );
    if (actor.type !== 'officer') throw new DomainError('forbidden', 'replies come from officers');
    await activeOfficer(this.options.models, actor.id);
    const row = await this.load(input.claimNumber);
    if (row.status === 'closed') throw new DomainError('conflict', `claim ${row.number} is closed`);
    const at = this.options.now();
    await this.write(row, {
      $push: {
        messages: keptMessage(actor.id, text, files, at),
        pendingEvents: pendingEvent({
          action: 'claim.message',
          actor,
          at,
          details: {
            number: row.number,
            from: 'officer',
            to: 'customer',
            ...(inThread ? { inThread } : {}),
            ...(files.length > 0 ? { files: files.length } : {}),
          },
          notify: {
            recipient: row.customer,
            template: 'claim.message',
            payload: {
              number: row.number,
              text,
              ...(files.length > 0 ? { files: linkedFiles(files) } : {}),
            },
          },
        }),
      },
    });
  }

  async showCard(input: { claimNumber: string; actor: Actor }): Promise<void> {
    const actor = parseInput(actorInputSchema, input.actor);
    if (actor.type === 'officer') await activeOfficer(this.options.models, actor.id);
    const row = await this.load(input.claimNumber);
    await this.write(row, {
      $push: {
        pendingEvents: pendingEvent({
          action: 'claim.card',
          actor,
          at: this.options.now(),
          details: { number: row.number },
        }),
      },
    });
  }

  async recordCard(claimNumber: string, card: { channel: string; ts: string }): Promise<void> {
    await this.options.models.claims.updateOne(
      { number: normalizeNumber(claimNumber) },
      { $set: { slackCard: { channel: card.channel, ts: card.ts } } },
      // Where the card is says nothing new about the claim.
      { timestamps: false },
    );
  }

  async queue(slackUserId: string, limit = 20): Promise<QueueItem[]> {
    const officer = await activeOfficer(this.options.models, slackUserId);
    const rows = await this.options.models.claims
      .find({
        status: { $in: ['in_review', 'info_requested'] },
        $or: [{ assignee: { $exists: false } }, { assignee: officer._id }],
      })
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean();
    return rows.map((row) => ({
      number: row.number,
      status: row.status,
      type: row.type,
      amountClaimed: decimalToNumber(row.amountClaimed),
      currency: row.currency,
      ...(row.assignee ? { assignee: officer.name } : {}),
    }));
  }

  /** Checks the actor, the claim's status and that the officer saw the claim as it is now. */
  private async prepare(input: { claimNumber: string; actor: Actor; shownState: string }) {
    const actor = parseInput(actorInputSchema, input.actor);
    const shown = parseInput(stateSchema, input.shownState);
    if (actor.type !== 'officer') throw new DomainError('forbidden', 'only officers decide on claims');
    const officer = await activeOfficer(this.options.models, actor.id);
    const row = await this.load(input.claimNumber);
    await this.checkShown(row, shown);
    if (row.status !== 'in_review') {
      throw new DomainError('invalid_transition', `claim ${row.number} is not in review`);
    }
    return { row, officer, actor };
  }

  /**
   * Moves the claim when the officer's authority covers the amount and, for a claim someone above
   * whose limit it is already decided on, the officer is a different, confirming one; otherwise records
   * the decision for a supervisor.
   */
  private async decide(
    row: ClaimRow,
    officer: Awaited<ReturnType<typeof activeOfficer>>,
    actor: Actor,
    decision: PendingApproval['decision'],
    claimed: number,
    record: { amount?: number; reason: string },
  ): Promise<DecisionOutcome> {
    const pending = this.pending(row);
    if (pending.some((approval) => approval.officer === officer.slackUserId)) {
      throw new DomainError(
        'forbidden',
        `claim ${row.number} needs a second, different officer: you have already decided on it`,
      );
    }
    const limit = decimalToNumber(officer.approvalLimit);
    const covers = claimed <= limit && (pending.length === 0 || confirmingRoles.has(officer.role));
    if (covers) {
      const to = decision === 'approve' ? 'approved' : 'denied';
      const moved = await this.options.claims.transition(row.number, to, actor, record.reason);
      return { outcome: 'moved', number: moved.number, status: moved.status };
    }
    const at = this.options.now();
    await this.write(
      row,
      {
        $push: {
          approvals: {
            decision,
            officer: officer.slackUserId,
            ...(record.amount === undefined ? {} : { amount: toDecimal(record.amount) }),
            reason: record.reason,
            at,
          },
          pendingEvents: pendingEvent({
            action: 'claim.approval',
            actor,
            at,
            details: { number: row.number, decision, awaiting: 'second_officer' },
          }),
        },
      },
      true,
    );
    return { outcome: 'awaiting_second_officer', number: row.number, status: row.status };
  }

  /** Writes `update` to the claim as it was read (else `conflict`) and drains its events. */
  private async write(row: ClaimRow, update: Record<string, unknown>, guarded = false): Promise<void> {
    const filter = guarded
      ? { _id: row._id, status: row.status, approvals: { $size: (row.approvals ?? []).length } }
      : { _id: row._id };
    const result = await this.options.models.claims.updateOne(filter, update, { runValidators: true });
    if (result.matchedCount === 0) {
      throw new DomainError('conflict', `claim ${row.number} was changed meanwhile; reload and try again`);
    }
    await this.options.events.drain(this.options.models.claims.collection.collectionName, row._id);
  }

  /** Refuses a decision taken on a card that no longer shows the claim as it is, saying who changed it. */
  private async checkShown(row: ClaimRow, shown: string): Promise<void> {
    if (stateOf(row) === shown) return;
    const names = await this.names(row);
    const [shownStatus, shownPending] = shown.split(':');
    const last = row.statusHistory.at(-1);
    const pending = this.pending(row);
    const by = (id: string | undefined) => (id && names.get(id)) ?? 'another officer';
    let what: string;
    if (shownStatus !== row.status) {
      what = `already ${words[row.status]}${last?.actor.type === 'officer' ? ` by ${by(last.actor.id)}` : ''}`;
    } else if (Number(shownPending) !== pending.length && pending.length > 0) {
      const latest = pending.at(-1)!;
      what = `already ${latest.decision === 'approve' ? 'approved' : 'denied'} by ${by(latest.officer)}, waiting for a second officer`;
    } else {
      const assignee = row.assignee
        ? await this.options.models.officers.findById(row.assignee).select({ name: 1 }).lean()
        : null;
      what = `already assigned to ${assignee?.name ?? 'another officer'}`;
    }
    throw new DomainError('conflict', `Claim ${row.number} was ${what}.`, { status: row.status });
  }

  /** Decisions given since the claim entered its current status. */
  private pending(row: ClaimRow) {
    const since = row.statusHistory.at(-1)?.at ?? new Date(0);
    return (row.approvals ?? []).filter((approval) => approval.at >= since);
  }

  /** Names of the officers a claim's history and pending decisions mention. */
  private async names(row: ClaimRow): Promise<Map<string, string>> {
    const ids = new Set<string>();
    for (const change of row.statusHistory) if (change.actor.type === 'officer') ids.add(change.actor.id);
    for (const approval of row.approvals ?? []) ids.add(approval.officer);
    if (ids.size === 0) return new Map();
    const officers = await this.options.models.officers
      .find({ slackUserId: { $in: [...ids] } })
      .select({ slackUserId: 1, name: 1 })
      .lean();
    return new Map(officers.map((officer) => [officer.slackUserId, officer.name]));
  }

  private async load(claimNumber: string): Promise<ClaimRow> {
    const row = await this.options.models.claims.findOne({ number: normalizeNumber(claimNumber) }).lean();
    if (!row) throw new DomainError('not_found', 'claim not found');
    return row;
  }
}

const words: Record<ClaimView['status'], string> = {
  submitted: 'moved back to submitted',
  in_review: 'moved back to review',
  info_requested: 'sent back to the customer for information',
  approved: 'approved',
  denied: 'denied',
  paid: 'paid',
  closed: 'closed',
};

/** The state a card shows: the status and how many decisions wait for a second officer. */
function stateOf(row: ClaimRow): string {
  const since = row.statusHistory.at(-1)?.at ?? new Date(0);
  const pending = (row.approvals ?? []).filter((approval) => approval.at >= since).length;
  return `${row.status}:${pending}:${idOf(row.assignee ?? '-')}`;
}

export function formatAmount(amount: number, currency: string): string {
  return formatCurrency(amount, currency);
}

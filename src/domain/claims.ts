import type { UpdateQuery } from 'mongoose';
import { z } from 'zod';
import type { ClaimStatus, LeanDoc, Models } from '../db/models/index.js';
import { claimStatuses } from '../db/models/index.js';
import { activeOfficer, actorInputSchema, type Actor } from './actor.js';
import { DomainError } from './errors.js';
import { Lifecycle, pendingEvent, type EventDrain, type TransitionTable } from './lifecycle.js';
import {
  asDomainError,
  decimalToNumber,
  idOf,
  invalidField,
  parseInput,
  parseObjectId,
  toDecimal,
  toStatusChange,
  type StatusChange,
} from './mapping.js';
import { claimNumbers, type NumberAllocator } from './numbers.js';
import { findOwnPolicy, normalizeNumber } from './policies.js';

/**
 * The claim lifecycle: for each status, the statuses it may move to and who may move it there.
 * Approving and denying are decisions only an officer makes; a customer may withdraw a claim that no
 * one has looked at yet and answer a request for information.
 */
export const claimTransitions: TransitionTable<ClaimStatus> = {
  submitted: { in_review: ['officer', 'system'], closed: ['customer', 'officer'] },
  in_review: { info_requested: ['officer'], approved: ['officer'], denied: ['officer'] },
  info_requested: { in_review: ['customer', 'officer', 'system'], closed: ['officer', 'system'] },
  approved: { paid: ['officer', 'system'], closed: ['officer', 'system'] },
  denied: { closed: ['customer', 'officer', 'system'] },
  paid: { closed: ['officer', 'system'] },
  closed: {},
};

/** Moves the customer must be told the reason for. */
const reasonRequired: ReadonlySet<ClaimStatus> = new Set(['info_requested', 'denied']);

const attachmentInputSchema = z.object({
  fileId: z.string().trim().min(1),
  name: z.string().trim().min(1).max(255),
  contentType: z
    .string()
    .trim()
    .regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type'),
  size: z.number().int().nonnegative(),
});
export type ClaimAttachmentInput = z.infer<typeof attachmentInputSchema>;

const claimStatusSchema = z.enum(claimStatuses);
const messageTextSchema = z.string().trim().min(1).max(4000);

export const newClaimSchema = z.object({
  customerId: z.string().trim().min(1),
  policyNumber: z.string().trim().min(1),
  incidentDate: z.coerce.date(),
  type: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z][a-z_]{1,39}$/, 'must be a short word such as collision or water_damage'),
  description: z.string().trim().min(3).max(4000),
  location: z.string().trim().min(1).max(300).optional(),
  amountClaimed: z.number().finite().nonnegative().max(1_000_000_000),
  attachments: z.array(attachmentInputSchema).max(20).default([]),
});
export type NewClaim = z.input<typeof newClaimSchema>;

export type ClaimStatusChange = StatusChange<ClaimStatus>;

/** A claim as services return it. Amounts are numbers in `currency` units. */
export interface ClaimView {
  id: string;
  number: string;
  policyNumber: string;
  customerId: string;
  incidentDate: Date;
  type: string;
  description: string;
  location?: string;
  amountClaimed: number;
  currency: string;
  status: ClaimStatus;
  assignee?: { slackUserId: string; name: string };
  attachments: (ClaimAttachmentInput & { uploadedAt: Date })[];
  statusHistory: ClaimStatusChange[];
  messages: { from: 'customer' | 'officer'; author: string; text: string; at: Date }[];
  createdAt: Date;
  updatedAt: Date;
}

export type ClaimSummary = Pick<
  ClaimView,
  | 'number'
  | 'policyNumber'
  | 'type'
  | 'status'
  | 'amountClaimed'
  | 'currency'
  | 'incidentDate'
  | 'createdAt'
  | 'updatedAt'
>;

/** Filing and working claims. Every state change goes through here and leaves an audit entry. */
export interface ClaimService {
  /** Files a claim on one of the customer's own policies, numbered `CLM-NNNNNN`. */
  create(input: NewClaim, actor: Actor): Promise<ClaimView>;
  /** A claim by number, only if it is the customer's; otherwise `not_found`. */
  getForCustomer(customerId: string, claimNumber: string): Promise<ClaimView>;
  /** The customer's claims, newest first. */
  listForCustomer(customerId: string): Promise<ClaimSummary[]>;
  /** A claim by number, for officers. */
  getByNumber(claimNumber: string): Promise<ClaimView>;
  /**
   * Moves a claim along the lifecycle (`claimTransitions`). Refuses moves the table does not allow
   * (`invalid_transition`), actors it does not allow (`forbidden`), approvals above the officer's
   * limit (`forbidden`) and a claim changed by someone else meanwhile (`conflict`).
   */
  transition(claimNumber: string, to: ClaimStatus, actor: Actor, reason?: string): Promise<ClaimView>;
  /** Gives the claim to an active officer, by Slack user id. */
  assign(claimNumber: string, officerSlackUserId: string, actor: Actor): Promise<ClaimView>;
  /** Adds to the thread between customer and officer; the author is the actor. */
  addMessage(claimNumber: string, text: string, actor: Actor): Promise<ClaimView>;
  addAttachment(claimNumber: string, attachment: ClaimAttachmentInput, actor: Actor): Promise<ClaimView>;
}

type ClaimRow = LeanDoc<Models['claims']>;

/** What {@link MongoClaimService} is built from. */
export interface ClaimServiceOptions {
  models: Pick<Models, 'claims' | 'policies' | 'officers'>;
  numbers: NumberAllocator;
  /** Drains the audit entries and notifications each change records. */
  events: EventDrain;
  now: () => Date;
}

export class MongoClaimService implements ClaimService {
  private readonly models: ClaimServiceOptions['models'];
  private readonly numbers: NumberAllocator;
  private readonly events: EventDrain;
  private readonly now: () => Date;
  private readonly lifecycle: Lifecycle<ClaimStatus, ClaimRow>;

  constructor(options: ClaimServiceOptions) {
    this.models = options.models;
    this.numbers = options.numbers;
    this.events = options.events;
    this.now = options.now;
    const claims = options.models.claims;
    this.lifecycle = new Lifecycle<ClaimStatus, ClaimRow>({
      noun: 'claim',
      action: 'claim.transition',
      collection: claims.collection.collectionName,
      historyField: 'statusHistory',
      table: claimTransitions,
      models: options.models,
      events: options.events,
      now: options.now,
      update: (filter, update) =>
        claims.findOneAndUpdate(filter, update, { returnDocument: 'after', runValidators: true }).lean(),
      authorize: (claim, to, _actor, reason, officer) => {
        if (reasonRequired.has(to) && !reason) {
          throw invalidField('reason', `is required to move a claim to ${to}`);
        }
        const amount = decimalToNumber(claim.amountClaimed);
        if (officer && to === 'approved' && amount > decimalToNumber(officer.approvalLimit)) {
          throw new DomainError('forbidden', `claim ${claim.number} exceeds the officer's approval limit`, {
            amount,
          });
        }
      },
      notice: (claim, to, reason, actor) =>
        actor.type === 'customer'
          ? undefined
          : {
              recipient: claim.customer,
              template: 'claim.status',
              payload: { number: claim.number, status: to, ...(reasonRequired.has(to) ? { reason } : {}) },
            },
    });
  }

  /**
   * Applies `update` to the claim together with the pending event of the change, and drains it: the
   * change and its audit entry are one write.
   */
  private async change(
    claim: ClaimRow,
    update: UpdateQuery<ClaimRow>,
    event: Parameters<typeof pendingEvent>[0],
  ): Promise<ClaimRow> {
    const updated = await this.models.claims
      .findOneAndUpdate(
        { _id: claim._id },
        { ...update, $push: { ...update.$push, pendingEvents: pendingEvent(event) } },
        { returnDocument: 'after', runValidators: true },
      )
      .lean();
    if (!updated) throw new DomainError('not_found', 'claim not found');
    await this.events.drain(this.models.claims.collection.collectionName, claim._id);
    return updated;
  }

  async create(input: NewClaim, actor: Actor): Promise<ClaimView> {
    const data = parseInput(newClaimSchema, input);
    const who = parseInput(actorInputSchema, actor);
    const customer = parseObjectId(data.customerId, 'customer');
    if (who.type === 'customer' && who.id !== data.customerId) {
      throw new DomainError('forbidden', 'a customer can only file claims on their own policies');
    }
    const policy = await findOwnPolicy(this.models, customer, data.policyNumber);
    const now = this.now();
    if (data.incidentDate.getTime() > now.getTime()) {
      throw invalidField('incidentDate', 'is in the future');
    }
    if (data.incidentDate < policy.startDate || data.incidentDate > policy.endDate) {
      throw invalidField('incidentDate', 'is outside the policy period');
    }
    try {
      const created = await this.numbers.insertWithNumber(claimNumbers, this.models.claims, (number) =>
        this.models.claims.create({
          number,
          policy: policy._id,
          customer,
          incidentDate: data.incidentDate,
          type: data.type,
          description: data.description,
          location: data.location,
          amountClaimed: toDecimal(data.amountClaimed),
          currency: policy.premium.currency,
          attachments: data.attachments.map((attachment) => ({ ...attachment, uploadedAt: now })),
          status: 'submitted',
          statusHistory: [
            { to: 'submitted', actor: { type: who.type, id: who.id }, reason: 'claim filed', at: now },
          ],
          pendingEvents: [
            pendingEvent({
              action: 'claim.create',
              actor: who,
              at: now,
              details: { number, policyNumber: policy.number, to: 'submitted' },
            }),
          ],
        }),
      );
      await this.events.drain(this.models.claims.collection.collectionName, created._id);
      return this.toView(created.toObject());
    } catch (error) {
      throw asDomainError(error);
    }
  }

  async getForCustomer(customerId: string, claimNumber: string): Promise<ClaimView> {
    const customer = parseObjectId(customerId, 'customer');
    const row = await this.models.claims.findOne({ number: normalizeNumber(claimNumber), customer }).lean();
    if (!row) throw new DomainError('not_found', 'claim not found');
    return this.toView(row);
  }

  async listForCustomer(customerId: string): Promise<ClaimSummary[]> {
    const customer = parseObjectId(customerId, 'customer');
    const rows = await this.models.claims.find({ customer }).sort({ createdAt: -1, number: -1 }).lean();
    const policyIds = [...new Set(rows.map((row) => idOf(row.policy)))];
    const policies = await this.models.policies
      .find({ _id: { $in: policyIds } })
      .select({ number: 1 })
      .lean();
    const numbers = new Map(policies.map((policy) => [idOf(policy._id), policy.number]));
    return rows.map((row) => ({
      number: row.number,
      policyNumber: numbers.get(idOf(row.policy)) ?? '',
      type: row.type,
      status: row.status,
      amountClaimed: decimalToNumber(row.amountClaimed),
      currency: row.currency,
      incidentDate: row.incidentDate,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    }));
  }

  async getByNumber(claimNumber: string): Promise<ClaimView> {
    return this.toView(await this.load(claimNumber));
  }

  async transition(claimNumber: string, to: ClaimStatus, actor: Actor, reason?: string): Promise<ClaimView> {
    const who = parseInput(actorInputSchema, actor);
    const target = parseInput(claimStatusSchema, to);
    const claim = await this.load(claimNumber);
    this.checkOwnership(claim, who);
    return this.toView(await this.lifecycle.move(claim, target, who, reason?.trim() || undefined));
  }

  async assign(claimNumber: string, officerSlackUserId: string, actor: Actor): Promise<ClaimView> {
    const who = parseInput(actorInputSchema, actor);
    if (who.type === 'customer') throw new DomainError('forbidden', 'a customer cannot assign claims');
    if (who.type === 'officer') await activeOfficer(this.models, who.id);
    const claim = await this.load(claimNumber);
    if (claim.status === 'closed') {
      throw new DomainError('conflict', `claim ${claim.number} is closed`);
    }
    const officer = await activeOfficer(this.models, officerSlackUserId);
    const updated = await this.change(
      claim,
      { $set: { assignee: officer._id } },
      {
        action: 'claim.assign',
        actor: who,
        at: this.now(),
        details: { number: claim.number, assignee: officer.slackUserId },
      },
    );
    return this.toView(updated);
  }

  async addMessage(claimNumber: string, text: string, actor: Actor): Promise<ClaimView> {
    const who = parseInput(actorInputSchema, actor);
    const body = parseInput(messageTextSchema, text);
    if (who.type === 'system')
      throw new DomainError('forbidden', 'messages come from a customer or an officer');
    const claim = await this.load(claimNumber);
    this.checkOwnership(claim, who);
    if (who.type === 'officer') await activeOfficer(this.models, who.id);
    if (claim.status === 'closed') throw new DomainError('conflict', `claim ${claim.number} is closed`);
    const at = this.now();
    const updated = await this.change(
      claim,
      { $push: { messages: { from: who.type, author: who.id, text: body, at } } },
      { action: 'claim.message', actor: who, at, details: { number: claim.number, from: who.type } },
    );
    return this.toView(updated);
  }

  async addAttachment(
    claimNumber: string,
    attachment: ClaimAttachmentInput,
    actor: Actor,
  ): Promise<ClaimView> {
    const who = parseInput(actorInputSchema, actor);
    const file = parseInput(attachmentInputSchema, attachment);
    const claim = await this.load(claimNumber);
    this.checkOwnership(claim, who);
    if (claim.status === 'closed') throw new DomainError('conflict', `claim ${claim.number} is closed`);
    const at = this.now();
    const updated = await this.change(
      claim,
      { $push: { attachments: { ...file, uploadedAt: at } } },
      {
        action: 'claim.attach',
        actor: who,
        at,
        details: {
          number: claim.number,
          fileId: file.fileId,
          contentType: file.contentType,
          size: file.size,
        },
      },
    );
    return this.toView(updated);
  }

  private async load(claimNumber: string): Promise<ClaimRow> {
    const row = await this.models.claims.findOne({ number: normalizeNumber(claimNumber) }).lean();
    if (!row) throw new DomainError('not_found', 'claim not found');
    return row;
  }

  /** A customer acting on someone else's claim is told it does not exist. */
  private checkOwnership(claim: ClaimRow, actor: Actor): void {
    if (actor.type === 'customer' && idOf(claim.customer) !== actor.id) {
      throw new DomainError('not_found', 'claim not found');
    }
  }

  private async toView(row: ClaimRow): Promise<ClaimView> {
    const [policy, officer] = await Promise.all([
      this.models.policies.findById(row.policy).select({ number: 1 }).lean(),
      row.assignee
        ? this.models.officers.findById(row.assignee).select({ slackUserId: 1, name: 1 }).lean()
        : Promise.resolve(null),
    ]);
    return {
      id: idOf(row._id),
      number: row.number,
      policyNumber: policy?.number ?? '',
      customerId: idOf(row.customer),
      incidentDate: row.incidentDate,
      type: row.type,
      description: row.description,
      ...(row.location ? { location: row.location } : {}),
      amountClaimed: decimalToNumber(row.amountClaimed),
      currency: row.currency,
      status: row.status,
      ...(officer ? { assignee: { slackUserId: officer.slackUserId, name: officer.name } } : {}),
      attachments: row.attachments.map((file) => ({
        fileId: file.fileId,
        name: file.name,
        contentType: file.contentType,
        size: file.size,
        uploadedAt: file.uploadedAt,
      })),
      statusHistory: row.statusHistory.map(toStatusChange),
      messages: row.messages.map((message) => ({
        from: message.from,
        author: message.author,
        text: message.text,
        at: message.at,
      })),
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }
}

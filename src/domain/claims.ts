import type { Types, UpdateQuery } from 'mongoose';
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
import { fileEvidenceSchema } from '../files/evidence.js';
import {
  checklistFor,
  claimable,
  coverageFor,
  coverageIncreases,
  inGracePeriod,
  instantDecisionBlockers,
  instantDecisionRule,
  fileSignalCodes,
  payoutFor,
  photoSignals,
  riskSignalsFor,
  type ChecklistItem,
  type ClaimCoverage,
  type ClaimTypeInfo,
  type CoverageChange,
  type RiskSignal,
} from './claim-rules.js';
import { claimNumbers, type NumberAllocator } from './numbers.js';
import { findOwnPolicy, normalizeNumber } from './policies.js';
import { resolveLocation, type ResolvedPlace } from './places.js';

/**
 * The claim lifecycle: for each status, the statuses it may move to and who may move it there.
 * Approving and denying are decisions only an officer makes; a customer may withdraw a claim that no
 * one has looked at yet and answer a request for information.
 */
export const claimTransitions: TransitionTable<ClaimStatus> = {
  // The system approves only by the instant-decision rule (see `MongoClaimService.file`).
  submitted: { in_review: ['officer', 'system'], approved: ['system'], closed: ['customer', 'officer'] },
  in_review: {
    info_requested: ['officer'],
    approved: ['officer'],
    denied: ['officer'],
    // Only while no officer has touched it: see `untouched`.
    closed: ['customer'],
  },
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
  /** The required document (checklist item code) this file is for. */
  checklistItem: z
    .string()
    .regex(/^[a-z][a-z_]{1,39}$/)
    .optional(),
  /** What the file store's evidence checks found (`StoredFile.evidence`). */
  evidence: fileEvidenceSchema.optional(),
});
export type ClaimAttachmentInput = z.input<typeof attachmentInputSchema>;

const claimDetailsSchema = z
  .object({
    incidentTime: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:mm')
      .optional(),
    policeAttended: z.boolean().optional(),
    policeReportNumber: z.string().trim().min(1).max(60).optional(),
    otherParties: z.string().trim().min(1).max(1000).optional(),
    injuries: z.string().trim().min(1).max(1000).optional(),
    provider: z.string().trim().min(1).max(300).optional(),
  })
  .strict();
export type ClaimDetailsInput = z.infer<typeof claimDetailsSchema>;

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
  /** What happened in the customer's words; the claim type's name when they gave none. */
  description: z.string().trim().min(3).max(4000).optional(),
  location: z.string().trim().min(1).max(300).optional(),
  amountClaimed: z.number().finite().nonnegative().max(1_000_000_000),
  attachments: z.array(attachmentInputSchema).max(20).default([]),
  details: claimDetailsSchema.default({}),
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
  /** Files with what the evidence checks found; `alsoOnClaims` names other claims with the same file. */
  attachments: ClaimAttachmentView[];
  /** Time, police, other parties, injuries, provider: what applies to the claim's line. */
  details: ClaimDetailsInput;
  /** The coverage the claim falls under with its limit and deductible, or `applies: false`. */
  coverage: ClaimCoverage;
  /** The required documents of the claim's type and whether the claim has each. */
  checklist: ChecklistItem[];
  /** What an officer should look at; never a decision. */
  riskSignals: RiskSignal[];
  /** Set when the system approved the claim by the instant-decision rule. */
  decision?: { rule: string; payout: number; at: Date };
  statusHistory: ClaimStatusChange[];
  messages: { from: 'customer' | 'officer'; author: string; text: string; at: Date }[];
  createdAt: Date;
  updatedAt: Date;
}

/** One attached file as a claim shows it. */
export interface ClaimAttachmentView {
  fileId: string;
  name: string;
  contentType: string;
  size: number;
  uploadedAt: Date;
  checklistItem?: string;
  evidence?: {
    sha256: string;
    capturedAt?: Date;
    gps?: { latitude: number; longitude: number };
    camera?: string;
    alsoOnClaims?: string[];
  };
}

/** A claim type as a customer may choose it on one policy, with the coverage that would apply. */
export interface ClaimTypeOption extends ClaimTypeInfo {
  coverageOnPolicy: ClaimCoverage;
}

/** A policy the customer may file on, with what can be claimed on it. */
export interface ClaimablePolicy {
  number: string;
  typeName: string;
  lineOfBusiness: string;
  startDate: Date;
  endDate: Date;
  currency: string;
  /** A premium is overdue but the policy still covers. */
  inGracePeriod: boolean;
  claimTypes: ClaimTypeOption[];
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
  /** The customer's own active or in-grace policies, with the claim types each accepts. */
  claimablePolicies(customerId: string): Promise<ClaimablePolicy[]>;
  /**
   * Files a claim and decides its route at once: approved by the system when the instant-decision rule
   * allows (eligible type, amount within its limit, every required document, coverage applies, no risk
   * signal), otherwise moved to `in_review` for an officer. The policy must be active or in its grace
   * period (`conflict` otherwise), as in {@link claimablePolicies}.
   */
  file(input: NewClaim, actor: Actor): Promise<ClaimView>;
  /** Adds documents to an open claim; the checklist and risk signals follow. */
  addDocuments(claimNumber: string, attachments: ClaimAttachmentInput[], actor: Actor): Promise<ClaimView>;
  /** Answers an officer's request for information (text and files) and sends the claim back to review. */
  answerInfoRequest(
    claimNumber: string,
    answer: { text: string; attachments?: ClaimAttachmentInput[] },
    actor: Actor,
  ): Promise<ClaimView>;
  /** Withdraws a claim no officer has looked at yet (`conflict` otherwise). */
  withdraw(claimNumber: string, actor: Actor): Promise<ClaimView>;
}

/** The system actor of the decision made as a claim is filed. */
export const triageActor: Actor = { type: 'system', id: 'claims-triage' };

/** Statuses a customer may still add documents in. */
const openStatuses: ReadonlySet<ClaimStatus> = new Set([
  'submitted',
  'in_review',
  'info_requested',
  'approved',
]);

/** Whether a claim in `status` still takes documents from its customer. */
export function acceptsDocuments(status: ClaimStatus): boolean {
  return openStatuses.has(status);
}

type ClaimRow = LeanDoc<Models['claims']>;

/** What {@link MongoClaimService} is built from. */
export interface ClaimServiceOptions {
  models: Pick<Models, 'claims' | 'policies' | 'officers' | 'policyTypes' | 'customers'>;
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
      authorize: (claim, to, actor, reason, officer) => {
        if (
          actor.type === 'customer' &&
          claim.status === 'in_review' &&
          to === 'closed' &&
          !untouched(claim)
        ) {
          throw new DomainError(
            'conflict',
            `claim ${claim.number} is being reviewed and can no longer be withdrawn`,
          );
        }
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
      // The customer hears of the decision made while filing in that same conversation.
      notice: (claim, to, reason, actor) =>
        actor.type === 'customer' || (actor.type === 'system' && actor.id === triageActor.id)
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
    const { row, policyNumber } = await this.insert(input, actor, { triage: false });
    return this.toView(row, policyNumber);
  }

  /**
   * Stores the claim, submitted, and drains its events. With `triage` (a customer's filing) the policy
   * must be claimable, and the claim is stored already moved on to its triage outcome (approved by the
   * instant-decision rule, else in review): the filing and its first move are one write and one drain,
   * as filing is the busiest turn of the conversation.
   */
  private async insert(
    input: NewClaim,
    actor: Actor,
    options: { triage: boolean },
  ): Promise<{ row: ClaimRow; policyNumber: string }> {
    const data = parseInput(newClaimSchema, input);
    const who = parseInput(actorInputSchema, actor);
    const customer = parseObjectId(data.customerId, 'customer');
    if (who.type === 'customer' && who.id !== data.customerId) {
      throw new DomainError('forbidden', 'a customer can only file claims on their own policies');
    }
    const policy = await findOwnPolicy(this.models, customer, data.policyNumber);
    const now = this.now();
    if (options.triage && !claimable(policy, now)) {
      throw new DomainError('conflict', `policy ${policy.number} is not active`);
    }
    if (data.incidentDate.getTime() > now.getTime()) {
      throw invalidField('incidentDate', 'is in the future');
    }
    if (data.incidentDate < policy.startDate || data.incidentDate > policy.endDate) {
      throw invalidField('incidentDate', 'is outside the policy period');
    }
    const yearAgo = new Date(now.getTime() - 365 * 86_400_000);
    // Independent reads, and the claim's number, at once: filing is the busiest turn of the conversation.
    const [{ type, locationPosition }, attachments, claimsInLastYear, firstNumber] = await Promise.all([
      this.claimContext(policy.policyType, customer, data.type, data.location),
      this.withDuplicates(data.attachments, undefined),
      this.models.claims.countDocuments({ customer, createdAt: { $gte: yearAgo } }),
      this.numbers.next(claimNumbers),
    ]);
    const coverage = coverageFor(type, policyCoverages(policy));
    const checklist = checklistFor(type, attachments, data.details);
    const riskSignals = riskSignalsFor({
      incidentDate: data.incidentDate,
      amount: data.amountClaimed,
      coverage,
      policy,
      coverageIncreases: coverageIncreases(
        policyCoverageChanges(policy),
        coverage.applies ? coverage.name : undefined,
      ),
      claimsInLastYear,
      attachments,
      locationPosition,
      now,
    });
    const blockers = instantDecisionBlockers({
      type,
      amount: data.amountClaimed,
      checklist,
      coverage,
      riskSignals,
    });
    try {
      const { claim, events } = await this.numbers.insertWithNumber(
        claimNumbers,
        this.models.claims,
        async (number) => {
          const events = [
            pendingEvent({
              action: 'claim.create',
              actor: who,
              at: now,
              details: {
                number,
                policyNumber: policy.number,
                to: 'submitted',
                riskSignals: riskSignals.map((signal) => signal.code),
              },
            }),
          ];
          const claim = new this.models.claims({
            number,
            policy: policy._id,
            customer,
            incidentDate: data.incidentDate,
            type: data.type,
            description: data.description ?? type?.name ?? data.type,
            location: data.location,
            amountClaimed: toDecimal(data.amountClaimed),
            currency: policy.premium.currency,
            attachments: attachments.map((attachment) => ({ ...attachment, uploadedAt: now })),
            details: data.details,
            coverage: storedCoverage(coverage),
            checklist,
            riskSignals,
            ...(blockers.length === 0
              ? {
                  decision: {
                    rule: instantDecisionRule,
                    payout: toDecimal(payoutFor(coverage, data.amountClaimed)),
                    at: now,
                  },
                }
              : {}),
            status: 'submitted',
            statusHistory: [
              { to: 'submitted', actor: { type: who.type, id: who.id }, reason: 'claim filed', at: now },
            ],
            pendingEvents: events,
          });
          if (options.triage) {
            const decided = blockers.length === 0;
            const { change, event } = await this.lifecycle.plan(
              claim.toObject(),
              decided ? 'approved' : 'in_review',
              triageActor,
              decided
                ? `${instantDecisionRule}: eligible type within its limit, documents complete, covered, no risk signals`
                : 'waiting for a claims officer',
            );
            claim.status = change.to;
            claim.statusHistory.push(change);
            claim.pendingEvents.push(event);
            events.push(event);
          }
          return { claim: await claim.save(), events };
        },
        firstNumber,
      );
      await this.events.drain(this.models.claims.collection.collectionName, {
        _id: claim._id,
        customer,
        pendingEvents: events,
      });
      return { row: claim.toObject(), policyNumber: policy.number };
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
    const [checked] = await this.withDuplicates([file], claim._id);
    const attachments = [...claim.attachments.map(toAttachmentView), checked!];
    const policy = await this.models.policies.findById(claim.policy).select({ policyType: 1 }).lean();
    const { type, locationPosition } = policy
      ? await this.claimContext(policy.policyType, claim.customer, claim.type, claim.location ?? undefined)
      : {};
    const checklist = checklistFor(type, attachments, toDetails(claim.details));
    const duplicate = duplicateSignal(attachments);
    // The file signals follow the files; the others keep what they said when the claim was filed.
    const riskSignals = [
      ...claim.riskSignals.filter((signal) => !fileSignalCodes.has(signal.code)),
      ...(duplicate ? [duplicate] : []),
      ...photoSignals({
        incidentDate: claim.incidentDate,
        attachments,
        locationPosition,
      }),
    ];
    const updated = await this.change(
      claim,
      { $push: { attachments: { ...checked!, uploadedAt: at } }, $set: { checklist, riskSignals } },
      {
        action: 'claim.attach',
        actor: who,
        at,
        details: {
          number: claim.number,
          fileId: file.fileId,
          contentType: file.contentType,
          size: file.size,
          ...(checked!.evidence?.alsoOnClaims ? { alsoOnClaims: checked!.evidence.alsoOnClaims } : {}),
        },
      },
    );
    return this.toView(updated);
  }

  async claimablePolicies(customerId: string): Promise<ClaimablePolicy[]> {
    const holder = parseObjectId(customerId, 'customer');
    const now = this.now();
    const policies = await this.models.policies.find({ holder }).sort({ number: 1 }).lean();
    const open = policies.filter((policy) => claimable(policy, now) && policy.startDate <= now);
    const types = await this.models.policyTypes
      .find({ _id: { $in: open.map((policy) => policy.policyType) } })
      .lean();
    const byId = new Map(types.map((type) => [idOf(type._id), type]));
    return open.flatMap((policy) => {
      const type = byId.get(idOf(policy.policyType));
      if (!type) return [];
      const coverages = policyCoverages(policy);
      return [
        {
          number: policy.number,
          typeName: type.name,
          lineOfBusiness: type.lineOfBusiness,
          startDate: policy.startDate,
          endDate: policy.endDate,
          currency: policy.premium.currency,
          inGracePeriod: inGracePeriod(policy, now),
          claimTypes: type.claimTypes.map((claimType) => {
            const info = toClaimTypeInfo(claimType);
            return { ...info, coverageOnPolicy: coverageFor(info, coverages) };
          }),
        },
      ];
    });
  }

  async file(input: NewClaim, actor: Actor): Promise<ClaimView> {
    const { row, policyNumber } = await this.insert(input, actor, { triage: true });
    return this.toView(row, policyNumber);
  }

  async addDocuments(
    claimNumber: string,
    attachments: ClaimAttachmentInput[],
    actor: Actor,
  ): Promise<ClaimView> {
    const claim = await this.load(claimNumber);
    this.checkOwnership(claim, parseInput(actorInputSchema, actor));
    if (!openStatuses.has(claim.status)) {
      throw new DomainError(
        'conflict',
        `claim ${claim.number} is ${claim.status} and takes no more documents`,
      );
    }
    let view: ClaimView | undefined;
    for (const attachment of attachments) view = await this.addAttachment(claimNumber, attachment, actor);
    return view ?? this.toView(claim);
  }

  async answerInfoRequest(
    claimNumber: string,
    answer: { text: string; attachments?: ClaimAttachmentInput[] },
    actor: Actor,
  ): Promise<ClaimView> {
    const who = parseInput(actorInputSchema, actor);
    const claim = await this.load(claimNumber);
    this.checkOwnership(claim, who);
    if (claim.status !== 'info_requested') {
      throw new DomainError('conflict', `claim ${claim.number} is not waiting for information`);
    }
    await this.addMessage(claimNumber, answer.text, who);
    for (const attachment of answer.attachments ?? []) await this.addAttachment(claimNumber, attachment, who);
    return this.transition(claimNumber, 'in_review', who, 'customer answered the request for information');
  }

  async withdraw(claimNumber: string, actor: Actor): Promise<ClaimView> {
    return this.transition(claimNumber, 'closed', actor, 'withdrawn by the customer');
  }

  /**
   * What a claim of type `code` on a policy of `policyType` is checked against, read at once: the claim
   * type (undefined when the policy type has none such), and where the stated location is for the photo
   * position check: as typed or named, else the customer's address on file when the loss was at home
   * (always so on home and renters policies).
   */
  private async claimContext(
    policyType: Types.ObjectId,
    customer: Types.ObjectId,
    code: string,
    location: string | undefined,
  ): Promise<{ type?: ClaimTypeInfo; locationPosition?: ResolvedPlace }> {
    const [typeRow, holder] = await Promise.all([
      this.models.policyTypes.findById(policyType).select({ claimTypes: 1, lineOfBusiness: 1 }).lean(),
      this.models.customers.findById(customer).select({ address: 1 }).lean(),
    ]);
    const found = typeRow?.claimTypes.find((claimType) => claimType.code === code);
    const address = holder?.address;
    const locationPosition = resolveLocation(location, {
      ...(address
        ? { home: { city: address.city, ...(address.region ? { region: address.region } : {}) } }
        : {}),
      insuredAtHome: typeRow?.lineOfBusiness === 'home' || typeRow?.lineOfBusiness === 'renters',
    });
    return {
      ...(found ? { type: toClaimTypeInfo(found) } : {}),
      ...(locationPosition ? { locationPosition } : {}),
    };
  }

  /** `attachments` with, for each, the other claims a file with the same content is already on. */
  private async withDuplicates(
    attachments: z.output<typeof attachmentInputSchema>[],
    claimId: Types.ObjectId | undefined,
  ): Promise<ClaimAttachmentView[]> {
    const hashes = attachments.flatMap((file) => (file.evidence ? [file.evidence.sha256] : []));
    const others =
      hashes.length === 0
        ? []
        : await this.models.claims
            .find({
              'attachments.evidence.sha256': { $in: hashes },
              ...(claimId ? { _id: { $ne: claimId } } : {}),
            })
            .select({ number: 1, 'attachments.evidence.sha256': 1 })
            .lean();
    return attachments.map((file) => {
      const { evidence, ...rest } = file;
      if (!evidence) return { ...rest, uploadedAt: this.now() };
      const on = others
        .filter((other) => other.attachments.some((held) => held.evidence?.sha256 === evidence.sha256))
        .map((other) => other.number);
      return {
        ...rest,
        uploadedAt: this.now(),
        evidence: { ...evidence, ...(on.length > 0 ? { alsoOnClaims: on } : {}) },
      };
    });
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

  /** The view of `row`; `policyNumber` spares reading the policy when the caller has it at hand. */
  private async toView(row: ClaimRow, policyNumber?: string): Promise<ClaimView> {
    const [policy, officer] = await Promise.all([
      policyNumber !== undefined
        ? { number: policyNumber }
        : this.models.policies.findById(row.policy).select({ number: 1 }).lean(),
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
      attachments: row.attachments.map(toAttachmentView),
      details: toDetails(row.details),
      coverage: toCoverage(row.coverage),
      checklist: row.checklist.map((item) => ({
        code: item.code,
        label: item.label,
        satisfied: item.satisfied,
      })),
      riskSignals: row.riskSignals.map((signal) => ({ code: signal.code, message: signal.message })),
      ...(row.decision
        ? {
            decision: {
              rule: row.decision.rule,
              payout: decimalToNumber(row.decision.payout),
              at: row.decision.at,
            },
          }
        : {}),
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

/** No officer has been given, moved or written on the claim yet. */
function untouched(claim: ClaimRow): boolean {
  return (
    !claim.assignee &&
    claim.statusHistory.every((change) => change.actor.type !== 'officer') &&
    claim.messages.every((message) => message.from !== 'officer')
  );
}

function policyCoverages(policy: Pick<LeanDoc<Models['policies']>, 'coverages'>) {
  return policy.coverages.map((coverage) => ({
    name: coverage.name,
    limit: decimalToNumber(coverage.limit),
    deductible: decimalToNumber(coverage.deductible),
  }));
}

function policyCoverageChanges(
  policy: Pick<LeanDoc<Models['policies']>, 'coverageChanges'>,
): CoverageChange[] {
  return (policy.coverageChanges ?? []).map((change) => ({
    coverage: change.coverage,
    effectiveFrom: change.effectiveFrom,
    limit: decimalToNumber(change.limit),
    deductible: decimalToNumber(change.deductible),
    ...(change.previousLimit ? { previousLimit: decimalToNumber(change.previousLimit) } : {}),
    ...(change.previousDeductible ? { previousDeductible: decimalToNumber(change.previousDeductible) } : {}),
  }));
}

type StoredClaimType = LeanDoc<Models['policyTypes']>['claimTypes'][number];

function toClaimTypeInfo(type: StoredClaimType): ClaimTypeInfo {
  const limit = type.instantDecision?.eligible ? decimalToNumber(type.instantDecision.limit) : undefined;
  return {
    code: type.code,
    name: type.name,
    keywords: [...type.keywords],
    coverage: type.coverage,
    requiredDocuments: type.requiredDocuments.map((item) => ({
      code: item.code,
      label: item.label,
      ...(item.fact ? { fact: item.fact } : {}),
    })),
    ...(limit !== undefined ? { instantLimit: limit } : {}),
  };
}

function storedCoverage(coverage: ClaimCoverage) {
  return coverage.applies
    ? {
        applies: true,
        name: coverage.name,
        limit: toDecimal(coverage.limit),
        deductible: toDecimal(coverage.deductible),
      }
    : { applies: false, ...(coverage.name ? { name: coverage.name } : {}) };
}

function toCoverage(stored: ClaimRow['coverage']): ClaimCoverage {
  if (!stored?.applies || !stored.name || !stored.limit || !stored.deductible) {
    return { applies: false, ...(stored?.name ? { name: stored.name } : {}) };
  }
  return {
    applies: true,
    name: stored.name,
    limit: decimalToNumber(stored.limit),
    deductible: decimalToNumber(stored.deductible),
  };
}

function toDetails(stored: ClaimRow['details']): ClaimDetailsInput {
  const details: ClaimDetailsInput = {};
  if (!stored) return details;
  if (stored.incidentTime) details.incidentTime = stored.incidentTime;
  if (typeof stored.policeAttended === 'boolean') details.policeAttended = stored.policeAttended;
  if (stored.policeReportNumber) details.policeReportNumber = stored.policeReportNumber;
  if (stored.otherParties) details.otherParties = stored.otherParties;
  if (stored.injuries) details.injuries = stored.injuries;
  if (stored.provider) details.provider = stored.provider;
  return details;
}

function toAttachmentView(file: ClaimRow['attachments'][number]): ClaimAttachmentView {
  const evidence = file.evidence;
  return {
    fileId: file.fileId,
    name: file.name,
    contentType: file.contentType,
    size: file.size,
    uploadedAt: file.uploadedAt,
    ...(file.checklistItem ? { checklistItem: file.checklistItem } : {}),
    ...(evidence
      ? {
          evidence: {
            sha256: evidence.sha256,
            ...(evidence.capturedAt ? { capturedAt: evidence.capturedAt } : {}),
            ...(typeof evidence.gps?.latitude === 'number' && typeof evidence.gps.longitude === 'number'
              ? { gps: { latitude: evidence.gps.latitude, longitude: evidence.gps.longitude } }
              : {}),
            ...(evidence.camera ? { camera: evidence.camera } : {}),
            ...(evidence.alsoOnClaims?.length ? { alsoOnClaims: [...evidence.alsoOnClaims] } : {}),
          },
        }
      : {}),
  };
}

/** The duplicate-file signal of a claim with these attachments, if any file is also on another claim. */
function duplicateSignal(attachments: ClaimAttachmentView[]): RiskSignal | undefined {
  const on = [...new Set(attachments.flatMap((file) => file.evidence?.alsoOnClaims ?? []))];
  return on.length > 0
    ? {
        code: 'duplicate_photo',
        message: `A file identical to one sent with this claim is on ${on.join(', ')}.`,
      }
    : undefined;
}

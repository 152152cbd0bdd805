import { z } from 'zod';
import type { BenefitRequestStatus, LeanDoc, Models } from '../db/models/index.js';
import { benefitRequestStatuses } from '../db/models/index.js';
import { actorInputSchema, type Actor } from './actor.js';
import { DomainError } from './errors.js';
import { Lifecycle, pendingEvent, type EventDrain, type TransitionTable } from './lifecycle.js';
import {
  asDomainError,
  idOf,
  invalidField,
  parseInput,
  parseObjectId,
  toStatusChange,
  type StatusChange,
} from './mapping.js';
import { benefitRequestNumbers, type NumberAllocator } from './numbers.js';
import { findOwnPolicy, normalizeNumber } from './policies.js';

/** Benefit request lifecycle and who may make each move; decisions are an officer's (or the system's when no approval is needed). */
export const benefitTransitions: TransitionTable<BenefitRequestStatus> = {
  requested: { approved: ['officer', 'system'], denied: ['officer'] },
  approved: { fulfilled: ['officer', 'system'] },
  denied: {},
  fulfilled: {},
};

/** One benefit a policy offers. */
export interface BenefitOffer {
  code: string;
  name: string;
  description: string;
  requiresApproval: boolean;
}

export interface BenefitCatalogue {
  policyNumber: string;
  policyTypeName: string;
  benefits: BenefitOffer[];
}

export interface BenefitRequestView {
  id: string;
  number: string;
  policyNumber: string;
  customerId: string;
  benefitCode: string;
  benefitName: string;
  details: string;
  status: BenefitRequestStatus;
  requiresApproval: boolean;
  decisions: StatusChange<BenefitRequestStatus>[];
  createdAt: Date;
  updatedAt: Date;
}

export const newBenefitRequestSchema = z.object({
  customerId: z.string().trim().min(1),
  policyNumber: z.string().trim().min(1),
  benefitCode: z.string().trim().toUpperCase().min(2),
  details: z.string().trim().max(4000).default(''),
});
export type NewBenefitRequest = z.input<typeof newBenefitRequestSchema>;

const decisionSchema = z.enum(['approved', 'denied']);
const benefitRequestStatusSchema = z.enum(benefitRequestStatuses);

/** The benefits a policy offers and the customer's requests for them. */
export interface BenefitService {
  /** What the customer's policy offers; `not_found` if the policy is not theirs. */
  catalogueForPolicy(customerId: string, policyNumber: string): Promise<BenefitCatalogue>;
  /**
   * Requests a benefit, numbered `BEN-NNNNNN`. A benefit that needs no approval is approved at once by
   * the system; the others wait for an officer's decision.
   */
  request(input: NewBenefitRequest, actor: Actor): Promise<BenefitRequestView>;
  /** The customer's requests, newest first. */
  listForCustomer(customerId: string): Promise<BenefitRequestView[]>;
  getByNumber(requestNumber: string): Promise<BenefitRequestView>;
  /** An officer approves or denies a pending request; a denial needs a reason. */
  decide(
    requestNumber: string,
    decision: 'approved' | 'denied',
    actor: Actor,
    reason?: string,
  ): Promise<BenefitRequestView>;
  /** Marks an approved request as delivered. */
  fulfil(requestNumber: string, actor: Actor, reason?: string): Promise<BenefitRequestView>;
}

type RequestRow = LeanDoc<Models['benefitRequests']>;

/** What {@link MongoBenefitService} is built from. */
export interface BenefitServiceOptions {
  models: Pick<Models, 'benefitRequests' | 'policies' | 'policyTypes' | 'officers'>;
  numbers: NumberAllocator;
  /** Drains the audit entries and notifications each change records. */
  events: EventDrain;
  now: () => Date;
}

export class MongoBenefitService implements BenefitService {
  private readonly models: BenefitServiceOptions['models'];
  private readonly numbers: NumberAllocator;
  private readonly events: EventDrain;
  private readonly now: () => Date;
  private readonly lifecycle: Lifecycle<BenefitRequestStatus, RequestRow>;

  constructor(options: BenefitServiceOptions) {
    this.models = options.models;
    this.numbers = options.numbers;
    this.events = options.events;
    this.now = options.now;
    const requests = options.models.benefitRequests;
    this.lifecycle = new Lifecycle<BenefitRequestStatus, RequestRow>({
      noun: 'benefit request',
      action: 'benefit.transition',
      collection: requests.collection.collectionName,
      historyField: 'decisions',
      table: benefitTransitions,
      models: options.models,
      events: options.events,
      now: options.now,
      update: (filter, update) =>
        requests.findOneAndUpdate(filter, update, { returnDocument: 'after', runValidators: true }).lean(),
      notice: (request, to, reason, actor) =>
        actor.type === 'customer'
          ? undefined
          : {
              recipient: request.customer,
              template: 'benefit.status',
              payload: { number: request.number, status: to, ...(to === 'denied' ? { reason } : {}) },
            },
    });
  }

  async catalogueForPolicy(customerId: string, policyNumber: string): Promise<BenefitCatalogue> {
    const { policy, type } = await this.customerPolicy(customerId, policyNumber);
    return {
      policyNumber: policy.number,
      policyTypeName: type.name,
      benefits: type.benefits.map((benefit) => ({
        code: benefit.code,
        name: benefit.name,
        description: benefit.description,
        requiresApproval: benefit.requiresApproval,
      })),
    };
  }

  async request(input: NewBenefitRequest, actor: Actor): Promise<BenefitRequestView> {
    const data = parseInput(newBenefitRequestSchema, input);
    const who = parseInput(actorInputSchema, actor);
    if (who.type === 'customer' && who.id !== data.customerId) {
      throw new DomainError('forbidden', 'a customer can only request benefits on their own policies');
    }
    const { policy, type } = await this.customerPolicy(data.customerId, data.policyNumber);
    if (policy.status !== 'active') {
      throw new DomainError('conflict', `policy ${policy.number} is ${policy.status}`);
    }
    const benefit = type.benefits.find((offer) => offer.code === data.benefitCode);
    if (!benefit)
      throw new DomainError('not_found', `benefit ${data.benefitCode} not offered by this policy`);
    const at = this.now();
    try {
      const created = await this.numbers.insertWithNumber(
        benefitRequestNumbers,
        this.models.benefitRequests,
        (number) =>
          this.models.benefitRequests.create({
            number,
            policy: policy._id,
            customer: policy.holder,
            benefitCode: benefit.code,
            details: data.details,
            status: 'requested',
            requiresApproval: benefit.requiresApproval,
            decisions: [{ to: 'requested', actor: { type: who.type, id: who.id }, at }],
            pendingEvents: [
              pendingEvent({
                action: 'benefit.request',
                actor: who,
                at,
                details: { number, policyNumber: policy.number, benefitCode: benefit.code },
              }),
            ],
          }),
      );
      await this.events.drain(this.models.benefitRequests.collection.collectionName, created._id);
      const row = created.toObject();
      if (!benefit.requiresApproval) {
        return this.moveRow(row, 'approved', { type: 'system', id: 'benefits' }, 'no approval required');
      }
      return this.toView(row);
    } catch (error) {
      throw asDomainError(error);
    }
  }

  async listForCustomer(customerId: string): Promise<BenefitRequestView[]> {
    const customer = parseObjectId(customerId, 'customer');
    const rows = await this.models.benefitRequests
      .find({ customer })
      .sort({ createdAt: -1, number: -1 })
      .lean();
    return this.toViews(rows);
  }

  async getByNumber(requestNumber: string): Promise<BenefitRequestView> {
    return this.toView(await this.load(requestNumber));
  }

  async decide(
    requestNumber: string,
    decision: 'approved' | 'denied',
    actor: Actor,
    reason?: string,
  ): Promise<BenefitRequestView> {
    const to = parseInput(decisionSchema, decision);
    if (to === 'denied' && !reason?.trim()) {
      throw invalidField('reason', 'is required to deny a request');
    }
    return this.move(requestNumber, to, actor, reason);
  }

  async fulfil(requestNumber: string, actor: Actor, reason?: string): Promise<BenefitRequestView> {
    return this.move(requestNumber, 'fulfilled', actor, reason);
  }

  private async move(
    requestNumber: string,
    to: BenefitRequestStatus,
    actor: Actor,
    reason?: string,
  ): Promise<BenefitRequestView> {
    const who = parseInput(actorInputSchema, actor);
    const target = parseInput(benefitRequestStatusSchema, to);
    const why = reason?.trim() || undefined;
    return this.moveRow(await this.load(requestNumber), target, who, why);
  }

  /** Moves the request as read in `row`; the update applies only if its status is still the one read. */
  private async moveRow(
    row: RequestRow,
    target: BenefitRequestStatus,
    who: Actor,
    why: string | undefined,
  ): Promise<BenefitRequestView> {
    return this.toView(await this.lifecycle.move(row, target, who, why));
  }

  private async customerPolicy(customerId: string, policyNumber: string) {
    const policy = await findOwnPolicy(this.models, parseObjectId(customerId, 'customer'), policyNumber);
    const type = await this.models.policyTypes.findById(policy.policyType).lean();
    if (!type) throw new DomainError('not_found', 'policy not found');
    return { policy, type };
  }

  private async load(requestNumber: string): Promise<RequestRow> {
    const row = await this.models.benefitRequests.findOne({ number: normalizeNumber(requestNumber) }).lean();
    if (!row) throw new DomainError('not_found', 'benefit request not found');
    return row;
  }

  private async toView(row: RequestRow): Promise<BenefitRequestView> {
    const [view] = await this.toViews([row]);
    return view!;
  }

  /** Views of the requests, with their policies and policy types read once for all of them. */
  private async toViews(rows: RequestRow[]): Promise<BenefitRequestView[]> {
    const policies = await this.models.policies
      .find({ _id: { $in: rows.map((row) => row.policy) } })
      .select({ number: 1, policyType: 1 })
      .lean();
    const types = await this.models.policyTypes
      .find({ _id: { $in: policies.map((policy) => policy.policyType) } })
      .lean();
    const policyById = new Map(policies.map((policy) => [idOf(policy._id), policy]));
    const typeById = new Map(types.map((type) => [idOf(type._id), type]));
    return rows.map((row) => {
      const policy = policyById.get(idOf(row.policy));
      const type = policy && typeById.get(idOf(policy.policyType));
      const benefit = type?.benefits.find((offer) => offer.code === row.benefitCode);
      return {
        id: idOf(row._id),
        number: row.number,
        policyNumber: policy?.number ?? '',
        customerId: idOf(row.customer),
        benefitCode: row.benefitCode,
        benefitName: benefit?.name ?? row.benefitCode,
        details: row.details,
        status: row.status,
        requiresApproval: row.requiresApproval,
        decisions: row.decisions.map(toStatusChange),
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
      };
    });
  }
}

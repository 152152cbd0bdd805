/**
 * The customer's service requests beside claims: a benefit of a policy (`BEN-`), adding or removing a
 * dependent (`DEP-`), renewing a policy (`RNW-`) and upgrading it to another plan (`UPG-`). One model,
 * one lifecycle and one officers' card for all four. Each is filed with the rules it was checked
 * against; inside every rule the system approves it at once (an audit entry names the rules), otherwise
 * it waits for an officer's decision in Slack. An approved dependent change, renewal or upgrade is then
 * written to the policy, with its own audit entry; the customer is told of every officer's move.
 */
import type { Types } from 'mongoose';
import { z } from 'zod';
import type { FieldCipher } from '../db/encryption.js';
import {
  benefitRequestStatuses,
  dependentRelationships,
  premiumFrequencies,
  type BenefitRequestStatus,
  type LeanDoc,
  type LineOfBusiness,
  type Models,
  type PolicyStatus,
  type PremiumFrequency,
  type RequestKind,
} from '../db/models/index.js';
import { activeOfficer, actorInputSchema, type Actor } from './actor.js';
import type { AuditLog } from './audit.js';
import {
  checkBenefitRules,
  policyYearStart,
  ruleTexts,
  type BenefitCatalogue,
  type BenefitOffer,
  type RuleCheck,
} from './benefits.js';
import { ageOn, dependentProblem } from './dependents.js';
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
import {
  benefitRequestNumbers,
  dependentRequestNumbers,
  renewalRequestNumbers,
  upgradeRequestNumbers,
  type NumberAllocator,
  type NumberFormat,
} from './numbers.js';
import { findOwnPolicy, normalizeNumber } from './policies.js';
import { renewalOpensOn, renewedTerm, standingProblems } from './renewals.js';

/**
 * The lifecycle of every service request. The system approves only by rule, when the request is filed;
 * an officer may ask the customer for information, whose answer puts it back before the officer.
 */
export const requestTransitions: TransitionTable<BenefitRequestStatus> = {
  requested: { approved: ['officer', 'system'], denied: ['officer'], info_requested: ['officer'] },
  info_requested: { requested: ['customer', 'officer'], denied: ['officer'] },
  approved: { fulfilled: ['officer', 'system'] },
  denied: {},
  fulfilled: {},
};

/** The component that decides by rule; its moves are told to the customer in the conversation itself. */
const rulesActor: Actor = { type: 'system', id: 'request-rules' };

const formats: Readonly<Record<RequestKind, NumberFormat>> = {
  benefit: benefitRequestNumbers,
  dependent: dependentRequestNumbers,
  renewal: renewalRequestNumbers,
  upgrade: upgradeRequestNumbers,
};

/** Statuses of a request that still counts against an allowance. */
const counting: BenefitRequestStatus[] = ['requested', 'info_requested', 'approved', 'fulfilled'];
const open: BenefitRequestStatus[] = ['requested', 'info_requested'];

/** A request as the customer and the officers see it; a dependent's date of birth shows only as an age. */
export interface RequestView {
  id: string;
  number: string;
  kind: RequestKind;
  /** What it is, in a few words: "Roadside assistance", "Add Casey Rivera", "Upgrade to Auto Premier". */
  title: string;
  policyNumber: string;
  customerId: string;
  benefitCode?: string;
  details: string;
  benefit?: { location?: string; claimNumber?: string; from?: Date; to?: Date; days?: number };
  dependent?: { action: 'add' | 'remove'; name: string; relationship: string; age: number };
  renewal?: { sameTerms: boolean; changes?: string; endDate: Date };
  upgrade?: { to: { code: string; name: string }; from: { code: string; name: string } };
  status: BenefitRequestStatus;
  requiresApproval: boolean;
  rules: RuleCheck[];
  newPremium?: { amount: number; currency: string; frequency: PremiumFrequency };
  decisions: StatusChange<BenefitRequestStatus>[];
  createdAt: Date;
  updatedAt: Date;
}

/** A policy the customer could renew, and whether they can now. */
export interface RenewalOption {
  policyNumber: string;
  typeName: string;
  status: PolicyStatus;
  endDate: Date;
  opensOn: Date;
  /** Renewal can be asked for today. */
  open: boolean;
  /** What keeps a same-terms renewal from being accepted by rule; empty in good standing. */
  problems: string[];
  /** A renewal request already waiting. */
  pending?: string;
}

/** Another plan of the same line at the policy's insurer, with what it adds. */
export interface UpgradePlan {
  code: string;
  name: string;
  description: string;
  /** The policy's currency, in which the limits are. */
  currency: string;
  /** Coverages it has that the policy does not, or with a higher limit. */
  addsCoverages: { name: string; limit: number }[];
  /** Benefits it has that the current plan does not. */
  addsBenefits: { name: string; description: string }[];
}

/** Everything the officers' card of a request shows. */
export interface RequestCard {
  request: RequestView;
  customerName: string;
  policy: { number: string; insurer: string; typeName: string; status: PolicyStatus; currency: string };
  /** Who made the last move, by name, when an officer did. */
  lastMove?: { status: BenefitRequestStatus; by: string; at: Date; reason?: string };
  /** Names the state the card shows; a decision on an older one is refused. */
  state: string;
  slackCard?: { channel: string; ts: string };
}

export const newBenefitRequestSchema = z.object({
  customerId: z.string().trim().min(1),
  policyNumber: z.string().trim().min(1),
  benefitCode: z.string().trim().toUpperCase().min(2),
  details: z.string().trim().max(4000).default(''),
  location: z.string().trim().min(2).max(300).optional(),
  claimNumber: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^CLM-\d{6}$/)
    .optional(),
  from: z.date().optional(),
  to: z.date().optional(),
});
export type NewBenefitRequest = z.input<typeof newBenefitRequestSchema>;

const isoDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
export const newDependentChangeSchema = z.object({
  customerId: z.string().trim().min(1),
  policyNumber: z.string().trim().min(1),
  action: z.enum(['add', 'remove']),
  name: z.string().trim().min(1).max(120),
  relationship: z.enum(dependentRelationships).optional(),
  /** ISO `YYYY-MM-DD`; required to add. */
  dateOfBirth: isoDateSchema.optional(),
});
export type NewDependentChange = z.input<typeof newDependentChangeSchema>;

export const newRenewalSchema = z.object({
  customerId: z.string().trim().min(1),
  policyNumber: z.string().trim().min(1),
  sameTerms: z.boolean(),
  changes: z.string().trim().min(2).max(1000).optional(),
});
export type NewRenewal = z.input<typeof newRenewalSchema>;

export const newUpgradeSchema = z.object({
  customerId: z.string().trim().min(1),
  policyNumber: z.string().trim().min(1),
  planCode: z.string().trim().toLowerCase().min(2),
});
export type NewUpgrade = z.input<typeof newUpgradeSchema>;

const premiumInputSchema = z.object({
  amount: z.number().finite().positive().max(1_000_000),
  frequency: z.enum(premiumFrequencies).optional(),
});
const reasonSchema = z.string().trim().min(1).max(500);
const stateSchema = z.string().trim().min(1).max(100);

/** An officer's decision on a request, as taken on its card. */
export interface RequestDecision {
  number: string;
  actor: Actor;
  shownState: string;
  decision: 'approve' | 'deny' | 'request_info';
  /** Required to deny or to ask for information; a note to the customer when approving. */
  reason?: string;
  /** The new premium; required to approve an upgrade, optional on a renewal with changes. */
  premium?: { amount: number; frequency?: PremiumFrequency };
}

/** The customer's service requests and the officers' decisions on them. */
export interface RequestService {
  /** The benefits of each of the customer's policies, by policy number. */
  benefitCatalogue(customerId: string): Promise<BenefitCatalogue[]>;
  /** What one of the customer's policies offers; `not_found` if it is not theirs. */
  catalogueForPolicy(customerId: string, policyNumber: string): Promise<BenefitCatalogue>;
  /** Files a benefit request, decided at once by the rules when they all pass. */
  requestBenefit(input: NewBenefitRequest, actor: Actor): Promise<RequestView>;
  /** The dependents of the customer's policy, names and relationships only. */
  dependentsOf(
    customerId: string,
    policyNumber: string,
  ): Promise<{ name: string; relationship: string; lineOfBusiness: LineOfBusiness }[]>;
  /** Files adding or removing a dependent, for an officer; refuses who the policy cannot cover. */
  requestDependentChange(input: NewDependentChange, actor: Actor): Promise<RequestView>;
  /** The customer's renewable policies, with when renewal opens and their standing. */
  renewalOptions(customerId: string): Promise<RenewalOption[]>;
  /** Files a renewal; on the same terms in good standing it is accepted by rule and the policy renewed. */
  requestRenewal(input: NewRenewal, actor: Actor): Promise<RequestView>;
  /** The other plans of the policy's line at its insurer. */
  upgradeOptions(customerId: string, policyNumber: string): Promise<UpgradePlan[]>;
  /** Files an upgrade request for an officer, who sets the new premium. */
  requestUpgrade(input: NewUpgrade, actor: Actor): Promise<RequestView>;
  /** The customer's requests, newest first. */
  listForCustomer(customerId: string): Promise<RequestView[]>;
  /** One request, only if it is the customer's (else `not_found`). */
  getForCustomer(customerId: string, number: string): Promise<RequestView>;
  getByNumber(number: string): Promise<RequestView>;
  /** The customer answers an officer's question; the request goes back to the officer. */
  answerInfoRequest(customerId: string, number: string, text: string, actor: Actor): Promise<RequestView>;
  /** An officer's decision from the card; refused when the card is stale. */
  decide(input: RequestDecision): Promise<RequestView>;
  /** Marks an approved request as delivered. */
  fulfil(number: string, actor: Actor, reason?: string): Promise<RequestView>;
  /**
   * Moves a request along `requestTransitions` (an approval also writes its change to the policy).
   * Refuses what the table does not allow and a request changed by someone else meanwhile.
   */
  transition(number: string, to: BenefitRequestStatus, actor: Actor, reason?: string): Promise<RequestView>;
  /**
   * Writes to their policies the approved changes a crash left unwritten (run at start); resolves with
   * how many there were.
   */
  resumeApprovals(): Promise<number>;
  /** The officers' card of a request. */
  card(number: string): Promise<RequestCard>;
  /** The card, if the request is still as `shownState` says; else `conflict` saying who changed it. */
  current(number: string, shownState: string): Promise<RequestCard>;
  /** Asks for the request's card to be posted (or refreshed) in Slack, through the outbox. */
  showCard(input: { number: string; actor: Actor }): Promise<void>;
  /** Records where the request's card was posted. */
  recordCard(number: string, card: { channel: string; ts: string }): Promise<void>;
}

type RequestRow = LeanDoc<Models['benefitRequests']>;
type PolicyRow = LeanDoc<Models['policies']>;
type PolicyTypeRow = LeanDoc<Models['policyTypes']>;

/** What {@link MongoRequestService} is built from. */
export interface RequestServiceOptions {
  models: Pick<
    Models,
    'benefitRequests' | 'policies' | 'policyTypes' | 'officers' | 'customers' | 'insurers' | 'claims'
  >;
  numbers: NumberAllocator;
  /** Seals dependents' dates of birth. */
  cipher: FieldCipher;
  /** Records the changes approved requests make to policies. */
  audit: AuditLog;
  events: EventDrain;
  now: () => Date;
}

const dayMs = 86_400_000;

export class MongoRequestService implements RequestService {
  private readonly models: RequestServiceOptions['models'];
  private readonly lifecycle: Lifecycle<BenefitRequestStatus, RequestRow>;

  constructor(private readonly options: RequestServiceOptions) {
    this.models = options.models;
    const requests = options.models.benefitRequests;
    this.lifecycle = new Lifecycle<BenefitRequestStatus, RequestRow>({
      noun: 'request',
      action: 'request.transition',
      collection: requests.collection.collectionName,
      historyField: 'decisions',
      table: requestTransitions,
      models: options.models,
      events: options.events,
      now: options.now,
      update: (filter, update) =>
        requests.findOneAndUpdate(filter, update, { returnDocument: 'after', runValidators: true }).lean(),
      authorize: (row, to, _actor, reason) => {
        if ((to === 'denied' || to === 'info_requested') && !reason?.trim()) {
          throw invalidField('reason', `is required to ${to === 'denied' ? 'deny' : 'ask about'} a request`);
        }
        if (to === 'approved' && row.kind === 'upgrade' && !row.newPremium) {
          throw invalidField('premium', 'is required to approve an upgrade');
        }
      },
      notice: (row, to, reason, actor) =>
        actor.type === 'customer' || actor.id === rulesActor.id
          ? undefined
          : {
              recipient: row.customer,
              template: 'request.status',
              payload: {
                number: row.number,
                kind: row.kind,
                status: to,
                ...(reason && to !== 'requested' ? { reason: reason.slice(0, 500) } : {}),
              },
            },
    });
  }

  // --- benefits ---

  async benefitCatalogue(customerId: string): Promise<BenefitCatalogue[]> {
    const holder = parseObjectId(customerId, 'customer');
    const policies = await this.models.policies.find({ holder }).sort({ number: 1 }).lean();
    const types = await this.typesById(policies.map((policy) => policy.policyType));
    return policies.flatMap((policy) => {
      const type = types.get(idOf(policy.policyType));
      return type ? [catalogueOf(policy, type)] : [];
    });
  }

  async catalogueForPolicy(customerId: string, policyNumber: string): Promise<BenefitCatalogue> {
    const { policy, type } = await this.customerPolicy(customerId, policyNumber);
    return catalogueOf(policy, type);
  }

  async requestBenefit(input: NewBenefitRequest, actor: Actor): Promise<RequestView> {
    const data = parseInput(newBenefitRequestSchema, input);
    const who = this.customerActor(actor, data.customerId);
    const { policy, type } = await this.customerPolicy(data.customerId, data.policyNumber);
    const benefit = type.benefits.find((offer) => offer.code === data.benefitCode);
    if (!benefit)
      throw new DomainError('not_found', `benefit ${data.benefitCode} not offered by this policy`);
    const needs = new Set(benefit.needs ?? []);
    if (needs.has('location') && !data.location) throw invalidField('location', 'is required');
    if (needs.has('what_happened') && !data.details) throw invalidField('details', 'is required');
    if (needs.has('claim') && !data.claimNumber) throw invalidField('claimNumber', 'is required');
    if (needs.has('dates') && (!data.from || !data.to)) throw invalidField('dates', 'are required');
    if (data.from && data.to && data.to < data.from) throw invalidField('to', 'is before the start date');
    if (data.claimNumber) {
      // The claim must be the customer's own, on this policy; anything else reads as not found.
      const claim = await this.models.claims
        .findOne({ number: data.claimNumber, customer: policy.holder, policy: policy._id })
        .select({ _id: 1 })
        .lean();
      if (!claim) throw new DomainError('not_found', 'claim not found on this policy');
    }
    const now = this.options.now();
    const days =
      data.from && data.to ? Math.round((data.to.getTime() - data.from.getTime()) / dayMs) + 1 : undefined;
    const [usedThisYear, usedOnClaim] = await Promise.all([
      this.models.benefitRequests.countDocuments({
        policy: policy._id,
        kind: 'benefit',
        benefitCode: benefit.code,
        status: { $in: counting },
        createdAt: { $gte: policyYearStart(policy.startDate, now) },
      }),
      data.claimNumber
        ? this.models.benefitRequests
            .find({
              policy: policy._id,
              kind: 'benefit',
              benefitCode: benefit.code,
              status: { $in: counting },
              'benefit.claimNumber': data.claimNumber,
            })
            .select({ benefit: 1 })
            .lean()
        : Promise.resolve([]),
    ]);
    const rules = checkBenefitRules(benefit, {
      policy: { status: policy.status, startDate: policy.startDate },
      usedThisYear,
      daysUsedOnClaim: usedOnClaim.reduce((sum, row) => sum + (row.benefit?.days ?? 0), 0),
      ...(days === undefined ? {} : { days }),
      now,
    });
    return this.file(
      {
        kind: 'benefit',
        policy,
        who,
        rules,
        requiresApproval: benefit.requiresApproval,
        fields: {
          benefitCode: benefit.code,
          details: data.details,
          benefit: {
            ...(data.location ? { location: data.location } : {}),
            ...(data.claimNumber ? { claimNumber: data.claimNumber } : {}),
            ...(data.from ? { from: data.from } : {}),
            ...(data.to ? { to: data.to } : {}),
            ...(days === undefined ? {} : { days }),
          },
        },
        audit: { benefitCode: benefit.code },
      },
      'all benefit rules passed',
    );
  }

  // --- dependents ---

  async dependentsOf(customerId: string, policyNumber: string) {
    const { policy, type } = await this.customerPolicy(customerId, policyNumber);
    return policy.dependents.map((dependent) => ({
      name: dependent.name,
      relationship: dependent.relationship,
      lineOfBusiness: type.lineOfBusiness,
    }));
  }

  async requestDependentChange(input: NewDependentChange, actor: Actor): Promise<RequestView> {
    const data = parseInput(newDependentChangeSchema, input);
    const who = this.customerActor(actor, data.customerId);
    const { policy, type } = await this.customerPolicy(data.customerId, data.policyNumber);
    const now = this.options.now();
    let dependent: {
      action: 'add' | 'remove';
      name: string;
      relationship: string;
      dateOfBirthEncrypted: string;
    };
    if (data.action === 'add') {
      if (!data.relationship) throw invalidField('relationship', 'is required');
      if (!data.dateOfBirth) throw invalidField('dateOfBirth', 'is required');
      const problem = dependentProblem(type.lineOfBusiness, data.relationship, data.dateOfBirth, now);
      if (problem) throw new DomainError('validation', problem, { fields: ['dependent'] });
      if (policy.dependents.some((entry) => sameName(entry.name, data.name))) {
        throw new DomainError('conflict', 'this person is already on the policy');
      }
      dependent = {
        action: 'add',
        name: data.name,
        relationship: data.relationship,
        dateOfBirthEncrypted: this.options.cipher.encrypt(data.dateOfBirth),
      };
    } else {
      const current = policy.dependents.find((entry) => sameName(entry.name, data.name));
      if (!current) throw new DomainError('not_found', 'no dependent of that name on this policy');
      dependent = {
        action: 'remove',
        name: current.name,
        relationship: current.relationship,
        dateOfBirthEncrypted: current.dateOfBirthEncrypted,
      };
    }
    const pending = await this.models.benefitRequests
      .find({ policy: policy._id, kind: 'dependent', status: { $in: open } })
      .select({ number: 1, dependent: 1 })
      .lean();
    const same = pending.find((row) => row.dependent && sameName(row.dependent.name, dependent.name));
    if (same) {
      throw new DomainError('conflict', `request ${same.number} is already waiting`, { number: same.number });
    }
    return this.file(
      {
        kind: 'dependent',
        policy,
        who,
        rules: [
          { rule: 'approval_required', passed: false, text: 'Dependent changes are decided by an officer' },
        ],
        requiresApproval: true,
        fields: { dependent },
        audit: { action: dependent.action, relationship: dependent.relationship },
      },
      '',
    );
  }

  // --- renewals ---

  async renewalOptions(customerId: string): Promise<RenewalOption[]> {
    const holder = parseObjectId(customerId, 'customer');
    const now = this.options.now();
    const policies = await this.models.policies
      .find({ holder, status: { $ne: 'cancelled' } })
      .sort({ endDate: 1 })
      .lean();
    const types = await this.typesById(policies.map((policy) => policy.policyType));
    const pending = await this.models.benefitRequests
      .find({ policy: { $in: policies.map((policy) => policy._id) }, kind: 'renewal', status: { $in: open } })
      .select({ policy: 1, number: 1 })
      .lean();
    return policies.map((policy) => {
      const opensOn = renewalOpensOn(policy.endDate);
      const waiting = pending.find((row) => row.policy.equals(policy._id));
      return {
        policyNumber: policy.number,
        typeName: types.get(idOf(policy.policyType))?.name ?? 'Policy',
        status: policy.status,
        endDate: policy.endDate,
        opensOn,
        open: now >= opensOn,
        problems: standingProblems(policy, now),
        ...(waiting ? { pending: waiting.number } : {}),
      };
    });
  }

  async requestRenewal(input: NewRenewal, actor: Actor): Promise<RequestView> {
    const data = parseInput(newRenewalSchema, input);
    const who = this.customerActor(actor, data.customerId);
    const { policy } = await this.customerPolicy(data.customerId, data.policyNumber);
    const now = this.options.now();
    const opensOn = renewalOpensOn(policy.endDate);
    if (now < opensOn) {
      throw new DomainError(
        'conflict',
        `renewal of ${policy.number} opens on ${opensOn.toISOString().slice(0, 10)}`,
        {
          opensOn: opensOn.toISOString().slice(0, 10),
        },
      );
    }
    if (!data.sameTerms && !data.changes) throw invalidField('changes', 'say what should change');
    await this.refuseOpen(policy._id, 'renewal');
    const problems = standingProblems(policy, now);
    const rules: RuleCheck[] = [
      ...(problems.length
        ? problems.map((text) => ({ rule: 'policy_status' as const, passed: false, text }))
        : [
            {
              rule: 'policy_status' as const,
              passed: true,
              text: 'In good standing: not cancelled, no overdue premium',
            },
          ]),
      ...(data.sameTerms
        ? []
        : [
            {
              rule: 'approval_required' as const,
              passed: false,
              text: 'Changes to the terms are decided by an officer',
            },
          ]),
    ];
    return this.file(
      {
        kind: 'renewal',
        policy,
        who,
        rules,
        requiresApproval: !data.sameTerms,
        fields: {
          details: data.changes ?? '',
          renewal: {
            sameTerms: data.sameTerms,
            ...(data.changes ? { changes: data.changes } : {}),
            endDate: policy.endDate,
          },
        },
        audit: { sameTerms: data.sameTerms },
      },
      'same-terms renewal of a policy in good standing',
    );
  }

  // --- upgrades ---

  async upgradeOptions(customerId: string, policyNumber: string): Promise<UpgradePlan[]> {
    const { policy, type } = await this.customerPolicy(customerId, policyNumber);
    return (await this.plansFor(policy, type)).map((plan) => planOf(policy, type, plan));
  }

  async requestUpgrade(input: NewUpgrade, actor: Actor): Promise<RequestView> {
    const data = parseInput(newUpgradeSchema, input);
    const who = this.customerActor(actor, data.customerId);
    const { policy, type } = await this.customerPolicy(data.customerId, data.policyNumber);
    if (policy.status !== 'active')
      throw new DomainError('conflict', `policy ${policy.number} is ${policy.status}`);
    const plan = (await this.plansFor(policy, type)).find((candidate) => candidate.code === data.planCode);
    if (!plan) throw new DomainError('not_found', 'no such plan for this policy');
    await this.refuseOpen(policy._id, 'upgrade');
    return this.file(
      {
        kind: 'upgrade',
        policy,
        who,
        rules: [
          {
            rule: 'approval_required',
            passed: false,
            text: 'An upgrade is priced and decided by an officer',
          },
        ],
        requiresApproval: true,
        fields: { upgrade: { toPolicyType: plan._id, fromPolicyType: type._id } },
        audit: { to: plan.code, from: type.code },
      },
      '',
    );
  }

  // --- reading ---

  async listForCustomer(customerId: string): Promise<RequestView[]> {
    const customer = parseObjectId(customerId, 'customer');
    const rows = await this.models.benefitRequests
      .find({ customer })
      .sort({ createdAt: -1, number: -1 })
      .lean();
    return this.toViews(rows);
  }

  async getForCustomer(customerId: string, number: string): Promise<RequestView> {
    const customer = parseObjectId(customerId, 'customer');
    const row = await this.models.benefitRequests
      .findOne({ number: normalizeNumber(number), customer })
      .lean();
    if (!row) throw new DomainError('not_found', 'request not found');
    return this.toView(row);
  }

  async getByNumber(number: string): Promise<RequestView> {
    return this.toView(await this.load(number));
  }

  // --- moves ---

  async answerInfoRequest(
    customerId: string,
    number: string,
    text: string,
    actor: Actor,
  ): Promise<RequestView> {
    const who = this.customerActor(actor, customerId);
    const answer = parseInput(z.string().trim().min(1).max(1000), text);
    const row = await this.load(number);
    if (!row.customer.equals(parseObjectId(customerId, 'customer'))) {
      throw new DomainError('not_found', 'request not found');
    }
    return this.toView(await this.lifecycle.move(row, 'requested', who, answer));
  }

  async decide(input: RequestDecision): Promise<RequestView> {
    const actor = parseInput(actorInputSchema, input.actor);
    if (actor.type !== 'officer') throw new DomainError('forbidden', 'only officers decide on requests');
    const officer = await activeOfficer(this.models, actor.id);
    const shown = parseInput(stateSchema, input.shownState);
    let row = await this.load(input.number);
    await this.checkShown(row, shown);
    const reason = input.reason?.trim() ? parseInput(reasonSchema, input.reason) : undefined;
    if (input.decision === 'request_info') {
      return this.toView(await this.lifecycle.move(row, 'info_requested', actor, reason));
    }
    if (input.decision === 'deny') {
      return this.toView(await this.lifecycle.move(row, 'denied', actor, reason));
    }
    if (row.status !== 'requested') {
      throw new DomainError('invalid_transition', `request ${row.number} is not waiting for a decision`);
    }
    let why = reason;
    if (input.premium && (row.kind === 'upgrade' || row.kind === 'renewal')) {
      const premium = parseInput(premiumInputSchema, input.premium);
      const policy = await this.models.policies.findById(row.policy).lean();
      const newPremium = {
        amount: toDecimal(premium.amount),
        currency: policy?.premium.currency ?? 'USD',
        frequency: premium.frequency ?? policy?.premium.frequency ?? 'monthly',
      };
      const updated = await this.models.benefitRequests
        .findOneAndUpdate(
          { _id: row._id, status: row.status },
          { $set: { newPremium } },
          { returnDocument: 'after', runValidators: true },
        )
        .lean();
      if (!updated) throw new DomainError('conflict', `request ${row.number} was changed meanwhile`);
      row = updated;
      const words = `New premium ${formatMoney(premium.amount, newPremium.currency)} ${frequencyWords[newPremium.frequency]}.`;
      why = [words, reason].filter(Boolean).join(' ');
    }
    const moved = await this.lifecycle.move(row, 'approved', actor, why);
    await this.apply(moved, { type: 'officer', id: officer.slackUserId, channel: actor.channel ?? 'slack' });
    return this.toView(await this.load(moved.number));
  }

  async fulfil(number: string, actor: Actor, reason?: string): Promise<RequestView> {
    return this.transition(number, 'fulfilled', actor, reason);
  }

  async transition(
    number: string,
    to: BenefitRequestStatus,
    actor: Actor,
    reason?: string,
  ): Promise<RequestView> {
    const who = parseInput(actorInputSchema, actor);
    const target = parseInput(z.enum(benefitRequestStatuses), to);
    const moved = await this.lifecycle.move(
      await this.load(number),
      target,
      who,
      reason?.trim() || undefined,
    );
    if (moved.status === 'approved') await this.apply(moved, who);
    return this.toView(await this.load(moved.number));
  }

  // --- officers' card ---

  async card(number: string): Promise<RequestCard> {
    const row = await this.load(number);
    const request = await this.toView(row);
    const [customer, policy] = await Promise.all([
      this.models.customers.findById(row.customer).select({ firstName: 1, lastName: 1 }).lean(),
      this.models.policies
        .findById(row.policy)
        .select({ number: 1, insurer: 1, policyType: 1, status: 1, premium: 1 })
        .lean(),
    ]);
    const [insurer, type] = await Promise.all([
      policy ? this.models.insurers.findById(policy.insurer).select({ name: 1 }).lean() : null,
      policy ? this.models.policyTypes.findById(policy.policyType).select({ name: 1 }).lean() : null,
    ]);
    const last = row.decisions.at(-1);
    const by =
      last?.actor.type === 'officer'
        ? ((await this.models.officers.findOne({ slackUserId: last.actor.id }).select({ name: 1 }).lean())
            ?.name ?? last.actor.id)
        : undefined;
    return {
      request,
      customerName: customer ? `${customer.firstName} ${customer.lastName}` : 'Unknown customer',
      policy: {
        number: policy?.number ?? request.policyNumber,
        insurer: insurer?.name ?? '',
        typeName: type?.name ?? '',
        status: policy?.status ?? 'active',
        currency: policy?.premium.currency ?? 'USD',
      },
      ...(last && by
        ? { lastMove: { status: last.to, by, at: last.at, ...(last.reason ? { reason: last.reason } : {}) } }
        : {}),
      state: stateOf(row),
      ...(row.slackCard ? { slackCard: { channel: row.slackCard.channel, ts: row.slackCard.ts } } : {}),
    };
  }

  async current(number: string, shownState: string): Promise<RequestCard> {
    const row = await this.load(number);
    await this.checkShown(row, parseInput(stateSchema, shownState));
    return this.card(row.number);
  }

  async showCard(input: { number: string; actor: Actor }): Promise<void> {
    const actor = parseInput(actorInputSchema, input.actor);
    if (actor.type === 'officer') await activeOfficer(this.models, actor.id);
    const row = await this.load(input.number);
    await this.models.benefitRequests.updateOne(
      { _id: row._id },
      {
        $push: {
          pendingEvents: pendingEvent({
            action: 'request.card',
            actor,
            at: this.options.now(),
            details: { number: row.number },
          }),
        },
      },
    );
    await this.options.events.drain(this.models.benefitRequests.collection.collectionName, row._id);
  }

  async recordCard(number: string, card: { channel: string; ts: string }): Promise<void> {
    await this.models.benefitRequests.updateOne(
      { number: normalizeNumber(number) },
      { $set: { slackCard: { channel: card.channel, ts: card.ts } } },
      // Where the card is says nothing new about the request.
      { timestamps: false },
    );
  }

  // --- inside ---

  /**
   * Inserts the request with a fresh number of its kind and its `request.file` event, then approves it
   * by rule when no approval is needed and every rule passed; otherwise it waits for an officer.
   */
  private async file(
    spec: {
      kind: RequestKind;
      policy: PolicyRow;
      who: Actor;
      rules: RuleCheck[];
      requiresApproval: boolean;
      fields: Record<string, unknown>;
      audit: Record<string, unknown>;
    },
    ruleReason: string,
  ): Promise<RequestView> {
    const { kind, policy, who, rules } = spec;
    const automatic = !spec.requiresApproval && rules.every((check) => check.passed);
    const at = this.options.now();
    const requests = this.models.benefitRequests;
    try {
      const created = await this.options.numbers.insertWithNumber(formats[kind], requests, (number) =>
        requests.create({
          kind,
          number,
          policy: policy._id,
          customer: policy.holder,
          ...spec.fields,
          status: 'requested',
          requiresApproval: spec.requiresApproval,
          rules,
          decisions: [{ to: 'requested', actor: { type: who.type, id: who.id }, at }],
          pendingEvents: [
            pendingEvent({
              action: 'request.file',
              actor: who,
              at,
              details: {
                number,
                kind,
                policyNumber: policy.number,
                ...spec.audit,
                toOfficer: !automatic,
                ...(automatic
                  ? {}
                  : { failedRules: rules.filter((check) => !check.passed).map((check) => check.rule) }),
              },
            }),
          ],
        }),
      );
      await this.options.events.drain(requests.collection.collectionName, created._id);
      const row = created.toObject() as RequestRow;
      if (!automatic) return this.toView(row);
      const passed = rules.map((check) => check.rule).join(', ');
      const moved = await this.lifecycle.move(row, 'approved', rulesActor, `${ruleReason} (${passed})`);
      await this.apply(moved, rulesActor);
      return this.toView(await this.load(moved.number));
    } catch (error) {
      throw asDomainError(error);
    }
  }

  /**
   * Writes an approved request's change to its policy. Each write is idempotent (a dependent added only
   * when not there yet, a renewal only from the end date it was asked on), and the request is marked
   * applied, with the policy's audit entry, only after it: a crash between the two leaves the request
   * unmarked, and {@link resumeApprovals} finishes it at the next start. Benefits change no policy.
   */
  private async apply(row: RequestRow, actor: Actor): Promise<void> {
    if (row.kind === 'benefit' || row.appliedAt) return;
    const policy = await this.models.policies.findById(row.policy).lean();
    if (!policy) return;
    let filter: Record<string, unknown> = { _id: policy._id };
    let update: Record<string, unknown>;
    let details: Record<string, unknown>;
    if (row.kind === 'dependent' && row.dependent) {
      const { action, name, relationship, dateOfBirthEncrypted } = row.dependent;
      if (action === 'add') {
        filter = { ...filter, 'dependents.name': { $ne: name } };
        update = { $push: { dependents: { name, relationship, dateOfBirthEncrypted } } };
      } else {
        update = { $pull: { dependents: { name, relationship } } };
      }
      details = { action, relationship };
    } else if (row.kind === 'renewal' && row.renewal) {
      const term = renewedTerm({ startDate: policy.startDate, endDate: row.renewal.endDate });
      filter = { ...filter, endDate: row.renewal.endDate };
      update = {
        $set: {
          ...term,
          ...(policy.status === 'expired' ? { status: 'active' } : {}),
          ...(row.newPremium ? { premium: row.newPremium } : {}),
        },
      };
      details = { endDate: term.endDate.toISOString().slice(0, 10) };
    } else if (row.kind === 'upgrade' && row.upgrade) {
      const plan = await this.models.policyTypes.findById(row.upgrade.toPolicyType).lean();
      if (!plan) return;
      update = {
        $set: {
          policyType: plan._id,
          coverages: upgradedCoverages(policy, plan),
          ...(row.newPremium ? { premium: row.newPremium } : {}),
        },
      };
      details = { to: plan.code };
    } else {
      return;
    }
    await this.models.policies.updateOne(filter, update, { runValidators: true });
    const at = this.options.now();
    const marked = await this.models.benefitRequests.updateOne(
      { _id: row._id, status: 'approved', appliedAt: { $exists: false } },
      { $set: { appliedAt: at } },
    );
    if (marked.modifiedCount === 0) return;
    await this.options.audit.record({
      actor,
      action: `policy.${row.kind}`,
      record: { collection: this.models.policies.collection.collectionName, id: idOf(policy._id) },
      at,
      details: { number: policy.number, request: row.number, ...details },
    });
  }

  async resumeApprovals(): Promise<number> {
    const rows = await this.models.benefitRequests
      .find({ status: 'approved', kind: { $ne: 'benefit' }, appliedAt: { $exists: false } })
      .lean();
    for (const row of rows) {
      const approval = [...row.decisions].reverse().find((change) => change.to === 'approved');
      await this.apply(row, approval ? { type: approval.actor.type, id: approval.actor.id } : rulesActor);
    }
    return rows.length;
  }

  /** The actor, who must be the customer themself when a customer files. */
  private customerActor(actor: Actor, customerId: string): Actor {
    const who = parseInput(actorInputSchema, actor);
    if (who.type === 'customer' && who.id !== customerId) {
      throw new DomainError('forbidden', 'a customer can only make requests on their own policies');
    }
    return who;
  }

  /** One request of a kind open at a time per policy: a second is refused with the first's number. */
  private async refuseOpen(policy: Types.ObjectId, kind: RequestKind): Promise<void> {
    const waiting = await this.models.benefitRequests
      .findOne({ policy, kind, status: { $in: open } })
      .select({ number: 1 })
      .lean();
    if (waiting)
      throw new DomainError('conflict', `request ${waiting.number} is already waiting`, {
        number: waiting.number,
      });
  }

  private async plansFor(policy: PolicyRow, type: PolicyTypeRow): Promise<PolicyTypeRow[]> {
    return this.models.policyTypes
      .find({ lineOfBusiness: type.lineOfBusiness, _id: { $ne: type._id }, insurers: policy.insurer })
      .sort({ name: 1 })
      .lean();
  }

  private async customerPolicy(customerId: string, policyNumber: string) {
    const policy = await findOwnPolicy(this.models, parseObjectId(customerId, 'customer'), policyNumber);
    const type = await this.models.policyTypes.findById(policy.policyType).lean();
    if (!type) throw new DomainError('not_found', 'policy not found');
    return { policy, type };
  }

  private async typesById(ids: Types.ObjectId[]): Promise<Map<string, PolicyTypeRow>> {
    const types = await this.models.policyTypes.find({ _id: { $in: ids } }).lean();
    return new Map(types.map((type) => [idOf(type._id), type]));
  }

  private async load(number: string): Promise<RequestRow> {
    const row = await this.models.benefitRequests.findOne({ number: normalizeNumber(number) }).lean();
    if (!row) throw new DomainError('not_found', 'request not found');
    return row;
  }

  /** Refuses a decision taken on a card that no longer shows the request as it is, saying who changed it. */
  private async checkShown(row: RequestRow, shown: string): Promise<void> {
    if (stateOf(row) === shown) return;
    const last = row.decisions.at(-1);
    const by =
      last?.actor.type === 'officer'
        ? ` by ${(await this.models.officers.findOne({ slackUserId: last.actor.id }).select({ name: 1 }).lean())?.name ?? 'another officer'}`
        : '';
    throw new DomainError('conflict', `Request ${row.number} was already ${statusWords[row.status]}${by}.`, {
      status: row.status,
    });
  }

  private async toView(row: RequestRow): Promise<RequestView> {
    const [view] = await this.toViews([row]);
    return view!;
  }

  /** Views of the requests, with their policies and plans read once for all of them. */
  private async toViews(rows: RequestRow[]): Promise<RequestView[]> {
    const policies = await this.models.policies
      .find({ _id: { $in: rows.map((row) => row.policy) } })
      .select({ number: 1, policyType: 1 })
      .lean();
    const typeIds = [
      ...policies.map((policy) => policy.policyType),
      ...rows.flatMap((row) => (row.upgrade ? [row.upgrade.toPolicyType, row.upgrade.fromPolicyType] : [])),
    ];
    const types = await this.typesById(typeIds);
    const policyById = new Map(policies.map((policy) => [idOf(policy._id), policy]));
    const now = this.options.now();
    return rows.map((row) => {
      const policy = policyById.get(idOf(row.policy));
      const type = policy && types.get(idOf(policy.policyType));
      const benefit = row.benefitCode
        ? type?.benefits.find((offer) => offer.code === row.benefitCode)
        : undefined;
      const dependent = row.dependent
        ? {
            action: row.dependent.action,
            name: row.dependent.name,
            relationship: row.dependent.relationship,
            age: ageOn(this.options.cipher.decrypt(row.dependent.dateOfBirthEncrypted), now),
          }
        : undefined;
      const upgrade = row.upgrade
        ? {
            to: planRef(types.get(idOf(row.upgrade.toPolicyType))),
            from: planRef(types.get(idOf(row.upgrade.fromPolicyType))),
          }
        : undefined;
      const policyNumber = policy?.number ?? '';
      const title =
        row.kind === 'benefit'
          ? (benefit?.name ?? row.benefitCode ?? 'Benefit')
          : row.kind === 'dependent' && dependent
            ? `${dependent.action === 'add' ? 'Add' : 'Remove'} ${dependent.name} (${dependent.relationship})`
            : row.kind === 'renewal'
              ? `Renewal of ${policyNumber}${row.renewal?.sameTerms ? ' on the same terms' : ' with changes'}`
              : `Upgrade to ${upgrade?.to.name ?? 'another plan'}`;
      return {
        id: idOf(row._id),
        number: row.number,
        kind: row.kind,
        title,
        policyNumber,
        customerId: idOf(row.customer),
        ...(row.benefitCode ? { benefitCode: row.benefitCode } : {}),
        details: row.details,
        ...(row.benefit
          ? {
              benefit: {
                ...(row.benefit.location ? { location: row.benefit.location } : {}),
                ...(row.benefit.claimNumber ? { claimNumber: row.benefit.claimNumber } : {}),
                ...(row.benefit.from ? { from: row.benefit.from } : {}),
                ...(row.benefit.to ? { to: row.benefit.to } : {}),
                ...(row.benefit.days ? { days: row.benefit.days } : {}),
              },
            }
          : {}),
        ...(dependent ? { dependent } : {}),
        ...(row.renewal
          ? {
              renewal: {
                sameTerms: row.renewal.sameTerms,
                ...(row.renewal.changes ? { changes: row.renewal.changes } : {}),
                endDate: row.renewal.endDate,
              },
            }
          : {}),
        ...(upgrade ? { upgrade } : {}),
        status: row.status,
        requiresApproval: row.requiresApproval,
        rules: row.rules.map((check) => ({
          rule: check.rule as RuleCheck['rule'],
          passed: check.passed,
          text: check.text,
        })),
        ...(row.newPremium
          ? {
              newPremium: {
                amount: decimalToNumber(row.newPremium.amount),
                currency: row.newPremium.currency,
                frequency: row.newPremium.frequency,
              },
            }
          : {}),
        decisions: row.decisions.map(toStatusChange),
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
      };
    });
  }
}

/** The state a card shows: the status and how many moves the request has had. */
function stateOf(row: RequestRow): string {
  return `${row.status}:${row.decisions.length}`;
}

const statusWords: Record<BenefitRequestStatus, string> = {
  requested: 'sent back for a decision',
  info_requested: 'sent to the customer for information',
  approved: 'approved',
  denied: 'denied',
  fulfilled: 'fulfilled',
};

export const frequencyWords: Record<PremiumFrequency, string> = {
  monthly: 'a month',
  quarterly: 'a quarter',
  semiannual: 'every six months',
  annual: 'a year',
};

function formatMoney(amount: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(amount);
}

function sameName(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

function planRef(type: PolicyTypeRow | undefined): { code: string; name: string } {
  return { code: type?.code ?? '', name: type?.name ?? 'another plan' };
}

function catalogueOf(policy: PolicyRow, type: PolicyTypeRow): BenefitCatalogue {
  return {
    policyNumber: policy.number,
    policyTypeName: type.name,
    policyStatus: policy.status,
    benefits: type.benefits.map((benefit): BenefitOffer => ({
      code: benefit.code,
      name: benefit.name,
      description: benefit.description,
      requiresApproval: benefit.requiresApproval,
      keywords: [...(benefit.keywords ?? [])],
      needs: [...(benefit.needs ?? [])],
      ruleTexts: ruleTexts(benefit.rules),
    })),
  };
}

function planOf(policy: PolicyRow, current: PolicyTypeRow, plan: PolicyTypeRow): UpgradePlan {
  const limits = new Map(
    policy.coverages.map((coverage) => [coverage.name, decimalToNumber(coverage.limit)]),
  );
  const benefits = new Set(current.benefits.map((benefit) => benefit.code));
  return {
    code: plan.code,
    name: plan.name,
    description: plan.description,
    currency: policy.premium.currency,
    addsCoverages: plan.coverages.flatMap((coverage) => {
      const limit = decimalToNumber(coverage.defaultLimit) ?? 0;
      const held = limits.get(coverage.name);
      return held === undefined || limit > held ? [{ name: coverage.name, limit }] : [];
    }),
    addsBenefits: plan.benefits
      .filter((benefit) => !benefits.has(benefit.code))
      .map((benefit) => ({ name: benefit.name, description: benefit.description })),
  };
}

/** The plan's coverages, each at the higher of the policy's limit and the plan's default. */
function upgradedCoverages(policy: PolicyRow, plan: PolicyTypeRow) {
  const held = new Map(policy.coverages.map((coverage) => [coverage.name, coverage]));
  return plan.coverages.map((coverage) => {
    const mine = held.get(coverage.name);
    const planLimit = decimalToNumber(coverage.defaultLimit) ?? 0;
    const limit = Math.max(planLimit, mine ? decimalToNumber(mine.limit) : 0);
    const deductible = mine
      ? decimalToNumber(mine.deductible)
      : (decimalToNumber(coverage.defaultDeductible) ?? 0);
    return { name: coverage.name, limit: toDecimal(limit), deductible: toDecimal(deductible) };
  });
}

export type { BenefitCatalogue, BenefitOffer, RuleCheck } from './benefits.js';

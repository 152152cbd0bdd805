/**
 * Premium payments: what is due on each of a customer's policies, a checkout link for it (when a
 * payment provider is configured) or the insurer's own payment instructions, and the recording of a
 * completed payment.
 *
 * A payment is recorded once per checkout session (a unique index), then moves the policy's next due
 * date with a write guarded by the date it settles, cancels the reminders of that due date and tells
 * the customer through the event relay. Each step may be repeated without effect, so a webhook that is
 * delivered again, or retried after a crash halfway, finishes the work and doubles nothing.
 */
import type { Types } from 'mongoose';
import { z } from 'zod';
import type { LeanDoc, Models, PolicyStatus, PremiumFrequency } from '../db/models/index.js';
import { DomainError } from './errors.js';
import { pendingEvent, type EventDrain } from './lifecycle.js';
import { decimalToNumber, idOf, isDuplicateKeyError, parseObjectId, toDecimal } from './mapping.js';
import { findOwnPolicy } from './policies.js';
import { policyReminders, premiumGraceDays } from './reminders.js';
import { isoDateSchema, toIsoDate } from './dates.js';

const dayMs = 24 * 60 * 60 * 1000;

/** A premium can be paid from this many days before its due date (when the insurer bills it). */
export const billingWindowDays = 21;

const monthsPerPeriod: Readonly<Record<PremiumFrequency, number>> = {
  monthly: 1,
  quarterly: 3,
  semiannual: 6,
  annual: 12,
};

/**
 * Where a policy's premium stands: `due` (billed, not yet late), `overdue` (late, within the grace
 * period), `upcoming` (not billed yet), `lapsed` (the grace period is over: a person must reinstate
 * it) or `none` (nothing more is due: no due date, or the policy ended or was cancelled).
 */
export type PremiumState = 'due' | 'overdue' | 'upcoming' | 'lapsed' | 'none';

/** One policy's premium as the customer sees it. */
export interface PremiumDue {
  policyNumber: string;
  insurerName: string;
  typeName: string;
  status: PolicyStatus;
  amount: number;
  currency: string;
  frequency: PremiumFrequency;
  state: PremiumState;
  /** The next due date, when there is one. */
  dueDate?: Date;
  /** The last day a late premium keeps the cover (due date plus the grace period). */
  graceEndDate?: Date;
}

/** Whether the customer can pay this premium now. */
export function isPayable(due: Pick<PremiumDue, 'state'>): boolean {
  return due.state === 'due' || due.state === 'overdue';
}

/** What the customer is given to pay with. */
export type PaymentStart =
  | { kind: 'link'; due: PremiumDue; url: string; expiresAt: Date }
  | { kind: 'instructions'; due: PremiumDue; insurerName: string; instructions: string };

/** One hosted checkout, as the payment provider wrapper is asked for it. */
export interface CheckoutRequest {
  /** What the customer reads on the checkout page. */
  description: string;
  /** In currency units (dollars, not cents). */
  amount: number;
  currency: string;
  /** Returned on the completed session, so the payment can be matched to its policy and due date. */
  metadata: CheckoutMetadata;
  /** The same request twice gets the same checkout, so asking again never opens a second charge. */
  idempotencyKey: string;
}

/** A hosted checkout page. */
export interface CheckoutSession {
  id: string;
  url: string;
  expiresAt: Date;
}

/** Creates hosted checkout pages (Stripe Checkout); no card detail ever passes through the app. */
export interface CheckoutLinks {
  create(request: CheckoutRequest): Promise<CheckoutSession>;
}

export const checkoutMetadataSchema = z.object({
  policyId: z.string().regex(/^[0-9a-f]{24}$/i),
  policyNumber: z.string().regex(/^[A-Z]{3}-\d{6}$/),
  dueDate: isoDateSchema,
});
export type CheckoutMetadata = z.infer<typeof checkoutMetadataSchema>;

/** A checkout the provider reports as paid (a verified webhook). */
export interface CompletedCheckout {
  provider: 'stripe';
  eventId: string;
  sessionId: string;
  /** In currency units. */
  amount: number;
  currency: string;
  metadata: CheckoutMetadata;
  paidAt: Date;
}

/** What recording a completed checkout did. */
export interface RecordedPayment {
  /** False when this checkout was recorded before (a redelivered or second event). */
  recorded: boolean;
  paymentId: string;
  policyNumber: string;
  nextDueDate?: Date;
}

/** Premiums and their payment, always scoped to the customer asking. */
export interface PaymentService {
  /** What is due on each of the customer's policies, by policy number. */
  dueForCustomer(customerId: string): Promise<PremiumDue[]>;
  /** One policy's premium, only if the customer holds it; otherwise `not_found`. */
  dueFor(customerId: string, policyNumber: string): Promise<PremiumDue>;
  /**
   * A way to pay what is due on the customer's policy: a checkout link, or the insurer's instructions
   * when no payment provider is configured. `not_found` for a policy not theirs, `conflict` when
   * nothing can be paid now.
   */
  startPayment(customerId: string, policyNumber: string): Promise<PaymentStart>;
  /** Records a paid checkout once, however often it is reported (see the module comment). */
  recordCheckout(checkout: CompletedCheckout): Promise<RecordedPayment>;
}

/** Options of {@link MongoPaymentService}. */
export interface PaymentServiceOptions {
  models: Pick<Models, 'policies' | 'insurers' | 'policyTypes' | 'payments' | 'reminders'>;
  events: EventDrain;
  now: () => Date;
  /** Hosted checkout; unset means the insurer's own payment instructions are given instead. */
  checkout?: CheckoutLinks;
}

type PolicyRow = LeanDoc<Models['policies']>;

export class MongoPaymentService implements PaymentService {
  constructor(private readonly options: PaymentServiceOptions) {}

  async dueForCustomer(customerId: string): Promise<PremiumDue[]> {
    const holder = parseObjectId(customerId, 'customer');
    const rows = await this.options.models.policies.find({ holder }).sort({ number: 1 }).lean();
    return this.describe(rows);
  }

  async dueFor(customerId: string, policyNumber: string): Promise<PremiumDue> {
    const holder = parseObjectId(customerId, 'customer');
    const [due] = await this.describe([await findOwnPolicy(this.options.models, holder, policyNumber)]);
    if (!due) throw new DomainError('not_found', 'policy not found');
    return due;
  }

  async startPayment(customerId: string, policyNumber: string): Promise<PaymentStart> {
    const holder = parseObjectId(customerId, 'customer');
    const row = await findOwnPolicy(this.options.models, holder, policyNumber);
    const [due] = await this.describe([row]);
    if (!due || !isPayable(due) || !due.dueDate) {
      throw new DomainError('conflict', 'nothing can be paid on this policy now', { state: due?.state });
    }
    const { checkout } = this.options;
    if (!checkout) {
      const insurer = await this.options.models.insurers.findById(row.insurer).lean();
      return {
        kind: 'instructions',
        due,
        insurerName: due.insurerName,
        instructions: insurer ? instructionsOf(insurer) : 'Please contact your insurer to pay.',
      };
    }
    const dueDate = toIsoDate(due.dueDate);
    const session = await checkout.create({
      description: `${due.typeName} premium, policy ${due.policyNumber}, due ${dueDate}`,
      amount: due.amount,
      currency: due.currency,
      metadata: { policyId: idOf(row._id), policyNumber: due.policyNumber, dueDate },
      idempotencyKey: `premium:${idOf(row._id)}:${dueDate}:${due.amount.toFixed(2)}`,
    });
    return { kind: 'link', due, url: session.url, expiresAt: session.expiresAt };
  }

  async recordCheckout(checkout: CompletedCheckout): Promise<RecordedPayment> {
    const { models, now } = this.options;
    const policyId = parseObjectId(checkout.metadata.policyId, 'policy');
    const policy = await models.policies
      .findOne({ _id: policyId, number: checkout.metadata.policyNumber })
      .lean();
    if (!policy) throw new DomainError('not_found', 'policy not found');
    const dueDate = new Date(`${checkout.metadata.dueDate}T00:00:00Z`);
    // The stored due date carries the time of day it was set with; the checkout names only the day.
    const settled =
      policy.nextDueDate && toIsoDate(policy.nextDueDate) === checkout.metadata.dueDate
        ? policy.nextDueDate
        : dueDate;
    const nextDueDate = nextDueAfter(settled, policy.premium.frequency, policy.endDate);

    const payment = await this.insertOnce(checkout, policy, settled, nextDueDate);
    // Guarded by the due date it settles: a repeated report finds it moved and changes nothing.
    await models.policies.updateOne(
      { _id: policy._id, nextDueDate: settled, status: { $in: ['active', 'lapsed'] } },
      nextDueDate
        ? { $set: { nextDueDate, status: 'active' } }
        : { $set: { status: 'active' }, $unset: { nextDueDate: 1 } },
    );
    const paidPeriod = policyReminders({ ...policy, status: 'active', nextDueDate: settled })
      .filter((reminder) => reminder.kind === 'premium_due' || reminder.kind === 'premium_overdue')
      .map((reminder) => reminder.key);
    await models.reminders.updateMany(
      { key: { $in: paidPeriod }, status: 'scheduled' },
      { $set: { status: 'cancelled', reason: 'premium paid', settledAt: now() } },
    );
    await this.options.events.drain(models.payments.collection.collectionName, payment.id);
    return {
      recorded: payment.recorded,
      paymentId: idOf(payment.id),
      policyNumber: policy.number,
      ...(nextDueDate ? { nextDueDate } : {}),
    };
  }

  /** The payment row of this checkout: inserted now, or the one an earlier report inserted. */
  private async insertOnce(
    checkout: CompletedCheckout,
    policy: PolicyRow,
    dueDate: Date,
    nextDueDate: Date | undefined,
  ): Promise<{ id: Types.ObjectId; recorded: boolean }> {
    const { payments } = this.options.models;
    const existing = await payments.findOne({ sessionId: checkout.sessionId }).select({ _id: 1 }).lean();
    if (existing) return { id: existing._id, recorded: false };
    const event = pendingEvent({
      action: 'payment.recorded',
      actor: { type: 'system', id: checkout.provider },
      at: this.options.now(),
      details: { number: policy.number, provider: checkout.provider, sessionId: checkout.sessionId },
      notify: {
        recipient: policy.holder,
        template: 'payment.received',
        payload: {
          number: policy.number,
          amount: checkout.amount,
          currency: checkout.currency,
          dueDate: toIsoDate(dueDate),
          ...(nextDueDate ? { nextDueDate: toIsoDate(nextDueDate) } : {}),
        },
      },
    });
    try {
      const created = await payments.create({
        policy: policy._id,
        customer: policy.holder,
        policyNumber: policy.number,
        amount: toDecimal(checkout.amount),
        currency: checkout.currency,
        dueDate,
        ...(nextDueDate ? { nextDueDate } : {}),
        provider: checkout.provider,
        sessionId: checkout.sessionId,
        eventId: checkout.eventId,
        paidAt: checkout.paidAt,
        pendingEvents: [event],
      });
      return { id: created._id, recorded: true };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Another delivery of the same checkout won the race (or the same event id came for it).
      const winner = await payments
        .findOne({ $or: [{ sessionId: checkout.sessionId }, { eventId: checkout.eventId }] })
        .select({ _id: 1 })
        .lean();
      if (!winner) throw error;
      return { id: winner._id, recorded: false };
    }
  }

  private async describe(rows: PolicyRow[]): Promise<PremiumDue[]> {
    if (rows.length === 0) return [];
    const [insurers, types] = await Promise.all([
      this.options.models.insurers
        .find({ _id: { $in: rows.map((row) => row.insurer) } })
        .select({ name: 1 })
        .lean(),
      this.options.models.policyTypes
        .find({ _id: { $in: rows.map((row) => row.policyType) } })
        .select({ name: 1 })
        .lean(),
    ]);
    const insurerName = new Map(insurers.map((insurer) => [idOf(insurer._id), insurer.name]));
    const typeName = new Map(types.map((type) => [idOf(type._id), type.name]));
    const now = this.options.now();
    return rows.map((row) => {
      const state = premiumState(row, now);
      const dueDate = state === 'none' ? undefined : (row.nextDueDate ?? undefined);
      return {
        policyNumber: row.number,
        insurerName: insurerName.get(idOf(row.insurer)) ?? 'your insurer',
        typeName: typeName.get(idOf(row.policyType)) ?? 'Policy',
        status: row.status,
        amount: decimalToNumber(row.premium.amount),
        currency: row.premium.currency,
        frequency: row.premium.frequency,
        state,
        ...(dueDate ? { dueDate, graceEndDate: new Date(dueDate.getTime() + premiumGraceDays * dayMs) } : {}),
      };
    });
  }
}

/** Where a policy's premium stands at `now` (see {@link PremiumState}). */
export function premiumState(
  policy: { status: PolicyStatus; nextDueDate?: Date | null; endDate: Date },
  now: Date,
): PremiumState {
  const due = policy.nextDueDate;
  if (!due || (policy.status !== 'active' && policy.status !== 'lapsed')) return 'none';
  const late = now.getTime() - due.getTime();
  if (late > premiumGraceDays * dayMs) return 'lapsed';
  // A due date is a day: the premium is late only once that day is over.
  if (late >= dayMs) return 'overdue';
  if (due.getTime() - now.getTime() <= billingWindowDays * dayMs) return 'due';
  return 'upcoming';
}

/** The due date after `due` for a premium paid every `frequency`; undefined once past the policy's end. */
export function nextDueAfter(due: Date, frequency: PremiumFrequency, endDate: Date): Date | undefined {
  const next = addMonthsUtc(due, monthsPerPeriod[frequency]);
  return next.getTime() < endDate.getTime() ? next : undefined;
}

/** `date` plus `months` calendar months, on the same day of the month or that month's last day. */
function addMonthsUtc(date: Date, months: number): Date {
  const day = date.getUTCDate();
  const moved = new Date(date.getTime());
  moved.setUTCDate(1);
  moved.setUTCMonth(moved.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(moved.getUTCFullYear(), moved.getUTCMonth() + 1, 0)).getUTCDate();
  moved.setUTCDate(Math.min(day, lastDay));
  return moved;
}

/** The insurer's own payment instructions, or its contact details when it gave none. */
function instructionsOf(insurer: LeanDoc<Models['insurers']>): string {
  if (insurer.paymentInstructions) return insurer.paymentInstructions;
  const ways = [insurer.website, insurer.claimsPhone].filter((way) => way !== undefined && way !== null);
  return ways.length > 0
    ? `Pay ${insurer.name} directly: ${ways.join(' or ')}.`
    : `Please contact ${insurer.name} to pay.`;
}

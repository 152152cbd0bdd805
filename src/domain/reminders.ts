/**
 * Reminders: what the customer is reminded of and when, planned into unique rows and released into the
 * outbox when due.
 *
 * - Premium due: 7 days and 1 day before `nextDueDate`, and the day after it (overdue, with the end of
 *   the grace period).
 * - Renewal: 30 and 7 days before `endDate`; expired without renewal: the day after `endDate`.
 * - Missing claim documents: 2 days after the claim was filed or information was last requested, then
 *   every 5 days, three times at most, while items are missing.
 *
 * A reminder's key is its kind, subject and due time, so planning twice schedules nothing twice. What a
 * reminder is for is worked out again from the subject before it is planned, while it waits and when it
 * is sent: a payment (`nextDueDate` moved), a renewal (`endDate` moved) or a document that arrived
 * leaves it out of the subject's reminders, and it is cancelled. A reminder found more than a day late
 * (the app was down) is dropped; one less late is sent late, once.
 */
import { Types } from 'mongoose';
import type { LeanDoc, Models, ReminderKind } from '../db/models/index.js';
import { reminderKey } from '../db/models/index.js';
import type { Logger } from '../log.js';
import { nextSendableAt } from '../notifications/sms-pacing.js';
import type { ConsentService } from './consent.js';
import type { ConversationLinkService } from './conversations.js';
import { toIsoDate } from './dates.js';
import { decimalToNumber, isBulkDuplicateOnly, isDuplicateKeyError } from './mapping.js';

const dayMs = 24 * 60 * 60 * 1000;

/** Days after a missed due date during which the premium may still be paid and the policy kept. */
export const premiumGraceDays = 30;
/** A reminder found later than this after its due time is dropped rather than sent. */
export const maxLatenessMs = dayMs;
/** How far ahead a planning pass creates reminders. */
export const planAheadMs = 2 * dayMs;
/** How far back a planning pass still creates reminders it missed (the later ones are dropped). */
export const planBehindMs = 2 * dayMs;

const premiumDueDays = [7, 1];
const renewalDays = [30, 7];
const documentsFirstAfterDays = 2;
const documentsEveryDays = 5;
const documentsAtMost = 3;
const openClaimStatuses = ['submitted', 'in_review', 'info_requested'] as const;
/** Due reminders released at once. */
const releaseConcurrency = 8;

type PolicyRow = Pick<LeanDoc<Models['policies']>, '_id' | 'holder' | 'status' | 'nextDueDate' | 'endDate'>;
type FullPolicyRow = PolicyRow & Pick<LeanDoc<Models['policies']>, 'number' | 'premium'>;
type ClaimRow = LeanDoc<Models['claims']>;
type ReminderRow = LeanDoc<Models['reminders']>;
type ScheduledRow = Pick<ReminderRow, '_id' | 'key' | 'policy' | 'claim'>;

/** Says which documents a claim still waits for (names a customer would recognise); empty when none. */
export type MissingItems = (claim: ClaimRow) => string[];

/** The documents of the claim's checklist it does not have yet. */
export const checklistMissingItems: MissingItems = (claim) =>
  (claim.checklist ?? []).filter((item) => !item.satisfied).map((item) => item.label);

/** A reminder a subject calls for. */
export interface ReminderCandidate {
  key: string;
  kind: ReminderKind;
  customer: Types.ObjectId;
  policy?: Types.ObjectId;
  claim?: Types.ObjectId;
  dueAt: Date;
}

function candidate(
  kind: ReminderKind,
  subject: { policy?: Types.ObjectId; claim?: Types.ObjectId },
  customer: Types.ObjectId,
  dueAt: Date,
): ReminderCandidate {
  return {
    key: reminderKey(kind, (subject.claim ?? subject.policy)!, dueAt),
    kind,
    customer,
    ...subject,
    dueAt,
  };
}

/** Every reminder a policy calls for in its present state, whenever due. */
export function policyReminders(policy: PolicyRow): ReminderCandidate[] {
  const found: ReminderCandidate[] = [];
  const subject = { policy: policy._id };
  if (policy.status === 'active' && policy.nextDueDate) {
    const due = policy.nextDueDate.getTime();
    for (const days of premiumDueDays) {
      found.push(candidate('premium_due', subject, policy.holder, new Date(due - days * dayMs)));
    }
    found.push(candidate('premium_overdue', subject, policy.holder, new Date(due + dayMs)));
  }
  if (policy.status === 'active') {
    const end = policy.endDate.getTime();
    for (const days of renewalDays) {
      found.push(candidate('renewal', subject, policy.holder, new Date(end - days * dayMs)));
    }
  }
  // A policy past its end date may already be marked expired; a cancelled one is not reminded of.
  if (policy.status === 'active' || policy.status === 'expired') {
    found.push(
      candidate('policy_expired', subject, policy.holder, new Date(policy.endDate.getTime() + dayMs)),
    );
  }
  return found;
}

/** The time documents were last asked for: the filing, or the latest request for information. */
function documentsAskedAt(claim: ClaimRow): Date {
  let asked = claim.createdAt;
  for (const change of claim.statusHistory) {
    if (change.to === 'info_requested' && change.at.getTime() > asked.getTime()) asked = change.at;
  }
  return asked;
}

/** Every reminder a claim calls for in its present state, whenever due. */
export function claimReminders(claim: ClaimRow, missingItems: MissingItems): ReminderCandidate[] {
  if (!(openClaimStatuses as readonly string[]).includes(claim.status)) return [];
  if (missingItems(claim).length === 0) return [];
  const asked = documentsAskedAt(claim).getTime();
  return Array.from({ length: documentsAtMost }, (_, index) =>
    candidate(
      'missing_documents',
      { claim: claim._id },
      claim.customer,
      new Date(asked + (documentsFirstAfterDays + index * documentsEveryDays) * dayMs),
    ),
  );
}

/** What happened to one due reminder in a release pass. */
export interface ReleaseOutcome {
  reminderId: string;
  kind: ReminderKind;
  /**
   * `sent`: in the outbox, leaving now; `deferred`: in the outbox, waiting for the end of the quiet
   * hours; `skipped`: no SMS consent and no conversation; `cancelled`: no longer called for;
   * `dropped`: more than a day late.
   */
  outcome: 'sent' | 'deferred' | 'skipped' | 'cancelled' | 'dropped';
  route?: 'sms' | 'conversation';
  /** When it leaves (deferred) or was due (dropped). */
  at?: Date;
}

/** What a planning pass did. */
export interface PlanSummary {
  /** Reminders newly scheduled. */
  scheduled: number;
  /** Scheduled reminders cancelled because their subject no longer calls for them. */
  cancelled: number;
  /** Subjects (policies and claims) looked at. */
  subjects: number;
}

/** Options of a pass. */
export interface PassOptions {
  /** Work out and report everything, write nothing but newly planned reminders, send nothing. */
  dryRun?: boolean;
  /** Stops the pass between two reminders (the job lost its lease). */
  signal?: AbortSignal;
}

/** The kinds of reminder a premium payment makes pointless. */
export const premiumReminderKinds = [
  'premium_due',
  'premium_overdue',
] as const satisfies readonly ReminderKind[];
/** The kinds of reminder a renewal makes pointless. */
export const renewalReminderKinds = ['renewal', 'policy_expired'] as const satisfies readonly ReminderKind[];

/** Which scheduled reminders {@link ReminderService.cancelPending} cancels. */
export interface CancelPendingInput {
  /** One kind or several, e.g. {@link premiumReminderKinds} after a payment. */
  kind: ReminderKind | readonly ReminderKind[];
  /** The policy (premium, renewal, expiry) or claim (missing documents) they are about. */
  subject: { policy: Types.ObjectId | string } | { claim: Types.ObjectId | string };
  /** Recorded on the cancelled rows; default "no longer due". */
  reason?: string;
  now?: Date;
}

/** Plans reminders and hands the due ones to the outbox. */
export interface ReminderService {
  /** Schedules the reminders due from shortly before `now` to shortly after, and cancels stale ones. */
  plan(now: Date, options?: PassOptions): Promise<PlanSummary>;
  /** Hands every reminder due at `now` to the outbox (or settles it otherwise). */
  release(now: Date, options?: PassOptions): Promise<ReleaseOutcome[]>;
  /**
   * Cancels at once the pending reminders of `kind` about `subject` (a payment, a renewal or an
   * arrived document made them pointless): the scheduled ones, and those waiting in the outbox (for
   * the end of the quiet hours, or the pace), whose outbox row is then `failed` with the reason.
   * Resolves with how many. Planning and release check again anyway; this makes it immediate.
   */
  cancelPending(input: CancelPendingInput): Promise<number>;
}

/** What {@link MongoReminderService} is built from. */
export interface ReminderServiceOptions {
  models: Pick<Models, 'reminders' | 'policies' | 'claims' | 'customers' | 'notifications'>;
  consent: Pick<ConsentService, 'smsStatus'>;
  conversations: Pick<ConversationLinkService, 'latest'>;
  /** The zone of a customer who has none. */
  defaultTimeZone: string;
  logger: Logger;
  missingItems?: MissingItems;
  /** Called after reminders were put in the outbox (to wake the dispatcher). */
  onQueued?: () => void;
  /** Rows written or read per round trip; default 1000. */
  batchSize?: number;
}

const policyFields = { _id: 1, holder: 1, status: 1, nextDueDate: 1, endDate: 1 } as const;

export class MongoReminderService implements ReminderService {
  private readonly missingItems: MissingItems;
  private readonly batchSize: number;

  constructor(private readonly options: ReminderServiceOptions) {
    this.missingItems = options.missingItems ?? checklistMissingItems;
    this.batchSize = options.batchSize ?? 1000;
  }

  async plan(now: Date, options: PassOptions = {}): Promise<PlanSummary> {
    const from = now.getTime() - planBehindMs;
    const to = now.getTime() + planAheadMs;
    const inWindow = (found: ReminderCandidate) =>
      found.dueAt.getTime() >= from && found.dueAt.getTime() <= to;
    const summary: PlanSummary = { scheduled: 0, cancelled: 0, subjects: 0 };
    // Only the candidates of one batch of subjects are held at a time: the pass is streamed, and its
    // memory does not grow with the size of the book.
    let batch: ReminderCandidate[] = [];
    const flush = async () => {
      summary.scheduled += await this.insert(batch);
      batch = [];
    };

    // Only subjects with a date near enough for one of their reminders to fall in the window.
    const near = (before: number, after: number) => ({
      $gte: new Date(from - after * dayMs),
      $lte: new Date(to + before * dayMs),
    });
    const policies = this.options.models.policies
      .find({
        status: { $in: ['active', 'expired'] },
        $or: [
          { nextDueDate: near(Math.max(...premiumDueDays), 1) },
          { endDate: near(Math.max(...renewalDays), 1) },
        ],
      })
      .select(policyFields)
      .lean()
      .cursor({ batchSize: this.batchSize });
    for await (const policy of policies) {
      options.signal?.throwIfAborted();
      summary.subjects++;
      for (const found of policyReminders(policy)) if (inWindow(found)) batch.push(found);
      if (batch.length >= this.batchSize) await flush();
    }
    const lastAskedAfter = new Date(
      from - (documentsFirstAfterDays + (documentsAtMost - 1) * documentsEveryDays) * dayMs,
    );
    const claims = this.options.models.claims
      .find({ status: { $in: openClaimStatuses }, updatedAt: { $gte: lastAskedAfter } })
      .lean()
      .cursor({ batchSize: this.batchSize });
    for await (const claim of claims) {
      options.signal?.throwIfAborted();
      summary.subjects++;
      for (const found of claimReminders(claim, this.missingItems)) if (inWindow(found)) batch.push(found);
      if (batch.length >= this.batchSize) await flush();
    }
    await flush();
    summary.cancelled = await this.cancelStale(now, options);
    return summary;
  }

  /**
   * Inserts the candidates not stored yet; resolves with how many were new. The stored keys are asked
   * for first (one indexed `$in` read), so a pass that finds everything planned already writes nothing.
   */
  private async insert(batch: ReminderCandidate[]): Promise<number> {
    if (batch.length === 0) return 0;
    const reminders = this.options.models.reminders;
    const stored = await reminders
      .find({ key: { $in: batch.map((found) => found.key) } })
      .select({ _id: 0, key: 1 })
      .lean();
    const known = new Set(stored.map((row) => row.key));
    const fresh = batch.filter((found) => !known.has(found.key));
    if (fresh.length === 0) return 0;
    const now = new Date();
    // Straight to the collection, skipping per-document validation: the rows are built here, and a
    // duplicate key (another planner inserted it just now) only means the row exists.
    try {
      const result = await reminders.collection.insertMany(
        fresh.map((found) => ({ ...found, status: 'scheduled', createdAt: now, updatedAt: now })),
        { ordered: false },
      );
      return result.insertedCount;
    } catch (error) {
      if (!isBulkDuplicateOnly(error)) throw error;
      return (error as { insertedCount?: number }).insertedCount ?? 0;
    }
  }

  /**
   * Cancels the scheduled reminders their subjects no longer call for; resolves with how many. The
   * scheduled rows are streamed, and each batch's policies and claims read in one query each.
   */
  private async cancelStale(now: Date, options: PassOptions): Promise<number> {
    let cancelled = 0;
    let rows: ScheduledRow[] = [];
    const flush = async () => {
      const stale = await this.staleAmong(rows);
      rows = [];
      if (stale.length === 0 || options.dryRun) {
        cancelled += stale.length;
        return;
      }
      const result = await this.options.models.reminders.updateMany(
        { _id: { $in: stale }, status: 'scheduled' },
        { $set: { status: 'cancelled', reason: 'no longer due', settledAt: now } },
      );
      cancelled += result.modifiedCount;
    };
    const scheduled = this.options.models.reminders
      .find({ status: 'scheduled' })
      .select({ _id: 1, key: 1, policy: 1, claim: 1 })
      .lean()
      .cursor({ batchSize: this.batchSize });
    for await (const reminder of scheduled) {
      options.signal?.throwIfAborted();
      rows.push(reminder);
      if (rows.length >= this.batchSize) await flush();
    }
    await flush();
    return cancelled;
  }

  /** The ids of those reminders their policy or claim, as it is now, no longer calls for. */
  private async staleAmong(rows: ScheduledRow[]): Promise<Types.ObjectId[]> {
    if (rows.length === 0) return [];
    const policyIds = rows.flatMap((row) => (!row.claim && row.policy ? [row.policy] : []));
    const claimIds = rows.flatMap((row) => (row.claim ? [row.claim] : []));
    const [policies, claims] = await Promise.all([
      policyIds.length
        ? this.options.models.policies
            .find({ _id: { $in: policyIds } })
            .select(policyFields)
            .lean()
        : [],
      claimIds.length ? this.options.models.claims.find({ _id: { $in: claimIds } }).lean() : [],
    ]);
    const calledFor = new Set<string>();
    for (const policy of policies) for (const found of policyReminders(policy)) calledFor.add(found.key);
    for (const claim of claims) {
      for (const found of claimReminders(claim, this.missingItems)) calledFor.add(found.key);
    }
    return rows.filter((row) => !row.key || !calledFor.has(row.key)).map((row) => row._id);
  }

  async release(now: Date, options: PassOptions = {}): Promise<ReleaseOutcome[]> {
    const outcomes: ReleaseOutcome[] = [];
    const due = this.options.models.reminders
      .find({ status: 'scheduled', dueAt: { $lte: now } })
      .lean()
      .cursor({ batchSize: this.batchSize });
    let queued = 0;
    let group: ReminderRow[] = [];
    // A few reminders at a time: each takes several round trips, which need not wait for each other.
    const settle = async () => {
      const settled = await Promise.all(group.map((reminder) => this.releaseOne(reminder, now, options)));
      group = [];
      for (const outcome of settled) {
        if (!outcome) continue;
        outcomes.push(outcome);
        if (!options.dryRun && (outcome.outcome === 'sent' || outcome.outcome === 'deferred')) queued++;
      }
      // Wake the dispatcher as the queue fills, not only at the end of a long pass.
      if (queued > 0) this.options.onQueued?.();
    };
    for await (const reminder of due) {
      options.signal?.throwIfAborted();
      group.push(reminder);
      if (group.length >= releaseConcurrency) await settle();
    }
    await settle();
    return outcomes;
  }

  async cancelPending(input: CancelPendingInput): Promise<number> {
    const kinds: readonly ReminderKind[] = typeof input.kind === 'string' ? [input.kind] : input.kind;
    const subject =
      'claim' in input.subject
        ? { claim: new Types.ObjectId(input.subject.claim.toString()) }
        : { policy: new Types.ObjectId(input.subject.policy.toString()) };
    const reason = input.reason ?? 'no longer due';
    const settledAt = input.now ?? new Date();
    const { reminders, notifications } = this.options.models;
    const scheduled = await reminders.updateMany(
      { ...subject, kind: { $in: kinds }, status: 'scheduled' },
      { $set: { status: 'cancelled', reason, settledAt } },
    );
    // Those already in the outbox and still waiting there (for the morning, or the pace) are recalled:
    // a row a dispatcher holds now is past recalling.
    const queued = await reminders
      .find({ ...subject, kind: { $in: kinds }, status: 'sent', notification: { $exists: true } })
      .select({ _id: 1, notification: 1 })
      .lean();
    let recalled = 0;
    for (const reminder of queued) {
      const row = await notifications.updateOne(
        { _id: reminder.notification, status: 'pending' },
        { $set: { status: 'failed', lastError: `reminder cancelled: ${reason}` } },
      );
      if (row.modifiedCount === 0) continue;
      await reminders.updateOne({ _id: reminder._id }, { $set: { status: 'cancelled', reason, settledAt } });
      recalled++;
    }
    return scheduled.modifiedCount + recalled;
  }

  /** Settles one due reminder; undefined when another pass settled it first. */
  private async releaseOne(
    reminder: ReminderRow,
    now: Date,
    options: PassOptions,
  ): Promise<ReleaseOutcome | undefined> {
    const base = { reminderId: reminder._id.toString(), kind: reminder.kind };
    const settle = async (status: 'cancelled' | 'skipped' | 'dropped', reason: string) => {
      if (options.dryRun) return true;
      const result = await this.options.models.reminders.updateOne(
        { _id: reminder._id, status: 'scheduled' },
        { $set: { status, reason, settledAt: now } },
      );
      return result.modifiedCount === 1;
    };

    const lateMs = now.getTime() - reminder.dueAt.getTime();
    if (lateMs > maxLatenessMs) {
      if (!(await settle('dropped', 'more than a day late'))) return undefined;
      this.options.logger.warn(
        { reminder: base.reminderId, kind: reminder.kind, lateMinutes: Math.round(lateMs / 60_000) },
        'reminder dropped: more than a day late',
      );
      return { ...base, outcome: 'dropped', at: reminder.dueAt };
    }

    const payload = await this.payloadFor(reminder);
    if (!payload) {
      return (await settle('cancelled', 'no longer due')) ? { ...base, outcome: 'cancelled' } : undefined;
    }

    const customer = await this.options.models.customers
      .findById(reminder.customer)
      .select({ phone: 1, timezone: 1 })
      .lean();
    if (!customer)
      return (await settle('skipped', 'customer gone')) ? { ...base, outcome: 'skipped' } : undefined;
    let route: 'sms' | 'conversation';
    let nextAttemptAt = now;
    if ((await this.options.consent.smsStatus(customer.phone)) === 'opted_in') {
      route = 'sms';
      nextAttemptAt = nextSendableAt(now, customer.timezone || this.options.defaultTimeZone);
    } else if (await this.options.conversations.latest(customer._id.toString())) {
      route = 'conversation';
    } else {
      return (await settle('skipped', 'no SMS consent and no conversation'))
        ? { ...base, outcome: 'skipped' }
        : undefined;
    }
    const outcome: ReleaseOutcome = {
      ...base,
      outcome: nextAttemptAt.getTime() > now.getTime() ? 'deferred' : 'sent',
      route,
      ...(nextAttemptAt.getTime() > now.getTime() ? { at: nextAttemptAt } : {}),
    };
    if (options.dryRun) return outcome;

    // The outbox row first, under a key of this reminder: a pass that dies before marking the
    // reminder sent finds the row there next time instead of queueing a second one.
    const idempotencyKey = `reminder:${base.reminderId}`;
    const notifications = this.options.models.notifications;
    let notification: Types.ObjectId;
    try {
      const created = await notifications.create({
        recipient: reminder.customer,
        route,
        template: `reminder.${reminder.kind}`,
        payload,
        idempotencyKey,
        nextAttemptAt,
      });
      notification = created._id;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const existing = await notifications.findOne({ idempotencyKey }).select({ _id: 1 }).lean();
      if (!existing) throw error;
      notification = existing._id;
    }
    const marked = await this.options.models.reminders.updateOne(
      { _id: reminder._id, status: 'scheduled' },
      { $set: { status: 'sent', notification, settledAt: now } },
    );
    return marked.modifiedCount === 1 ? outcome : undefined;
  }

  /** What the reminder's template needs, or undefined when its subject no longer calls for it. */
  private async payloadFor(reminder: ReminderRow): Promise<Record<string, unknown> | undefined> {
    if (reminder.kind === 'missing_documents') {
      const claim = reminder.claim ? await this.options.models.claims.findById(reminder.claim).lean() : null;
      if (!claim || !claimReminders(claim, this.missingItems).some((found) => found.key === reminder.key)) {
        return undefined;
      }
      return { number: claim.number, items: this.missingItems(claim).slice(0, 5) };
    }
    const policy: FullPolicyRow | null = reminder.policy
      ? await this.options.models.policies
          .findById(reminder.policy)
          .select({ ...policyFields, number: 1, premium: 1 })
          .lean()
      : null;
    if (!policy || !policyReminders(policy).some((found) => found.key === reminder.key)) return undefined;
    const daysBefore = (anchor: Date) => Math.round((anchor.getTime() - reminder.dueAt.getTime()) / dayMs);
    switch (reminder.kind) {
      case 'premium_due':
      case 'premium_overdue': {
        const dueDate = policy.nextDueDate!;
        return {
          number: policy.number,
          amount: decimalToNumber(policy.premium.amount),
          currency: policy.premium.currency,
          dueDate: toIsoDate(dueDate),
          ...(reminder.kind === 'premium_due'
            ? { days: daysBefore(dueDate) }
            : { graceEndDate: toIsoDate(new Date(dueDate.getTime() + premiumGraceDays * dayMs)) }),
        };
      }
      case 'renewal':
        return {
          number: policy.number,
          endDate: toIsoDate(policy.endDate),
          days: daysBefore(policy.endDate),
        };
      case 'policy_expired':
        return { number: policy.number, endDate: toIsoDate(policy.endDate) };
    }
  }
}

import { z } from 'zod';
import type { FieldCipher } from '../db/encryption.js';
import type { NotificationModel } from '../db/models/notification.js';
import type { VerificationAttemptModel } from '../db/models/verification-attempt.js';
import type { Actor } from './actor.js';
import type { AuditLog } from './audit.js';
import {
  identityClaimSchema,
  type CustomerService,
  type CustomerSummary,
  type IdentifiedCustomer,
} from './customers.js';
import { isoDateSchema } from './dates.js';
import { isDuplicateKeyError, parseInput } from './mapping.js';
import { normalizePhone } from './phone.js';
import { normalizeNumber } from './policies.js';

/**
 * When failures lock verification, and for how long. A stranger who knows someone's policy number must
 * not be able to keep that customer out: their failures lock their own conversation and client first,
 * and the customer only when failures come from several sources.
 */
export interface VerificationLimits {
  /** Failures that lock one conversation. */
  maxFailures: number;
  /** Failures that lock one client (people behind one network address share it, hence more). */
  maxClientFailures: number;
  /** Distinct clients (or conversations, where the channel names no client) whose failures lock the customer. */
  customerLockSources: number;
  /** How long a lock lasts, and how long failures count. */
  lockMs: number;
}

export const defaultVerificationLimits: VerificationLimits = {
  maxFailures: 3,
  maxClientFailures: 10,
  customerLockSources: 3,
  lockMs: 15 * 60 * 1000,
};

/** What the customer gave: a policy number or a phone, and a date of birth as ISO `YYYY-MM-DD`. */
export interface VerificationClaim {
  policyNumber?: string;
  phone?: string;
  dateOfBirth: string;
}

/** The identifier half of a claim, as a dialog keeps it between the two questions. */
export type VerificationIdentifier = { policyNumber: string } | { phone: string };

/** Where the attempt comes from; its failures count against the conversation and the client as well. */
export interface VerificationContext {
  channel: string;
  conversationId: string;
  /** The channel's key for the caller (see `src/bot/client-key.ts`); absent when it knows none. */
  clientKey?: string;
}

/**
 * The outcome of one attempt. `failed` and `locked` read the same whether or not the policy number or
 * phone exists, so the bot's answer cannot be used to find customers.
 */
export type VerificationResult =
  | { status: 'verified'; customer: CustomerSummary }
  | { status: 'failed'; attemptsLeft: number }
  /** `afterFailure`: this attempt was checked, failed, and started the lock (rather than finding one). */
  | { status: 'locked'; until: Date; afterFailure: boolean };

/** Identity verification with locks after repeated failures, kept in the database. */
export interface VerificationService {
  /** Checks the claim unless the identity, conversation or client is locked; counts a failure otherwise. */
  verify(claim: VerificationClaim, context: VerificationContext): Promise<VerificationResult>;
  /** Until when the conversation (or its client) is locked out of verification, or null. */
  conversationLockedUntil(context: VerificationContext): Promise<Date | null>;
  /**
   * The identifier encrypted, for a dialog to keep in conversation state (which is stored) until the
   * date of birth arrives, so no policy number or phone sits there in the clear.
   */
  sealIdentifier(identifier: VerificationIdentifier): string;
  /** The identifier `sealIdentifier` sealed, or undefined when the value cannot be opened. */
  openIdentifier(sealed: string): VerificationIdentifier | undefined;
}

const identifierSchema = z.union([
  z.strictObject({ policyNumber: z.string().min(1) }),
  z.strictObject({ phone: z.string().min(1) }),
]);

interface Models {
  verificationAttempts: VerificationAttemptModel;
  notifications: NotificationModel;
}

const identifierIndexPurpose = 'verification.identifier';
const clientIndexPurpose = 'verification.client';

/** A subject failures count against, and when its failures lock it. */
interface Subject {
  id: string;
  /** Whether a row with this many failures from these sources is locked. */
  locks(row: { failures: number; sources: string[] }): boolean;
  /** How many more failures this subject allows before it locks, for the customer's "n more tries". */
  allows(row: { failures: number; sources: string[] }): number;
}

/**
 * Failures count against the conversation and the client they come from, which lock after a few; and
 * against the customer the identifier belongs to (so switching from policy number to phone, or to a new
 * conversation, does not reset them), which locks only once failures came from several sources, and is
 * then told by SMS. An identifier that belongs to nobody counts exactly like a customer, so unknown
 * identifiers behave like known ones.
 */
export class MongoVerificationService implements VerificationService {
  constructor(
    private readonly models: Models,
    private readonly customers: CustomerService,
    private readonly cipher: Pick<FieldCipher, 'blindIndex' | 'encrypt' | 'decrypt'>,
    private readonly audit: AuditLog,
    private readonly limits: VerificationLimits = defaultVerificationLimits,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async verify(claim: VerificationClaim, context: VerificationContext): Promise<VerificationResult> {
    const identified = await this.customers.identify({
      ...(claim.policyNumber ? { policyNumber: claim.policyNumber } : {}),
      ...(claim.phone ? { phone: claim.phone } : {}),
    });
    const source = this.sourceSubjects(context);
    const identity: Subject = {
      id: this.identitySubject(claim, identified),
      locks: (row) => row.sources.length >= this.limits.customerLockSources,
      // Further failures from this source do not bring the lock nearer; one from a new source does.
      allows: (row) => this.limits.customerLockSources - row.sources.length,
    };
    const subjects = [identity, ...source];
    const lockedUntil = await this.lockedUntil(subjects.map((subject) => subject.id));
    if (lockedUntil) return { status: 'locked', until: lockedUntil, afterFailure: false };

    const dateOfBirth = isoDateSchema.safeParse(claim.dateOfBirth);
    if (dateOfBirth.success && (claim.policyNumber || claim.phone)) {
      // A blank identifier is a bad request, as for CustomerService.verifyIdentity, not a failed attempt.
      parseInput(identityClaimSchema, {
        ...(claim.policyNumber ? { policyNumber: claim.policyNumber } : { phone: claim.phone }),
        dateOfBirth: dateOfBirth.data,
      });
      if (identified?.bornOn(dateOfBirth.data)) {
        // The customer's own success clears their count and their conversation's, not the client's:
        // one right answer must not reset a client that is trying many identities.
        const cleared = [identity.id, conversationSubject(context)];
        await this.models.verificationAttempts.deleteMany({ _id: { $in: cleared } });
        return { status: 'verified', customer: identified.customer };
      }
    }

    // The source of this failure, as the customer's record keeps it: a keyed hash of the client (or the
    // conversation), never the address itself.
    const sourceId = source.map((subject) => subject.id).at(-1) ?? conversationSubject(context);
    const outcomes = await Promise.all(
      subjects.map((subject) => this.recordFailure(subject, subject === identity ? sourceId : undefined)),
    );
    const until = outcomes
      .map((outcome) => outcome.lockedUntil)
      .filter((date): date is Date => date !== null);
    const customerLock = outcomes[0];
    if (identified && customerLock?.lockStarted && customerLock.lockedUntil) {
      await this.onCustomerLocked(identified.customer.id, customerLock.lockedUntil, context);
    }
    if (until.length) {
      return {
        status: 'locked',
        until: new Date(Math.max(...until.map((date) => date.getTime()))),
        afterFailure: true,
      };
    }
    const attemptsLeft = Math.min(...outcomes.map((outcome) => outcome.allows));
    return { status: 'failed', attemptsLeft };
  }

  async conversationLockedUntil(context: VerificationContext): Promise<Date | null> {
    return this.lockedUntil(this.sourceSubjects(context).map((subject) => subject.id));
  }

  sealIdentifier(identifier: VerificationIdentifier): string {
    return this.cipher.encrypt(JSON.stringify(identifier));
  }

  openIdentifier(sealed: string): VerificationIdentifier | undefined {
    try {
      const parsed = identifierSchema.safeParse(JSON.parse(this.cipher.decrypt(sealed)));
      return parsed.success ? parsed.data : undefined;
    } catch {
      // Altered, or sealed under another key (rotated since): the dialog asks again.
      return undefined;
    }
  }

  /** The conversation, and the client when the channel names one. */
  private sourceSubjects(context: VerificationContext): Subject[] {
    const conversation: Subject = {
      id: conversationSubject(context),
      locks: (row) => row.failures >= this.limits.maxFailures,
      allows: (row) => this.limits.maxFailures - row.failures,
    };
    if (!context.clientKey) return [conversation];
    const client: Subject = {
      id: `client:${this.cipher.blindIndex(clientIndexPurpose, `${context.channel}:${context.clientKey}`)}`,
      locks: (row) => row.failures >= this.limits.maxClientFailures,
      allows: (row) => this.limits.maxClientFailures - row.failures,
    };
    return [conversation, client];
  }

  private identitySubject(claim: VerificationClaim, identified: IdentifiedCustomer | null): string {
    if (identified) return `customer:${identified.customer.id}`;
    const identifier = claim.policyNumber
      ? `policy:${normalizeNumber(claim.policyNumber)}`
      : `phone:${normalizePhone(claim.phone ?? '') ?? (claim.phone ?? '').replace(/\D/g, '')}`;
    return `identifier:${this.cipher.blindIndex(identifierIndexPurpose, identifier)}`;
  }

  private async lockedUntil(subjects: string[]): Promise<Date | null> {
    const rows = await this.models.verificationAttempts
      .find({ _id: { $in: subjects }, lockedUntil: { $gt: this.now() } })
      .lean();
    const until = rows.map((row) => row.lockedUntil).filter((date): date is Date => date instanceof Date);
    return until.length ? new Date(Math.max(...until.map((date) => date.getTime()))) : null;
  }

  /**
   * Adds a failure (from `source`, for a customer or identifier) to the subject's current window, or
   * starts one, and locks the subject when its rule says so. `lockStarted` is true for the one call whose
   * failure started the lock.
   */
  private async recordFailure(
    subject: Subject,
    source: string | undefined,
  ): Promise<{ allows: number; lockedUntil: Date | null; lockStarted: boolean }> {
    const now = this.now();
    const windowOpen = new Date(now.getTime() - this.limits.lockMs);
    const expiresAt = new Date(now.getTime() + this.limits.lockMs);
    const model = this.models.verificationAttempts;
    const addSource = source === undefined ? {} : { $addToSet: { sources: source } };
    let row = await model
      .findOneAndUpdate(
        { _id: subject.id, windowStart: { $gt: windowOpen }, lockedUntil: null },
        { $inc: { failures: 1 }, $set: { expiresAt }, ...addSource },
        { returnDocument: 'after' },
      )
      .lean();
    if (!row) {
      // No current window (first failure, old failures, or a lock that has run out): start afresh.
      const fresh = {
        failures: 1,
        sources: source === undefined ? [] : [source],
        windowStart: now,
        lockedUntil: null,
        expiresAt,
      };
      try {
        row = await model
          .findOneAndUpdate({ _id: subject.id }, { $set: fresh }, { returnDocument: 'after', upsert: true })
          .lean();
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        row = await model
          .findOneAndUpdate(
            { _id: subject.id },
            { $inc: { failures: 1 }, ...addSource },
            { returnDocument: 'after' },
          )
          .lean();
      }
    }
    if (!row) throw new Error('verification attempt was not recorded');
    const counted = { failures: row.failures, sources: row.sources ?? [] };
    if (!subject.locks(counted))
      return { allows: subject.allows(counted), lockedUntil: null, lockStarted: false };
    const locked = await model.updateOne(
      { _id: subject.id, lockedUntil: null },
      { $set: { lockedUntil: expiresAt, expiresAt } },
    );
    return { allows: 0, lockedUntil: expiresAt, lockStarted: locked.modifiedCount === 1 };
  }

  /** Records the lock in the audit log and tells the customer by SMS, through the outbox, once per lock. */
  private async onCustomerLocked(
    customerId: string,
    until: Date,
    context: VerificationContext,
  ): Promise<void> {
    await this.auditLock(customerId, context);
    const lockStart = new Date(until.getTime() - this.limits.lockMs);
    try {
      await this.models.notifications.create({
        recipient: customerId,
        route: 'sms',
        template: 'verification.locked',
        // Nothing personal: the template says what happened and how to reach a person.
        payload: {},
        idempotencyKey: `verification.locked:${customerId}:${lockStart.toISOString()}`,
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  private async auditLock(customerId: string, context: VerificationContext): Promise<void> {
    const actor: Actor = { type: 'system', id: 'verification', channel: context.channel };
    await this.audit.record({
      actor,
      action: 'customer.verification_locked',
      record: { collection: 'customers', id: customerId },
      details: { lockMinutes: Math.round(this.limits.lockMs / 60_000) },
    });
  }
}

function conversationSubject(context: VerificationContext): string {
  return `conversation:${context.channel}:${context.conversationId}`;
}

import type { FieldCipher } from '../db/encryption.js';
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

/** How many failures lock verification, and for how long. */
export interface VerificationLimits {
  maxFailures: number;
  lockMs: number;
}

export const defaultVerificationLimits: VerificationLimits = { maxFailures: 3, lockMs: 15 * 60 * 1000 };

/** What the customer gave: a policy number or a phone, and a date of birth as ISO `YYYY-MM-DD`. */
export interface VerificationClaim {
  policyNumber?: string;
  phone?: string;
  dateOfBirth: string;
}

/** Where the attempt comes from; its failures count against the conversation as well. */
export interface VerificationContext {
  channel: string;
  conversationId: string;
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

/** Identity verification with a lock after repeated failures, kept in the database. */
export interface VerificationService {
  /** Checks the claim unless the identity or the conversation is locked; counts a failure otherwise. */
  verify(claim: VerificationClaim, context: VerificationContext): Promise<VerificationResult>;
  /** Until when the conversation is locked out of verification, or null. */
  conversationLockedUntil(context: VerificationContext): Promise<Date | null>;
}

interface Models {
  verificationAttempts: VerificationAttemptModel;
}

const identifierIndexPurpose = 'verification.identifier';

/**
 * Failures count against the customer the identifier belongs to (so switching from policy number to
 * phone, or to a new conversation, does not reset them), against the identifier itself when it belongs
 * to nobody (so unknown identifiers behave exactly like known ones), and against the conversation (so
 * one conversation cannot walk through many identities).
 */
export class MongoVerificationService implements VerificationService {
  constructor(
    private readonly models: Models,
    private readonly customers: CustomerService,
    private readonly cipher: Pick<FieldCipher, 'blindIndex'>,
    private readonly audit: AuditLog,
    private readonly limits: VerificationLimits = defaultVerificationLimits,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async verify(claim: VerificationClaim, context: VerificationContext): Promise<VerificationResult> {
    const identified = await this.customers.identify({
      ...(claim.policyNumber ? { policyNumber: claim.policyNumber } : {}),
      ...(claim.phone ? { phone: claim.phone } : {}),
    });
    const identity = this.identitySubject(claim, identified);
    const subjects = [identity, conversationSubject(context)];
    const lockedUntil = await this.lockedUntil(subjects);
    if (lockedUntil) return { status: 'locked', until: lockedUntil, afterFailure: false };

    const dateOfBirth = isoDateSchema.safeParse(claim.dateOfBirth);
    if (dateOfBirth.success && (claim.policyNumber || claim.phone)) {
      // A blank identifier is a bad request, as for CustomerService.verifyIdentity, not a failed attempt.
      parseInput(identityClaimSchema, {
        ...(claim.policyNumber ? { policyNumber: claim.policyNumber } : { phone: claim.phone }),
        dateOfBirth: dateOfBirth.data,
      });
      if (identified?.bornOn(dateOfBirth.data)) {
        await this.models.verificationAttempts.deleteMany({ _id: { $in: subjects } });
        return { status: 'verified', customer: identified.customer };
      }
    }

    const counts = await Promise.all(subjects.map((subject) => this.recordFailure(subject)));
    const worst = counts.reduce((a, b) => (b.failures > a.failures ? b : a));
    if (worst.lockedUntil) {
      if (identified) await this.auditLock(identified.customer.id, context);
      return { status: 'locked', until: worst.lockedUntil, afterFailure: true };
    }
    return { status: 'failed', attemptsLeft: this.limits.maxFailures - worst.failures };
  }

  async conversationLockedUntil(context: VerificationContext): Promise<Date | null> {
    return this.lockedUntil([conversationSubject(context)]);
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

  /** Adds a failure to the subject's current window (or starts one) and locks it on the last allowed. */
  private async recordFailure(subject: string): Promise<{ failures: number; lockedUntil: Date | null }> {
    const now = this.now();
    const windowOpen = new Date(now.getTime() - this.limits.lockMs);
    const expiresAt = new Date(now.getTime() + this.limits.lockMs);
    const model = this.models.verificationAttempts;
    let row = await model
      .findOneAndUpdate(
        { _id: subject, windowStart: { $gt: windowOpen }, lockedUntil: null },
        { $inc: { failures: 1 }, $set: { expiresAt } },
        { returnDocument: 'after' },
      )
      .lean();
    if (!row) {
      // No current window (first failure, old failures, or a lock that has run out): start afresh.
      const fresh = { failures: 1, windowStart: now, lockedUntil: null, expiresAt };
      try {
        row = await model
          .findOneAndUpdate({ _id: subject }, { $set: fresh }, { returnDocument: 'after', upsert: true })
          .lean();
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        row = await model
          .findOneAndUpdate({ _id: subject }, { $inc: { failures: 1 } }, { returnDocument: 'after' })
          .lean();
      }
    }
    if (!row) throw new Error('verification attempt was not recorded');
    if (row.failures < this.limits.maxFailures) return { failures: row.failures, lockedUntil: null };
    await model.updateOne(
      { _id: subject, lockedUntil: null },
      { $set: { lockedUntil: expiresAt, expiresAt } },
    );
    return { failures: row.failures, lockedUntil: expiresAt };
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

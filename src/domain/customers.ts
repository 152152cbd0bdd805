import { z } from 'zod';
import type { FieldCipher } from '../db/encryption.js';
import type { LeanDoc, Models, SmsConsentState } from '../db/models/index.js';
import { actorInputSchema, type Actor } from './actor.js';
import type { AuditLog } from './audit.js';
import { isoDateSchema } from './dates.js';
import { DomainError } from './errors.js';
import {
  asDomainError,
  idOf,
  isDuplicateKeyError,
  parseInput,
  parseObjectId,
  parsePhone,
} from './mapping.js';
import { normalizePhone } from './phone.js';
import { normalizeNumber } from './policies.js';

/** Blind-index purposes; changing one invalidates every stored hash of that field. */
export const dobIndexPurpose = 'customer.dateOfBirth';
export const governmentIdIndexPurpose = 'customer.governmentId';

/** What the bot may know about a customer: enough to greet and address them, no sensitive data. */
export interface CustomerSummary {
  id: string;
  firstName: string;
  lastName: string;
  preferredLanguage: string;
  timezone: string;
  smsConsent: SmsConsentState;
}

/** The full record, decrypted, for the customer themselves and for officers. */
export interface CustomerProfile extends CustomerSummary {
  /** ISO `YYYY-MM-DD`. */
  dateOfBirth: string;
  phone: string;
  email?: string;
  address?: {
    line1: string;
    line2?: string;
    city: string;
    region?: string;
    postalCode: string;
    country: string;
  };
  channelIdentities: { channel: string; id: string }[];
  createdAt: Date;
}

/** How a customer says who they are: a policy number or a phone number, plus their date of birth. */
export const identityClaimSchema = z
  .object({
    policyNumber: z.string().trim().min(1).optional(),
    phone: z.string().trim().min(1).optional(),
    dateOfBirth: isoDateSchema,
  })
  .refine((claim) => claim.policyNumber || claim.phone, {
    message: 'a policy number or a phone is required',
  });
export type IdentityClaim = z.input<typeof identityClaimSchema>;

/**
 * The outcome of a verification attempt. A failure never says whether the policy number or phone
 * exists, so the answer cannot be used to probe for customers.
 */
export type Verification = { verified: true; customer: CustomerSummary } | { verified: false };

/** A customer a policy number or phone points to, and a check of a date of birth against theirs. */
export interface IdentifiedCustomer {
  customer: CustomerSummary;
  /** Whether `dateOfBirth` (ISO `YYYY-MM-DD`) is theirs, through the blind index. */
  bornOn(dateOfBirth: string): boolean;
}

export const newCustomerSchema = z.object({
  firstName: z.string().trim().min(1).max(80),
  lastName: z.string().trim().min(1).max(80),
  dateOfBirth: isoDateSchema,
  phone: z.string().trim().min(1),
  email: z.email().optional(),
  governmentId: z.string().trim().min(4).max(40).optional(),
  address: z
    .object({
      line1: z.string().trim().min(1),
      line2: z.string().trim().min(1).optional(),
      city: z.string().trim().min(1),
      region: z.string().trim().min(1).optional(),
      postalCode: z.string().trim().min(1),
      country: z.string().trim().length(2),
    })
    .optional(),
  timezone: z.string().trim().min(1).optional(),
  preferredLanguage: z.string().trim().min(2).optional(),
});
export type NewCustomer = z.input<typeof newCustomerSchema>;

const channelIdentitySchema = z.object({
  channel: z.string().trim().toLowerCase().min(1),
  id: z.string().trim().min(1),
});

/**
 * Finding and verifying customers; the only place that decrypts their sensitive fields. The `findBy*`
 * lookups identify, they do not authenticate: a conversation may show a customer's data only after
 * `verifyIdentity` succeeded.
 */
export interface CustomerService {
  /** The holder of a policy, by policy number (case-insensitive). */
  findByPolicyNumber(policyNumber: string): Promise<CustomerSummary | null>;
  /** The customer with this phone, typed in any common format (national numbers read as US). */
  findByPhone(phone: string): Promise<CustomerSummary | null>;
  /**
   * The customer a policy number or phone points to (the policy number wins when both are given), to
   * check a date of birth against; null when it points to nobody. Identifies, does not authenticate.
   */
  identify(identifier: { policyNumber?: string; phone?: string }): Promise<IdentifiedCustomer | null>;
  /** The customer a channel user (`directline`/`sms` id) was linked to after verification. */
  findByChannelIdentity(channel: string, id: string): Promise<CustomerSummary | null>;
  /**
   * Checks a policy number or phone (the policy number wins when both are given) against a date of
   * birth (ISO `YYYY-MM-DD`) via the blind index. Counting and locking failed attempts is the caller's.
   */
  verifyIdentity(claim: IdentityClaim): Promise<Verification>;
  /** The decrypted profile; `not_found` for an unknown id. */
  getProfile(customerId: string): Promise<CustomerProfile>;
  register(input: NewCustomer, actor: Actor): Promise<CustomerProfile>;
  /** Remembers a channel user id for a verified customer (idempotent). */
  linkChannelIdentity(
    customerId: string,
    identity: { channel: string; id: string },
    actor: Actor,
  ): Promise<void>;
}

type CustomerRow = LeanDoc<Models['customers']>;

export class MongoCustomerService implements CustomerService {
  constructor(
    private readonly models: Pick<Models, 'customers' | 'policies'>,
    private readonly cipher: FieldCipher,
    private readonly audit: AuditLog,
  ) {}

  async findByPolicyNumber(policyNumber: string): Promise<CustomerSummary | null> {
    const row = await this.rowByPolicyNumber(policyNumber);
    return row ? toSummary(row) : null;
  }

  async findByPhone(phone: string): Promise<CustomerSummary | null> {
    const row = await this.rowByPhone(phone);
    return row ? toSummary(row) : null;
  }

  async findByChannelIdentity(channel: string, id: string): Promise<CustomerSummary | null> {
    const identity = parseInput(channelIdentitySchema, { channel, id });
    const row = await this.models.customers
      .findOne({ channelIdentities: { $elemMatch: { channel: identity.channel, id: identity.id } } })
      .lean();
    return row ? toSummary(row) : null;
  }

  async identify(identifier: { policyNumber?: string; phone?: string }): Promise<IdentifiedCustomer | null> {
    const row = identifier.policyNumber
      ? await this.rowByPolicyNumber(identifier.policyNumber)
      : identifier.phone
        ? await this.rowByPhone(identifier.phone)
        : null;
    if (!row) return null;
    return {
      customer: toSummary(row),
      bornOn: (dateOfBirth) => this.cipher.matchesBlindIndex(dobIndexPurpose, dateOfBirth, row.dobHash),
    };
  }

  async verifyIdentity(claim: IdentityClaim): Promise<Verification> {
    const { policyNumber, phone, dateOfBirth } = parseInput(identityClaimSchema, claim);
    const identified = await this.identify({
      ...(policyNumber ? { policyNumber } : {}),
      ...(phone ? { phone } : {}),
    });
    return identified?.bornOn(dateOfBirth)
      ? { verified: true, customer: identified.customer }
      : { verified: false };
  }

  async getProfile(customerId: string): Promise<CustomerProfile> {
    const row = await this.models.customers.findById(parseObjectId(customerId, 'customer')).lean();
    if (!row) throw new DomainError('not_found', 'customer not found');
    return this.toProfile(row);
  }

  async register(input: NewCustomer, actor: Actor): Promise<CustomerProfile> {
    const data = parseInput(newCustomerSchema, input);
    const who = parseInput(actorInputSchema, actor);
    const phone = parsePhone(data.phone);
    try {
      const created = await this.models.customers.create({
        firstName: data.firstName,
        lastName: data.lastName,
        ...sealDateOfBirth(this.cipher, data.dateOfBirth),
        ...(data.governmentId ? sealGovernmentId(this.cipher, data.governmentId) : {}),
        phone,
        email: data.email,
        address: data.address,
        timezone: data.timezone,
        preferredLanguage: data.preferredLanguage,
      });
      await this.audit.record({
        actor: who,
        action: 'customer.register',
        record: { collection: 'customers', id: idOf(created._id) },
      });
      return this.toProfile(created.toObject());
    } catch (error) {
      if (isDuplicateKeyError(error)) {
        throw new DomainError('conflict', 'a customer with this phone already exists');
      }
      throw asDomainError(error);
    }
  }

  async linkChannelIdentity(
    customerId: string,
    identity: { channel: string; id: string },
    actor: Actor,
  ): Promise<void> {
    const link = parseInput(channelIdentitySchema, identity);
    const who = parseInput(actorInputSchema, actor);
    const _id = parseObjectId(customerId, 'customer');
    const exists = await this.models.customers.exists({ _id });
    if (!exists) throw new DomainError('not_found', 'customer not found');
    const result = await this.models.customers.updateOne(
      { _id, channelIdentities: { $not: { $elemMatch: link } } },
      { $push: { channelIdentities: link } },
    );
    if (result.modifiedCount > 0) {
      await this.audit.record({
        actor: who,
        action: 'customer.link_channel',
        record: { collection: 'customers', id: customerId },
        details: { channel: link.channel },
      });
    }
  }

  /** The holder of the policy with this number. */
  private async rowByPolicyNumber(policyNumber: string): Promise<CustomerRow | null> {
    const policy = await this.models.policies
      .findOne({ number: normalizeNumber(policyNumber) })
      .select({ holder: 1 })
      .lean();
    return policy ? this.models.customers.findById(policy.holder).lean() : null;
  }

  private async rowByPhone(phone: string): Promise<CustomerRow | null> {
    const normalized = normalizePhone(phone);
    return normalized ? this.models.customers.findOne({ phone: normalized }).lean() : null;
  }

  private toProfile(row: CustomerRow): CustomerProfile {
    const address = row.address
      ? {
          line1: row.address.line1,
          ...(row.address.line2 ? { line2: row.address.line2 } : {}),
          city: row.address.city,
          ...(row.address.region ? { region: row.address.region } : {}),
          postalCode: row.address.postalCode,
          country: row.address.country,
        }
      : undefined;
    return {
      ...toSummary(row),
      dateOfBirth: this.cipher.decrypt(row.dateOfBirthEncrypted),
      phone: row.phone,
      ...(row.email ? { email: row.email } : {}),
      ...(address ? { address } : {}),
      channelIdentities: row.channelIdentities.map(({ channel, id }) => ({ channel, id })),
      createdAt: row.createdAt,
    };
  }
}

/** The stored form of a date of birth: sealed value plus blind index. */
export function sealDateOfBirth(cipher: FieldCipher, isoDate: string) {
  return {
    dateOfBirthEncrypted: cipher.encrypt(isoDate),
    dobHash: cipher.blindIndex(dobIndexPurpose, isoDate),
  };
}

/** Government ids are matched ignoring spaces, dashes and case, as people type them differently. */
export function sealGovernmentId(cipher: FieldCipher, governmentId: string) {
  const normalized = governmentId.replace(/[\s-]/g, '').toUpperCase();
  return {
    governmentIdEncrypted: cipher.encrypt(normalized),
    governmentIdHash: cipher.blindIndex(governmentIdIndexPurpose, normalized),
  };
}

function toSummary(row: CustomerRow): CustomerSummary {
  return {
    id: idOf(row._id),
    firstName: row.firstName,
    lastName: row.lastName,
    preferredLanguage: row.preferredLanguage,
    timezone: row.timezone,
    smsConsent: row.smsConsent?.status ?? 'unknown',
  };
}

/** Conversions between stored BSON values and the plain values services return. */
import { Types } from 'mongoose';
import type { ZodType } from 'zod';
import type { ActorType } from './actor.js';
import { DomainError } from './errors.js';
import { normalizePhone } from './phone.js';

/** Money and limits leave the services as numbers in currency units (Decimal128 is for storage). */
export function decimalToNumber(value: { toString(): string }): number;
export function decimalToNumber(value: { toString(): string } | null | undefined): number | undefined;
export function decimalToNumber(value: { toString(): string } | null | undefined): number | undefined {
  return value === null || value === undefined ? undefined : Number(value.toString());
}

/** Stores an amount exactly as its two-decimal representation, so 0.1 + 0.2 style drift never lands. */
export function toDecimal(amount: number): Types.Decimal128 {
  return Types.Decimal128.fromString(amount.toFixed(2));
}

export function idOf(value: { toString(): string }): string {
  return value.toString();
}

/** Parses an id coming from outside; an id that cannot exist is reported as not found. */
export function parseObjectId(id: string, what: string): Types.ObjectId {
  if (!Types.ObjectId.isValid(id) || !/^[0-9a-f]{24}$/i.test(id)) {
    throw new DomainError('not_found', `${what} not found`);
  }
  return new Types.ObjectId(id);
}

/** Validates service input; failures become `validation` errors naming each field. */
export function parseInput<T>(schema: ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => issue.path.join('.') || '(input)');
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`);
  throw new DomainError('validation', `invalid input: ${problems.join('; ')}`, { fields });
}

/** A `validation` error for one field, worded as `parseInput` words its failures. */
export function invalidField(field: string, problem: string): DomainError {
  return new DomainError('validation', `invalid input: ${field}: ${problem}`, { fields: [field] });
}

/** A phone number from outside, in E.164 (national numbers read as US); else a `validation` error. */
export function parsePhone(input: string): string {
  const phone = normalizePhone(input);
  if (!phone) throw invalidField('phone', 'is not a phone number');
  return phone;
}

export function isDuplicateKeyError(
  error: unknown,
): error is { code: 11000; keyPattern?: Record<string, unknown> } {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 11000;
}

/** True for a write, or a bulk write, that failed only on duplicate keys. */
export function isBulkDuplicateOnly(error: unknown): boolean {
  if (isDuplicateKeyError(error)) return true;
  const errors = (error as { writeErrors?: { code?: number }[] | { code?: number } }).writeErrors;
  const list = Array.isArray(errors) ? errors : errors ? [errors] : [];
  return list.length > 0 && list.every((entry) => entry.code === 11000);
}

/** Turns a mongoose validation failure into a domain `validation` error that names the fields. */
export function asDomainError(error: unknown): unknown {
  if (
    typeof error === 'object' &&
    error !== null &&
    'name' in error &&
    error.name === 'ValidationError' &&
    'errors' in error &&
    typeof error.errors === 'object' &&
    error.errors !== null
  ) {
    const fields = Object.keys(error.errors);
    return new DomainError('validation', `invalid ${fields.join(', ')}`, { fields });
  }
  return error;
}

/** One recorded status change (a claim's history, a benefit request's decisions) as services return it. */
export interface StatusChange<S extends string> {
  from?: S;
  to: S;
  actor: { type: ActorType; id: string };
  reason?: string;
  at: Date;
}

/** A stored status change as a plain `StatusChange`: absent `from` and `reason` are left out. */
export function toStatusChange<S extends string>(change: {
  from?: S | null;
  to: S;
  actor: { type: ActorType; id: string };
  reason?: string | null;
  at: Date;
}): StatusChange<S> {
  return {
    ...(change.from ? { from: change.from } : {}),
    to: change.to,
    actor: { type: change.actor.type, id: change.actor.id },
    ...(change.reason ? { reason: change.reason } : {}),
    at: change.at,
  };
}

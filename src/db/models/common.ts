/** Building blocks shared by several schemas. */
import { Schema } from 'mongoose';

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
export const e164Pattern = /^\+[1-9]\d{6,14}$/;
export const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const currencyPattern = /^[A-Z]{3}$/;

export const actorTypes = ['customer', 'officer', 'system'] as const;

/**
 * Who did something. Customers are identified by their customer id, officers by their Slack user id
 * (their identity in the only tool they use), the system by a component name such as `seed`.
 */
export const actorSchema = new Schema(
  {
    type: { type: String, enum: actorTypes, required: true },
    id: { type: String, required: true, trim: true, minlength: 1 },
  },
  { _id: false },
);

/** True when `value` names an IANA time zone this runtime knows. */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export function isNonNegativeDecimal(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  const amount = Number(String(value));
  return Number.isFinite(amount) && amount >= 0;
}

/**
 * A consequence of a change (its audit entry, the customer's notification), written in the same update
 * as the change itself and drained by the event relay into the audit log and the outbox. The id keys
 * both, so draining an event twice writes nothing twice.
 */
export const pendingEventSchema = new Schema(
  {
    id: { type: String, required: true },
    action: { type: String, required: true },
    actor: { type: actorSchema, required: true },
    channel: { type: String },
    at: { type: Date, required: true },
    details: { type: Schema.Types.Mixed, default: () => ({}) },
    /** What the customer must be told, rendered per channel by the notification templates. */
    notify: {
      type: new Schema(
        {
          recipient: { type: Schema.Types.ObjectId, ref: 'Customer', required: true },
          route: { type: String },
          template: { type: String, required: true },
          payload: { type: Schema.Types.Mixed, default: () => ({}) },
        },
        { _id: false, minimize: false },
      ),
    },
  },
  { _id: false, minimize: false },
);

/** A stored attachment an officer sent a customer with a message, by its file id. */
export const sentFileSchema = new Schema(
  {
    fileId: { type: String, required: true, match: /^[0-9a-f]{24}$/ },
    name: { type: String, required: true, trim: true, maxlength: 255 },
    contentType: { type: String, required: true, trim: true, match: /^[\w.+-]+\/[\w.+-]+$/ },
    size: { type: Number, required: true, min: 0 },
  },
  { _id: false },
);

import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { currencyPattern, isNonNegativeDecimal, pendingEventSchema } from './common.js';

export const paymentProviders = ['stripe'] as const;

/**
 * A premium payment received for a policy. The provider's session id is unique, so a webhook delivered
 * twice (or two events about one checkout) records one payment; the event id that recorded it is kept
 * for tracing. The customer's notice travels in `pendingEvents` like any other consequence.
 */
export const paymentSchema = new Schema(
  {
    policy: { type: Schema.Types.ObjectId, ref: 'Policy', required: true },
    customer: { type: Schema.Types.ObjectId, ref: 'Customer', required: true },
    policyNumber: { type: String, required: true, trim: true },
    amount: { type: Schema.Types.Decimal128, required: true, validate: isNonNegativeDecimal },
    currency: { type: String, required: true, match: currencyPattern },
    /** The due date this payment settles. */
    dueDate: { type: Date, required: true },
    /** Where it moved the policy's next due date; absent when nothing more is due in the term. */
    nextDueDate: { type: Date },
    provider: { type: String, enum: paymentProviders, required: true },
    /** The provider's checkout session (Stripe `cs_…`). */
    sessionId: { type: String, required: true, trim: true, maxlength: 255 },
    /** The provider's event that reported it (Stripe `evt_…`). */
    eventId: { type: String, required: true, trim: true, maxlength: 255 },
    paidAt: { type: Date, required: true },
    /** Consequences not yet drained into the audit log and the outbox. */
    pendingEvents: { type: [pendingEventSchema], default: [] },
  },
  { timestamps: true, collection: 'payments' },
);
paymentSchema.index({ sessionId: 1 }, { unique: true });
paymentSchema.index({ eventId: 1 }, { unique: true });
paymentSchema.index({ policy: 1, paidAt: -1 });
paymentSchema.index({ 'pendingEvents.at': 1 }, { sparse: true });

export type Payment = InferSchemaType<typeof paymentSchema>;

export function paymentModel(connection: Connection) {
  return connection.model('Payment', paymentSchema);
}
export type PaymentModel = ReturnType<typeof paymentModel>;

import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { actorSchema, pendingEventSchema } from './common.js';

export const benefitRequestStatuses = ['requested', 'approved', 'denied', 'fulfilled'] as const;
export type BenefitRequestStatus = (typeof benefitRequestStatuses)[number];

export const benefitRequestNumberPattern = /^BEN-\d{6}$/;

const decisionSchema = new Schema(
  {
    from: { type: String, enum: benefitRequestStatuses },
    to: { type: String, enum: benefitRequestStatuses, required: true },
    actor: { type: actorSchema, required: true },
    reason: { type: String, trim: true },
    at: { type: Date, required: true, default: () => new Date() },
  },
  { _id: false },
);

export const benefitRequestSchema = new Schema(
  {
    number: { type: String, required: true, trim: true, uppercase: true, match: benefitRequestNumberPattern },
    policy: { type: Schema.Types.ObjectId, ref: 'Policy', required: true },
    customer: { type: Schema.Types.ObjectId, ref: 'Customer', required: true },
    benefitCode: {
      type: String,
      required: true,
      trim: true,
      uppercase: true,
      match: /^[A-Z][A-Z0-9_]{1,31}$/,
    },
    details: { type: String, trim: true, maxlength: 4000, default: '' },
    status: { type: String, enum: benefitRequestStatuses, required: true, default: 'requested' },
    requiresApproval: { type: Boolean, required: true },
    decisions: { type: [decisionSchema], default: [] },
    /** Consequences of the latest changes not yet drained into the audit log and the outbox. */
    pendingEvents: { type: [pendingEventSchema], default: [] },
  },
  { timestamps: true, collection: 'benefitrequests' },
);
benefitRequestSchema.index({ number: 1 }, { unique: true });
benefitRequestSchema.index({ customer: 1, createdAt: -1 });
benefitRequestSchema.index({ status: 1 });
benefitRequestSchema.index({ 'pendingEvents.at': 1 }, { sparse: true });

export type BenefitRequest = InferSchemaType<typeof benefitRequestSchema>;

export function benefitRequestModel(connection: Connection) {
  return connection.model('BenefitRequest', benefitRequestSchema);
}
export type BenefitRequestModel = ReturnType<typeof benefitRequestModel>;

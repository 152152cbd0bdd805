import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { actorSchema, pendingEventSchema, currencyPattern, isNonNegativeDecimal } from './common.js';

export const claimStatuses = [
  'submitted',
  'in_review',
  'info_requested',
  'approved',
  'denied',
  'paid',
  'closed',
] as const;
export type ClaimStatus = (typeof claimStatuses)[number];
export const claimMessageAuthors = ['customer', 'officer'] as const;

export const claimNumberPattern = /^CLM-\d{6}$/;

const attachmentSchema = new Schema(
  {
    fileId: { type: String, required: true, trim: true },
    name: { type: String, required: true, trim: true },
    contentType: { type: String, required: true, trim: true, match: /^[\w.+-]+\/[\w.+-]+$/ },
    size: { type: Number, required: true, min: 0 },
    uploadedAt: { type: Date, required: true, default: () => new Date() },
  },
  { _id: false },
);

const statusChangeSchema = new Schema(
  {
    /** Absent on the first entry, which records the claim's creation. */
    from: { type: String, enum: claimStatuses },
    to: { type: String, enum: claimStatuses, required: true },
    actor: { type: actorSchema, required: true },
    reason: { type: String, trim: true },
    at: { type: Date, required: true, default: () => new Date() },
  },
  { _id: false },
);

const messageSchema = new Schema(
  {
    from: { type: String, enum: claimMessageAuthors, required: true },
    /** Customer id or officer Slack user id. */
    author: { type: String, required: true, trim: true },
    text: { type: String, required: true, trim: true, minlength: 1, maxlength: 4000 },
    at: { type: Date, required: true, default: () => new Date() },
  },
  { _id: false },
);

/**
 * One officer's decision on a claim above their approval limit (or the second, confirming one): the
 * claim moves only once a different officer with enough authority agrees (`src/domain/approvals.ts`).
 */
const approvalSchema = new Schema(
  {
    decision: { type: String, enum: ['approve', 'deny'], required: true },
    /** Officer Slack user id. */
    officer: { type: String, required: true, trim: true },
    amount: { type: Schema.Types.Decimal128, validate: isNonNegativeDecimal },
    reason: { type: String, trim: true, maxlength: 500 },
    at: { type: Date, required: true },
  },
  { _id: false },
);

export const claimSchema = new Schema(
  {
    number: { type: String, required: true, trim: true, uppercase: true, match: claimNumberPattern },
    policy: { type: Schema.Types.ObjectId, ref: 'Policy', required: true },
    customer: { type: Schema.Types.ObjectId, ref: 'Customer', required: true },
    incidentDate: { type: Date, required: true },
    /** What happened, e.g. `collision`, `water_damage`, `medical`. */
    type: { type: String, required: true, trim: true, lowercase: true, match: /^[a-z][a-z_]{1,39}$/ },
    description: { type: String, required: true, trim: true, minlength: 3, maxlength: 4000 },
    location: { type: String, trim: true, maxlength: 300 },
    amountClaimed: { type: Schema.Types.Decimal128, required: true, validate: isNonNegativeDecimal },
    currency: { type: String, required: true, default: 'USD', match: currencyPattern },
    attachments: { type: [attachmentSchema], default: [] },
    status: { type: String, enum: claimStatuses, required: true, default: 'submitted' },
    assignee: { type: Schema.Types.ObjectId, ref: 'Officer' },
    statusHistory: { type: [statusChangeSchema], default: [] },
    messages: { type: [messageSchema], default: [] },
    /** Decisions awaiting a second officer (four-eyes); cleared when the claim moves. */
    approvals: { type: [approvalSchema], default: [] },
    /** The officers' Slack card of the claim, once posted (its thread carries the conversation). */
    slackCard: {
      type: new Schema(
        { channel: { type: String, required: true }, ts: { type: String, required: true } },
        { _id: false },
      ),
    },
    /** Consequences of the latest changes not yet drained into the audit log and the outbox. */
    pendingEvents: { type: [pendingEventSchema], default: [] },
  },
  { timestamps: true, collection: 'claims' },
);
claimSchema.index({ number: 1 }, { unique: true });
claimSchema.index({ customer: 1, createdAt: -1 });
claimSchema.index({ policy: 1 });
claimSchema.index({ status: 1, assignee: 1 });
// Only documents with undrained events have entries here: the relay's sweep reads them oldest first.
claimSchema.index({ 'pendingEvents.at': 1 }, { sparse: true });

export type Claim = InferSchemaType<typeof claimSchema>;

export function claimModel(connection: Connection) {
  return connection.model('Claim', claimSchema);
}
export type ClaimModel = ReturnType<typeof claimModel>;

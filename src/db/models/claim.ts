import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import {
  actorSchema,
  pendingEventSchema,
  currencyPattern,
  isNonNegativeDecimal,
  sentFileSchema,
} from './common.js';

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

/** What the evidence checks found in an attached file (`src/files/evidence.ts`). */
const evidenceSchema = new Schema(
  {
    sha256: { type: String, required: true, match: /^[0-9a-f]{64}$/ },
    capturedAt: { type: Date },
    gps: { type: new Schema({ latitude: Number, longitude: Number }, { _id: false }) },
    camera: { type: String, trim: true, maxlength: 200 },
    /** Other claims a file with the same content was attached to, by number. */
    alsoOnClaims: { type: [String], default: undefined },
  },
  { _id: false },
);

const attachmentSchema = new Schema(
  {
    fileId: { type: String, required: true, trim: true },
    name: { type: String, required: true, trim: true },
    contentType: { type: String, required: true, trim: true, match: /^[\w.+-]+\/[\w.+-]+$/ },
    size: { type: Number, required: true, min: 0 },
    uploadedAt: { type: Date, required: true, default: () => new Date() },
    /** The checklist item (required document code) the customer sent this file for. */
    checklistItem: { type: String, trim: true, match: /^[a-z][a-z_]{1,39}$/ },
    evidence: { type: evidenceSchema },
  },
  { _id: false },
);

/** One required document of the claim's type and whether the claim has it. */
const checklistItemSchema = new Schema(
  {
    code: { type: String, required: true, match: /^[a-z][a-z_]{1,39}$/ },
    label: { type: String, required: true, trim: true },
    satisfied: { type: Boolean, required: true, default: false },
  },
  { _id: false },
);

/** Something an officer should look at; never a decision by itself. */
const riskSignalSchema = new Schema(
  {
    code: { type: String, required: true, match: /^[a-z][a-z_]{1,39}$/ },
    message: { type: String, required: true, trim: true, maxlength: 500 },
  },
  { _id: false },
);

/** The policy coverage the claim falls under, as it stood when the claim was filed. */
const claimCoverageSchema = new Schema(
  {
    /** False when the policy has no coverage for this type of claim: filed anyway, the insurer decides. */
    applies: { type: Boolean, required: true },
    name: { type: String, trim: true },
    limit: { type: Schema.Types.Decimal128, validate: isNonNegativeDecimal },
    deductible: { type: Schema.Types.Decimal128, validate: isNonNegativeDecimal },
  },
  { _id: false },
);

/** The facts an officer needs beyond date, place and description; which apply depends on the line. */
const claimDetailsSchema = new Schema(
  {
    /** Local time of the incident, `HH:mm`. */
    incidentTime: { type: String, match: /^\d{2}:\d{2}$/ },
    policeAttended: { type: Boolean },
    policeReportNumber: { type: String, trim: true, maxlength: 60 },
    otherParties: { type: String, trim: true, maxlength: 1000 },
    injuries: { type: String, trim: true, maxlength: 1000 },
    provider: { type: String, trim: true, maxlength: 300 },
  },
  { _id: false },
);

/** A decision the system made by a published rule (an instant decision). */
const systemDecisionSchema = new Schema(
  {
    rule: { type: String, required: true },
    payout: { type: Schema.Types.Decimal128, required: true, validate: isNonNegativeDecimal },
    at: { type: Date, required: true },
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
    /** Documents an officer sent the customer with the message (stored attachments, by id). */
    files: { type: [sentFileSchema], default: undefined },
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
    details: { type: claimDetailsSchema, default: () => ({}) },
    coverage: { type: claimCoverageSchema },
    checklist: { type: [checklistItemSchema], default: [] },
    riskSignals: { type: [riskSignalSchema], default: [] },
    decision: { type: systemDecisionSchema },
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
// An officer's reply in a card's thread finds its claim by the card.
claimSchema.index({ 'slackCard.channel': 1, 'slackCard.ts': 1 }, { sparse: true });
// The duplicate-photo check looks every new attachment's hash up here.
claimSchema.index({ 'attachments.evidence.sha256': 1 }, { sparse: true });
// Only documents with undrained events have entries here: the relay's sweep reads them oldest first.
claimSchema.index({ 'pendingEvents.at': 1 }, { sparse: true });

export type Claim = InferSchemaType<typeof claimSchema>;

export function claimModel(connection: Connection) {
  return connection.model('Claim', claimSchema);
}
export type ClaimModel = ReturnType<typeof claimModel>;

/**
 * A claim the customer started but has not submitted: the answers so far, so a later conversation can
 * pick up where this one stopped. One per customer; it is gone once submitted or discarded, and expires
 * after a month untouched.
 */
export const claimDraftSchema = new Schema(
  {
    customer: { type: Schema.Types.ObjectId, ref: 'Customer', required: true },
    /** The answers as the filing dialog keeps them; validated by the domain when read. */
    answers: { type: Schema.Types.Mixed, required: true, default: () => ({}) },
    attachments: { type: [attachmentSchema], default: [] },
  },
  { timestamps: true, collection: 'claimdrafts', minimize: false },
);
claimDraftSchema.index({ customer: 1 }, { unique: true });
claimDraftSchema.index({ updatedAt: 1 }, { expireAfterSeconds: 30 * 24 * 3600 });

export function claimDraftModel(connection: Connection) {
  return connection.model('ClaimDraft', claimDraftSchema);
}
export type ClaimDraftModel = ReturnType<typeof claimDraftModel>;

import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { sealedValuePattern } from '../encryption.js';
import { actorSchema, currencyPattern, isNonNegativeDecimal, pendingEventSchema } from './common.js';
import { dependentRelationships, premiumFrequencies } from './policy.js';

/**
 * A customer's service request: a benefit of their policy, a change of its dependents, its renewal or
 * an upgrade to another plan. One collection and one lifecycle for all four kinds; what is particular
 * to a kind lives in its own sub-document (`benefit`, `dependent`, `renewal`, `upgrade`).
 */
export const requestKinds = ['benefit', 'dependent', 'renewal', 'upgrade'] as const;
export type RequestKind = (typeof requestKinds)[number];

export const benefitRequestStatuses = [
  'requested',
  'info_requested',
  'approved',
  'denied',
  'fulfilled',
] as const;
export type BenefitRequestStatus = (typeof benefitRequestStatuses)[number];

/** `BEN-` benefits, `DEP-` dependent changes, `RNW-` renewals, `UPG-` upgrades; six digits each. */
export const requestNumberPrefixes: Readonly<Record<RequestKind, string>> = {
  benefit: 'BEN',
  dependent: 'DEP',
  renewal: 'RNW',
  upgrade: 'UPG',
};
export const benefitRequestNumberPattern = /^(?:BEN|DEP|RNW|UPG)-\d{6}$/;

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

/** One rule checked when the request was filed: the automatic decision's reason, or why it went to an officer. */
const ruleCheckSchema = new Schema(
  {
    rule: { type: String, required: true, trim: true },
    passed: { type: Boolean, required: true },
    /** The rule as an officer and the customer read it: "4 roadside call-outs a policy year (2 used)". */
    text: { type: String, required: true, trim: true, maxlength: 300 },
  },
  { _id: false },
);

const premiumSchema = new Schema(
  {
    amount: { type: Schema.Types.Decimal128, required: true, validate: isNonNegativeDecimal },
    currency: { type: String, required: true, default: 'USD', match: currencyPattern },
    frequency: { type: String, enum: premiumFrequencies, required: true },
  },
  { _id: false },
);

export const benefitRequestSchema = new Schema(
  {
    kind: { type: String, enum: requestKinds, required: true, default: 'benefit' },
    number: { type: String, required: true, trim: true, uppercase: true, match: benefitRequestNumberPattern },
    policy: { type: Schema.Types.ObjectId, ref: 'Policy', required: true },
    customer: { type: Schema.Types.ObjectId, ref: 'Customer', required: true },
    /** The benefit asked for (kind `benefit`). */
    benefitCode: {
      type: String,
      trim: true,
      uppercase: true,
      match: /^[A-Z][A-Z0-9_]{1,31}$/,
      required(this: { kind?: string }) {
        return (this.kind ?? 'benefit') === 'benefit';
      },
    },
    /** What the customer said the request is for, in their words. */
    details: { type: String, trim: true, maxlength: 4000, default: '' },
    /** What a benefit needs (where the car is, the claim and the dates of a rental). */
    benefit: {
      type: new Schema(
        {
          location: { type: String, trim: true, maxlength: 300 },
          claimNumber: { type: String, trim: true, uppercase: true, match: /^CLM-\d{6}$/ },
          from: { type: Date },
          to: { type: Date },
          days: { type: Number, min: 1, max: 366 },
        },
        { _id: false },
      ),
    },
    /** A dependent to add to the policy or to remove from it (kind `dependent`). */
    dependent: {
      type: new Schema(
        {
          action: { type: String, enum: ['add', 'remove'], required: true },
          name: { type: String, required: true, trim: true, minlength: 1, maxlength: 120 },
          relationship: { type: String, enum: dependentRelationships, required: true },
          /** ISO `YYYY-MM-DD`, sealed like every date of birth. */
          dateOfBirthEncrypted: { type: String, required: true, match: sealedValuePattern },
        },
        { _id: false },
      ),
    },
    /** A renewal: on the same terms, or with the changes the customer asked for (kind `renewal`). */
    renewal: {
      type: new Schema(
        {
          sameTerms: { type: Boolean, required: true },
          changes: { type: String, trim: true, maxlength: 1000 },
          /** The policy's end date when the renewal was asked for; the renewed term starts there. */
          endDate: { type: Date, required: true },
        },
        { _id: false },
      ),
    },
    /** The plan the customer wants to move to (kind `upgrade`). */
    upgrade: {
      type: new Schema(
        {
          toPolicyType: { type: Schema.Types.ObjectId, ref: 'PolicyType', required: true },
          fromPolicyType: { type: Schema.Types.ObjectId, ref: 'PolicyType', required: true },
        },
        { _id: false },
      ),
    },
    status: { type: String, enum: benefitRequestStatuses, required: true, default: 'requested' },
    requiresApproval: { type: Boolean, required: true },
    /** The rules checked when it was filed; all passed means it was decided by the system. */
    rules: { type: [ruleCheckSchema], default: [] },
    /** The premium an officer set when approving a renewal with changes or an upgrade. */
    newPremium: { type: premiumSchema },
    /** When the approved change was written to the policy. */
    appliedAt: { type: Date },
    decisions: { type: [decisionSchema], default: [] },
    /** Where the officers' card is in Slack, once posted. */
    slackCard: {
      type: new Schema(
        { channel: { type: String, required: true }, ts: { type: String, required: true } },
        { _id: false },
      ),
    },
    /** Consequences of the latest changes not yet drained into the audit log and the outbox. */
    pendingEvents: { type: [pendingEventSchema], default: [] },
  },
  { timestamps: true, collection: 'benefitrequests' },
);
benefitRequestSchema.index({ number: 1 }, { unique: true });
benefitRequestSchema.index({ customer: 1, createdAt: -1 });
benefitRequestSchema.index({ policy: 1, kind: 1, benefitCode: 1, createdAt: -1 });
benefitRequestSchema.index({ status: 1 });
benefitRequestSchema.index({ 'pendingEvents.at': 1 }, { sparse: true });

export type BenefitRequest = InferSchemaType<typeof benefitRequestSchema>;

export function benefitRequestModel(connection: Connection) {
  return connection.model('BenefitRequest', benefitRequestSchema);
}
export type BenefitRequestModel = ReturnType<typeof benefitRequestModel>;

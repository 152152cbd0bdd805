import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { isNonNegativeDecimal } from './common.js';
import { policyStatuses } from './policy.js';

export const linesOfBusiness = ['auto', 'home', 'health', 'life', 'renters', 'travel'] as const;
export type LineOfBusiness = (typeof linesOfBusiness)[number];

/** What a benefit request can be asked to say; see the benefit's `needs`. */
export const benefitNeeds = ['location', 'what_happened', 'claim', 'dates'] as const;
export type BenefitNeed = (typeof benefitNeeds)[number];

const coverageTemplateSchema = new Schema(
  {
    name: { type: String, required: true, trim: true, minlength: 2 },
    description: { type: String, trim: true, default: '' },
    defaultLimit: { type: Schema.Types.Decimal128, validate: isNonNegativeDecimal },
    defaultDeductible: { type: Schema.Types.Decimal128, validate: isNonNegativeDecimal },
  },
  { _id: false },
);

const benefitSchema = new Schema(
  {
    /** Stable code customers and officers refer to, e.g. `ROADSIDE`. */
    code: { type: String, required: true, trim: true, uppercase: true, match: /^[A-Z][A-Z0-9_]{1,31}$/ },
    name: { type: String, required: true, trim: true, minlength: 2 },
    description: { type: String, required: true, trim: true },
    /** When true an officer decides each request; otherwise the rules below decide it on receipt. */
    requiresApproval: { type: Boolean, required: true, default: false },
    /** Words that name it in a customer's own request ("tow", "broke down"), beside its name. */
    keywords: { type: [String], default: [] },
    /** What a request must say: where the car is, what happened, the claim it relates to, the dates. */
    needs: {
      type: [{ type: String, enum: benefitNeeds }],
      default: [],
    },
    /** The rules of the automatic approval; a request outside them goes to an officer. */
    rules: {
      type: new Schema(
        {
          /** Policy statuses a request is approved in; default only an active policy. */
          eligibleStatuses: { type: [{ type: String, enum: policyStatuses }], default: ['active'] },
          /** Requests a policy year (counted from the policy's start date's anniversary). */
          perYear: { type: Number, min: 1, max: 1000 },
          /** Days one claim may use (a rental car), across all requests about that claim. */
          maxDaysPerClaim: { type: Number, min: 1, max: 366 },
          /** Days after the policy starts before the benefit can be used. */
          waitingDays: { type: Number, min: 0, max: 3650 },
        },
        { _id: false },
      ),
      default: () => ({}),
    },
  },
  { _id: false },
);

/** A document a claim of some type needs before an officer (or the instant-decision rule) can decide it. */
const requiredDocumentSchema = new Schema(
  {
    /** Stable code a file is tagged with, e.g. `police_report`. */
    code: { type: String, required: true, trim: true, match: /^[a-z][a-z_]{1,39}$/ },
    /** What the customer is asked for, e.g. "The police report". */
    label: { type: String, required: true, trim: true, minlength: 2 },
    /**
     * A claim fact that stands in for the document when given (`policeReportNumber`, `otherParties`):
     * a report number is as good as the report, the other driver's details need no file.
     */
    fact: { type: String, enum: ['policeReportNumber', 'otherParties'] },
  },
  { _id: false },
);

/** A kind of claim this policy type accepts, with what it needs and how it may be decided. */
const claimTypeSchema = new Schema(
  {
    /** Stable code stored on claims, e.g. `collision`, `water_damage`. */
    code: { type: String, required: true, trim: true, match: /^[a-z][a-z_]{1,39}$/ },
    /** What the customer sees, in the words of the line: "Collision with a vehicle or object". */
    name: { type: String, required: true, trim: true, minlength: 2 },
    /** Words that suggest this type in a customer's own account of what happened. */
    keywords: { type: [String], default: [] },
    /** The name of the policy coverage that pays for it; a policy without it does not cover the type. */
    coverage: { type: String, required: true, trim: true },
    requiredDocuments: { type: [requiredDocumentSchema], default: [] },
    /** Claims of this type at or below `limit` may be approved at once by the instant-decision rule. */
    instantDecision: {
      type: new Schema(
        {
          eligible: { type: Boolean, required: true, default: false },
          limit: { type: Schema.Types.Decimal128, validate: isNonNegativeDecimal },
        },
        { _id: false },
      ),
      default: () => ({ eligible: false }),
    },
  },
  { _id: false },
);

export const policyTypeSchema = new Schema(
  {
    code: { type: String, required: true, trim: true, lowercase: true, match: /^[a-z][a-z0-9-]{1,39}$/ },
    name: { type: String, required: true, trim: true, minlength: 2 },
    lineOfBusiness: { type: String, enum: linesOfBusiness, required: true },
    description: { type: String, trim: true, default: '' },
    /** Insurers that sell this plan; upgrades are offered among the plans of the policy's own insurer. */
    insurers: { type: [{ type: Schema.Types.ObjectId, ref: 'Insurer' }], default: [] },
    coverages: { type: [coverageTemplateSchema], default: [] },
    benefits: {
      type: [benefitSchema],
      default: [],
      validate: {
        validator: (benefits: { code: string }[]) =>
          new Set(benefits.map((benefit) => benefit.code)).size === benefits.length,
        message: 'benefit codes must be unique within a policy type',
      },
    },
    claimTypes: {
      type: [claimTypeSchema],
      default: [],
      validate: {
        validator: (types: { code: string }[]) =>
          new Set(types.map((type) => type.code)).size === types.length,
        message: 'claim type codes must be unique within a policy type',
      },
    },
  },
  { timestamps: true, collection: 'policytypes' },
);
policyTypeSchema.index({ code: 1 }, { unique: true });
policyTypeSchema.index({ lineOfBusiness: 1 });

export type PolicyType = InferSchemaType<typeof policyTypeSchema>;

export function policyTypeModel(connection: Connection) {
  return connection.model('PolicyType', policyTypeSchema);
}
export type PolicyTypeModel = ReturnType<typeof policyTypeModel>;

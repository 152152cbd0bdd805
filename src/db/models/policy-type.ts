import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { isNonNegativeDecimal } from './common.js';

export const linesOfBusiness = ['auto', 'home', 'health', 'life', 'renters', 'travel'] as const;
export type LineOfBusiness = (typeof linesOfBusiness)[number];

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
    /** When true an officer decides each request; otherwise requests are approved on receipt. */
    requiresApproval: { type: Boolean, required: true, default: false },
  },
  { _id: false },
);

export const policyTypeSchema = new Schema(
  {
    code: { type: String, required: true, trim: true, lowercase: true, match: /^[a-z][a-z0-9-]{1,39}$/ },
    name: { type: String, required: true, trim: true, minlength: 2 },
    lineOfBusiness: { type: String, enum: linesOfBusiness, required: true },
    description: { type: String, trim: true, default: '' },
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

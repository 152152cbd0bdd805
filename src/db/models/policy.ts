import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { sealedValuePattern } from '../encryption.js';
import { currencyPattern, isNonNegativeDecimal } from './common.js';

export const policyStatuses = ['active', 'lapsed', 'cancelled', 'expired'] as const;
export type PolicyStatus = (typeof policyStatuses)[number];
export const premiumFrequencies = ['monthly', 'quarterly', 'semiannual', 'annual'] as const;
export type PremiumFrequency = (typeof premiumFrequencies)[number];
export const dependentRelationships = ['spouse', 'partner', 'child', 'parent', 'other'] as const;

/** Three capital letters naming the line, a dash, six digits: `AUT-100200`. */
export const policyNumberPattern = /^[A-Z]{3}-\d{6}$/;

const dependentSchema = new Schema(
  {
    name: { type: String, required: true, trim: true, minlength: 1 },
    relationship: { type: String, enum: dependentRelationships, required: true },
    /** ISO `YYYY-MM-DD`, sealed like the customer's own date of birth. */
    dateOfBirthEncrypted: { type: String, required: true, match: sealedValuePattern },
  },
  { _id: false },
);

const coverageSchema = new Schema(
  {
    name: { type: String, required: true, trim: true, minlength: 2 },
    limit: { type: Schema.Types.Decimal128, required: true, validate: isNonNegativeDecimal },
    deductible: { type: Schema.Types.Decimal128, required: true, validate: isNonNegativeDecimal },
  },
  { _id: false },
);

/**
 * A change to one coverage of the policy from a date on (an endorsement): its limit and deductible from
 * `effectiveFrom`, and before it. No previous values: the coverage was added then. Kept so a claim can be
 * weighed against when its coverage was raised.
 */
const coverageChangeSchema = new Schema(
  {
    /** The coverage's name, as in `coverages`. */
    coverage: { type: String, required: true, trim: true, minlength: 2 },
    effectiveFrom: { type: Date, required: true },
    previousLimit: { type: Schema.Types.Decimal128, validate: isNonNegativeDecimal },
    previousDeductible: { type: Schema.Types.Decimal128, validate: isNonNegativeDecimal },
    limit: { type: Schema.Types.Decimal128, required: true, validate: isNonNegativeDecimal },
    deductible: { type: Schema.Types.Decimal128, required: true, validate: isNonNegativeDecimal },
  },
  { _id: false },
);

const documentSchema = new Schema(
  {
    title: { type: String, required: true, trim: true },
    /** Id of the stored file, resolved by the file store into a signed download link. */
    fileId: { type: String, required: true, trim: true },
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

export const policySchema = new Schema(
  {
    number: { type: String, required: true, trim: true, uppercase: true, match: policyNumberPattern },
    insurer: { type: Schema.Types.ObjectId, ref: 'Insurer', required: true },
    policyType: { type: Schema.Types.ObjectId, ref: 'PolicyType', required: true },
    holder: { type: Schema.Types.ObjectId, ref: 'Customer', required: true },
    dependents: { type: [dependentSchema], default: [] },
    coverages: { type: [coverageSchema], default: [] },
    /** The coverages' history, oldest first; `coverages` holds the values in force now. */
    coverageChanges: { type: [coverageChangeSchema], default: [] },
    premium: { type: premiumSchema, required: true },
    nextDueDate: { type: Date },
    startDate: { type: Date, required: true },
    endDate: {
      type: Date,
      required: true,
      validate: {
        validator(this: { startDate?: Date }, end: Date) {
          return !this.startDate || end.getTime() > this.startDate.getTime();
        },
        message: 'endDate must be after startDate',
      },
    },
    status: { type: String, enum: policyStatuses, required: true, default: 'active' },
    documents: { type: [documentSchema], default: [] },
  },
  { timestamps: true, collection: 'policies' },
);
policySchema.index({ number: 1 }, { unique: true });
policySchema.index({ holder: 1, insurer: 1 });
policySchema.index({ status: 1, nextDueDate: 1 });
policySchema.index({ endDate: 1 });

export type Policy = InferSchemaType<typeof policySchema>;

export function policyModel(connection: Connection) {
  return connection.model('Policy', policySchema);
}
export type PolicyModel = ReturnType<typeof policyModel>;

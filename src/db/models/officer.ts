import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { emailPattern, isNonNegativeDecimal } from './common.js';

export const officerRoles = ['claims_officer', 'supervisor', 'admin'] as const;
export type OfficerRole = (typeof officerRoles)[number];

export const officerSchema = new Schema(
  {
    /** Slack user id (`U…` or `W…`), the officer's identity everywhere in the product. */
    slackUserId: { type: String, required: true, trim: true, match: /^[UW][A-Z0-9]{2,20}$/ },
    name: { type: String, required: true, trim: true, minlength: 2 },
    email: { type: String, trim: true, lowercase: true, match: emailPattern },
    role: { type: String, enum: officerRoles, required: true, default: 'claims_officer' },
    /** Largest claim amount this officer may approve alone, in the claim's currency. */
    approvalLimit: { type: Schema.Types.Decimal128, required: true, validate: isNonNegativeDecimal },
    active: { type: Boolean, required: true, default: true },
  },
  { timestamps: true, collection: 'officers' },
);
officerSchema.index({ slackUserId: 1 }, { unique: true });
officerSchema.index({ role: 1, active: 1 });

export type Officer = InferSchemaType<typeof officerSchema>;

export function officerModel(connection: Connection) {
  return connection.model('Officer', officerSchema);
}
export type OfficerModel = ReturnType<typeof officerModel>;

import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { e164Pattern, emailPattern } from './common.js';

export const insurerSchema = new Schema(
  {
    /** Short stable code used in references and reports, e.g. `NWM`. */
    code: { type: String, required: true, trim: true, uppercase: true, match: /^[A-Z]{2,8}$/ },
    name: { type: String, required: true, trim: true, minlength: 2, maxlength: 120 },
    claimsPhone: { type: String, trim: true, match: e164Pattern },
    supportEmail: { type: String, trim: true, lowercase: true, match: emailPattern },
    website: { type: String, trim: true, match: /^https?:\/\/\S+$/ },
    /** How customers pay this insurer's premiums; what the bot says when it cannot take a payment. */
    paymentInstructions: { type: String, trim: true, maxlength: 1000 },
  },
  { timestamps: true, collection: 'insurers' },
);
insurerSchema.index({ code: 1 }, { unique: true });
insurerSchema.index({ name: 1 }, { unique: true });

export type Insurer = InferSchemaType<typeof insurerSchema>;

export function insurerModel(connection: Connection) {
  return connection.model('Insurer', insurerSchema);
}
export type InsurerModel = ReturnType<typeof insurerModel>;

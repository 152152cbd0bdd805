import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { e164Pattern } from './common.js';

export const consentActions = ['opt_in', 'opt_out'] as const;
export type ConsentAction = (typeof consentActions)[number];

/** Append-only SMS consent history; the customer's current state is a copy of the latest record. */
export const consentRecordSchema = new Schema(
  {
    /** Absent when a number that belongs to no customer texts STOP. */
    customer: { type: Schema.Types.ObjectId, ref: 'Customer' },
    phone: {
      type: String,
      required: true,
      trim: true,
      match: [e164Pattern, 'phone must be in E.164 format'],
    },
    channel: { type: String, enum: ['sms'], required: true, default: 'sms' },
    action: { type: String, enum: consentActions, required: true },
    /** Where the consent came from: `keyword:STOP`, `web_form`, `seed`, ... */
    source: { type: String, required: true, trim: true, minlength: 1 },
    /** Inbound message that carried it, when it came by SMS (makes webhook retries harmless). */
    messageSid: { type: String, trim: true },
    at: { type: Date, required: true, default: () => new Date() },
  },
  { collection: 'consentrecords' },
);
consentRecordSchema.index({ phone: 1, at: -1 });
consentRecordSchema.index({ customer: 1, at: -1 });
consentRecordSchema.index({ messageSid: 1 }, { unique: true, sparse: true });

export type ConsentRecord = InferSchemaType<typeof consentRecordSchema>;

export function consentRecordModel(connection: Connection) {
  return connection.model('ConsentRecord', consentRecordSchema);
}
export type ConsentRecordModel = ReturnType<typeof consentRecordModel>;

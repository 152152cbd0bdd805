import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { actorSchema } from './common.js';

const recordRefSchema = new Schema(
  {
    collection: { type: String, required: true, trim: true },
    id: { type: String, required: true, trim: true },
  },
  { _id: false, suppressReservedKeysWarning: true },
);

/** Append-only record of who changed what, when, and through which channel. */
export const auditEventSchema = new Schema(
  {
    actor: { type: actorSchema, required: true },
    /** Dotted verb, e.g. `claim.transition`, `benefit.decide`, `consent.opt_out`. */
    action: { type: String, required: true, trim: true, match: /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/ },
    record: { type: recordRefSchema, required: true },
    at: { type: Date, required: true, default: () => new Date() },
    /** Channel the action came through: `directline`, `sms`, `slack`, `admin`, `system`. */
    channel: { type: String, trim: true },
    details: { type: Schema.Types.Mixed, default: () => ({}) },
    /** The pending event this entry was drained from; unique, so a second drain adds nothing. */
    eventId: { type: String },
  },
  { collection: 'auditevents', minimize: false },
);
auditEventSchema.index({ 'record.collection': 1, 'record.id': 1, at: 1 });
auditEventSchema.index({ 'actor.type': 1, 'actor.id': 1, at: -1 });
auditEventSchema.index({ at: -1 });
auditEventSchema.index({ eventId: 1 }, { unique: true, sparse: true });

export type AuditEvent = InferSchemaType<typeof auditEventSchema>;

export function auditEventModel(connection: Connection) {
  return connection.model('AuditEvent', auditEventSchema);
}
export type AuditEventModel = ReturnType<typeof auditEventModel>;

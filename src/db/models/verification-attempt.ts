import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * Failed identity verifications against one subject (a customer, an unknown identifier, or a
 * conversation), and the lock they led to. Kept in the database so that neither a new conversation nor
 * a restart resets the count.
 */
export const verificationAttemptSchema = new Schema(
  {
    /**
     * `customer:<id>`, `identifier:<blind index>`, `conversation:<channel>:<id>` or `client:<blind index>`;
     * never a raw identifier or address.
     */
    _id: { type: String, required: true },
    failures: { type: Number, required: true, min: 0, default: 0 },
    /** For a customer or identifier: keyed hashes of the clients or conversations the failures came from. */
    sources: { type: [String], default: [] },
    /** When the current run of failures began; failures older than the window no longer count. */
    windowStart: { type: Date, required: true },
    lockedUntil: { type: Date, default: null },
    /** When the record no longer matters; removed by the TTL index. */
    expiresAt: { type: Date, required: true },
  },
  { collection: 'verificationattempts', versionKey: false },
);
verificationAttemptSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type VerificationAttempt = InferSchemaType<typeof verificationAttemptSchema>;

export function verificationAttemptModel(connection: Connection) {
  return connection.model('VerificationAttempt', verificationAttemptSchema);
}
export type VerificationAttemptModel = ReturnType<typeof verificationAttemptModel>;

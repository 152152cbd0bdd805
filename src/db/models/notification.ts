import { Schema, type Connection, type InferSchemaType } from 'mongoose';

export const notificationChannels = ['sms', 'directline', 'msteams', 'webchat', 'email'] as const;
export type NotificationChannel = (typeof notificationChannels)[number];
export const notificationStatuses = ['pending', 'sending', 'sent', 'failed'] as const;
export type NotificationStatus = (typeof notificationStatuses)[number];

/**
 * The outbox: everything a customer must hear later is written here first, then delivered by a
 * dispatcher that claims `pending` rows whose `nextAttemptAt` has passed. The unique idempotency key
 * makes a repeated enqueue (a retried webhook, a re-run job) a no-op.
 */
export const notificationSchema = new Schema(
  {
    recipient: { type: Schema.Types.ObjectId, ref: 'Customer', required: true },
    channel: { type: String, enum: notificationChannels, required: true },
    template: { type: String, required: true, trim: true, match: /^[a-z][a-z0-9_.-]{1,63}$/ },
    payload: { type: Schema.Types.Mixed, required: true, default: () => ({}) },
    status: { type: String, enum: notificationStatuses, required: true, default: 'pending' },
    attempts: { type: Number, required: true, default: 0, min: 0 },
    lastError: { type: String },
    idempotencyKey: { type: String, required: true, trim: true, minlength: 1, maxlength: 200 },
    nextAttemptAt: { type: Date, required: true, default: () => new Date() },
    /** Set while a dispatcher holds the row, so a crashed sender's claim can expire. */
    lockedUntil: { type: Date },
    sentAt: { type: Date },
    /** Id the provider gave the message (Twilio `MessageSid`, activity id). */
    providerMessageId: { type: String },
  },
  { timestamps: true, collection: 'notifications', minimize: false },
);
notificationSchema.index({ idempotencyKey: 1 }, { unique: true });
notificationSchema.index({ status: 1, nextAttemptAt: 1 });
notificationSchema.index({ recipient: 1, createdAt: -1 });
notificationSchema.index({ providerMessageId: 1 }, { sparse: true });

export type Notification = InferSchemaType<typeof notificationSchema>;

export function notificationModel(connection: Connection) {
  return connection.model('Notification', notificationSchema);
}
export type NotificationModel = ReturnType<typeof notificationModel>;

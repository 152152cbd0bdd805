import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * Where a notification goes: `conversation` is the conversation the customer used last (web chat, an
 * Azure channel, or SMS once they text), `sms` their phone number, `slack` the officers' Slack card and
 * thread of the claim the row is about (the recipient is still the customer it concerns), `handoff` the
 * conversation a handoff to a person was asked in (`payload.request`; the recipient is the customer,
 * or the support request itself when the customer never verified).
 */
export const notificationRoutes = ['conversation', 'sms', 'slack', 'handoff'] as const;
export type NotificationRoute = (typeof notificationRoutes)[number];
export const notificationStatuses = ['pending', 'sending', 'sent', 'failed'] as const;
export type NotificationStatus = (typeof notificationStatuses)[number];

/**
 * The outbox: everything a customer must hear later is written here first, then delivered by a
 * dispatcher that leases `pending` rows whose `nextAttemptAt` has passed (and `sending` rows whose lease
 * ran out, because their dispatcher died). The unique idempotency key makes a repeated enqueue (a
 * drained event, a retried webhook, a re-run job) a no-op.
 */
export const notificationSchema = new Schema(
  {
    recipient: { type: Schema.Types.ObjectId, ref: 'Customer', required: true },
    route: { type: String, enum: notificationRoutes, required: true, default: 'conversation' },
    template: { type: String, required: true, trim: true, match: /^[a-z][a-z0-9_.-]{1,63}$/ },
    payload: { type: Schema.Types.Mixed, required: true, default: () => ({}) },
    status: { type: String, enum: notificationStatuses, required: true, default: 'pending' },
    attempts: { type: Number, required: true, default: 0, min: 0 },
    lastError: { type: String },
    idempotencyKey: { type: String, required: true, trim: true, minlength: 1, maxlength: 200 },
    nextAttemptAt: { type: Date, required: true, default: () => new Date() },
    /** Set while a dispatcher holds the row, so a crashed sender's claim can expire. */
    lockedUntil: { type: Date },
    /** The dispatcher holding the lease; only it may record the outcome. */
    lockedBy: { type: String },
    /** The SMS send slot the row took when it was put back for the pace, spent when it is next handled. */
    paceSlot: { type: Date },
    sentAt: { type: Date },
    /** The channel and conversation it was delivered to. */
    deliveredTo: {
      type: new Schema(
        { channel: { type: String, required: true }, conversationId: { type: String, required: true } },
        { _id: false },
      ),
    },
    /** The provider's latest delivery receipt (Twilio `MessageStatus`: `sent`, `delivered`, `failed`…). */
    deliveryStatus: { type: String },
    /** Id the provider gave the message (Twilio `MessageSid`, activity id). */
    providerMessageId: { type: String },
  },
  { timestamps: true, collection: 'notifications', minimize: false },
);
notificationSchema.index({ idempotencyKey: 1 }, { unique: true });
notificationSchema.index({ status: 1, nextAttemptAt: 1 });
notificationSchema.index({ status: 1, lockedUntil: 1 });
notificationSchema.index({ recipient: 1, createdAt: -1 });
notificationSchema.index({ providerMessageId: 1 }, { sparse: true });

export type Notification = InferSchemaType<typeof notificationSchema>;

export function notificationModel(connection: Connection) {
  return connection.model('Notification', notificationSchema);
}
export type NotificationModel = ReturnType<typeof notificationModel>;

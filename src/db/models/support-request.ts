import { Schema, type Connection, type InferSchemaType } from 'mongoose';

export const supportRequestStatuses = ['open', 'in_progress', 'closed'] as const;
export type SupportRequestStatus = (typeof supportRequestStatuses)[number];

/** Why the customer needs a person; tells the team where to start. */
export const supportReasons = [
  'customer_request',
  'verification_locked',
  'verification_failed',
  'question_out_of_scope',
  'answer_unhelpful',
  'not_available_in_chat',
] as const;
export type SupportReason = (typeof supportReasons)[number];

/**
 * A customer's request to talk to a person, raised from a conversation. The team answers it on the
 * customer's channel by `respondBy`.
 */
export const supportRequestSchema = new Schema(
  {
    /** `SR-` and six digits, quoted to the customer as their reference. */
    number: { type: String, required: true, trim: true, match: /^SR-\d{6}$/ },
    /** Set when the customer had verified their identity in the conversation. */
    customer: { type: Schema.Types.ObjectId, ref: 'Customer' },
    channel: { type: String, required: true, trim: true, lowercase: true, minlength: 1 },
    conversationId: { type: String, required: true, trim: true, minlength: 1 },
    /** The Bot Framework `ConversationReference`, so whoever answers can reply in the same conversation. */
    reference: { type: Schema.Types.Mixed },
    reason: { type: String, enum: supportReasons, required: true },
    /** What the customer was doing, in the bot's words (a topic or article slug), never free text from them. */
    context: { type: String, trim: true, maxlength: 200 },
    status: { type: String, enum: supportRequestStatuses, required: true, default: 'open' },
    respondBy: { type: Date, required: true },
  },
  { timestamps: true, collection: 'supportrequests' },
);
supportRequestSchema.index({ number: 1 }, { unique: true });
supportRequestSchema.index({ channel: 1, conversationId: 1, status: 1 });
supportRequestSchema.index({ status: 1, respondBy: 1 });
supportRequestSchema.index({ customer: 1, createdAt: -1 });

export type SupportRequest = InferSchemaType<typeof supportRequestSchema>;

export function supportRequestModel(connection: Connection) {
  return connection.model('SupportRequest', supportRequestSchema);
}
export type SupportRequestModel = ReturnType<typeof supportRequestModel>;

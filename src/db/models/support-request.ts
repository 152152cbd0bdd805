import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { pendingEventSchema, sentFileSchema } from './common.js';

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
 * How the request is served: `live`, an officer joins the chat (asked within business hours);
 * `ticket`, the team replies later, by the promised time (asked outside them).
 */
export const supportRequestModes = ['live', 'ticket'] as const;
export type SupportRequestMode = (typeof supportRequestModes)[number];

/** How a request ended: the officer handed the customer back to the bot, or closed it. */
export const supportRequestEndings = ['handed_back', 'closed'] as const;
export type SupportRequestEnding = (typeof supportRequestEndings)[number];

/** One line of the conversation, as the handoff card and its thread show it. */
const lineSchema = new Schema(
  {
    from: { type: String, enum: ['customer', 'bot', 'officer'], required: true },
    /** The officer's Slack user id, for lines from an officer. */
    author: { type: String },
    text: { type: String, required: true, maxlength: 1000 },
    at: { type: Date, required: true },
    /** Files an officer sent the customer with the message (stored attachments, by id). */
    files: { type: [sentFileSchema], default: undefined },
  },
  { _id: false },
);

/**
 * A customer's request to talk to a person, raised from a conversation: a handoff card in the support
 * channel, where an officer takes the chat over (`in_progress`: the customer's messages go to the
 * card's thread and the officer's replies to the customer) until they hand it back or close it.
 * `respondBy` is the SLA due time: an officer should take it by then, or reply to a ticket by then.
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
    mode: { type: String, enum: supportRequestModes, required: true, default: 'ticket' },
    respondBy: { type: Date, required: true },
    /** When the SLA passed with nobody on it and the supervisors were called. */
    escalatedAt: { type: Date },
    /** The officer (Slack user id) who took the conversation over, and when. */
    officer: { type: String },
    takenAt: { type: Date },
    endedAt: { type: Date },
    ending: { type: String, enum: supportRequestEndings },
    /** The last messages before the handoff, answers to personal prompts hidden; shown on the card. */
    transcript: { type: [lineSchema], default: [] },
    /** What was said while an officer had the conversation (both ways). */
    messages: { type: [lineSchema], default: [] },
    /** The handoff card in the support channel, once posted (its thread carries the conversation). */
    slackCard: {
      type: new Schema(
        { channel: { type: String, required: true }, ts: { type: String, required: true } },
        { _id: false },
      ),
    },
    /** Consequences of the latest changes not yet drained into the audit log and the outbox. */
    pendingEvents: { type: [pendingEventSchema], default: [] },
  },
  { timestamps: true, collection: 'supportrequests' },
);
supportRequestSchema.index({ number: 1 }, { unique: true });
supportRequestSchema.index({ channel: 1, conversationId: 1, status: 1 });
supportRequestSchema.index({ status: 1, respondBy: 1 });
supportRequestSchema.index({ customer: 1, createdAt: -1 });
supportRequestSchema.index({ 'slackCard.channel': 1, 'slackCard.ts': 1 }, { sparse: true });
supportRequestSchema.index({ officer: 1, status: 1 }, { sparse: true });
supportRequestSchema.index({ 'pendingEvents.at': 1 }, { sparse: true });

export type SupportRequest = InferSchemaType<typeof supportRequestSchema>;

export function supportRequestModel(connection: Connection) {
  return connection.model('SupportRequest', supportRequestSchema);
}
export type SupportRequestModel = ReturnType<typeof supportRequestModel>;

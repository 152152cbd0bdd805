import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * A Bot Framework conversation reference for a customer on one channel, kept so the bot can message
 * the customer proactively (decisions, officer replies) on the channel they used.
 */
export const conversationLinkSchema = new Schema(
  {
    customer: { type: Schema.Types.ObjectId, ref: 'Customer', required: true },
    channel: { type: String, required: true, trim: true, lowercase: true },
    conversationId: { type: String, required: true, trim: true },
    /** The `ConversationReference` as botbuilder produced it. */
    reference: { type: Schema.Types.Mixed, required: true },
    /** When the customer last wrote there; notifications go to the conversation used last. */
    lastUsedAt: { type: Date, required: true, default: () => new Date() },
  },
  { timestamps: true, collection: 'conversationlinks' },
);
conversationLinkSchema.index({ customer: 1, channel: 1, conversationId: 1 }, { unique: true });
conversationLinkSchema.index({ customer: 1, lastUsedAt: -1 });
conversationLinkSchema.index({ channel: 1, conversationId: 1 });

export type ConversationLink = InferSchemaType<typeof conversationLinkSchema>;

export function conversationLinkModel(connection: Connection) {
  return connection.model('ConversationLink', conversationLinkSchema);
}
export type ConversationLinkModel = ReturnType<typeof conversationLinkModel>;

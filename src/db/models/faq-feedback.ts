import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/** A customer's answer to "was this helpful?" after the bot answered a question from an article. */
export const faqFeedbackSchema = new Schema(
  {
    /** The knowledge-base article that answered. */
    slug: { type: String, required: true, trim: true, match: /^[a-z0-9]+(?:-[a-z0-9]+)*$/ },
    /** The question as the customer asked it, to improve the articles and the retrieval. */
    question: { type: String, required: true, trim: true, maxlength: 500 },
    helpful: { type: Boolean, required: true },
    channel: { type: String, required: true, trim: true, lowercase: true, minlength: 1 },
    conversationId: { type: String, required: true, trim: true, minlength: 1 },
    /** Set when the customer had verified their identity in the conversation. */
    customer: { type: Schema.Types.ObjectId, ref: 'Customer' },
  },
  { timestamps: true, collection: 'faqfeedback' },
);
faqFeedbackSchema.index({ slug: 1, helpful: 1, createdAt: -1 });
faqFeedbackSchema.index({ createdAt: -1 });

export type FaqFeedback = InferSchemaType<typeof faqFeedbackSchema>;

export function faqFeedbackModel(connection: Connection) {
  return connection.model('FaqFeedback', faqFeedbackSchema);
}
export type FaqFeedbackModel = ReturnType<typeof faqFeedbackModel>;

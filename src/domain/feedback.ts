import { z } from 'zod';
import type { FaqFeedbackModel } from '../db/models/faq-feedback.js';
import { idOf, parseInput, parseObjectId } from './mapping.js';

export const faqFeedbackInputSchema = z.object({
  slug: z.string().trim().min(1),
  // Long questions are cut rather than refused: the feedback matters more than the tail of the question.
  question: z
    .string()
    .trim()
    .min(1)
    .transform((question) => question.slice(0, 500)),
  helpful: z.boolean(),
  channel: z.string().trim().toLowerCase().min(1),
  conversationId: z.string().trim().min(1),
  customerId: z.string().trim().min(1).optional(),
});
export type FaqFeedbackInput = z.input<typeof faqFeedbackInputSchema>;

/** "Was this helpful?" answers about knowledge-base articles. */
export interface FeedbackService {
  /** Stores one answer; returns its id. */
  record(input: FaqFeedbackInput): Promise<string>;
}

export class MongoFeedbackService implements FeedbackService {
  constructor(private readonly models: { faqFeedback: FaqFeedbackModel }) {}

  async record(input: FaqFeedbackInput): Promise<string> {
    const data = parseInput(faqFeedbackInputSchema, input);
    const created = await this.models.faqFeedback.create({
      slug: data.slug,
      question: data.question,
      helpful: data.helpful,
      channel: data.channel,
      conversationId: data.conversationId,
      customer: data.customerId ? parseObjectId(data.customerId, 'customer') : undefined,
    });
    return idOf(created._id);
  }
}

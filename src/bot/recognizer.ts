import { z } from 'zod';

/** The intents every recognizer distinguishes. Anything else is `faq` (goes to the knowledge base). */
export const intents = [
  'greeting',
  'help',
  'policy_lookup',
  'claim_status',
  'file_claim',
  'benefits',
  'request_status',
  'dependents',
  'renewal',
  'upgrade',
  'pay_premium',
  'faq',
  'talk_to_person',
  'cancel',
  'small_talk',
  'about_assistant',
  'log_out',
] as const;

export const intentSchema = z.enum(intents);
export type Intent = z.infer<typeof intentSchema>;

/** Entities a message may carry; every field optional. Dates are ISO `YYYY-MM-DD`. */
export const entitiesSchema = z.object({
  policyNumber: z.string().optional(),
  claimNumber: z.string().optional(),
  /** A service request: `BEN-`, `DEP-`, `RNW-` or `UPG-` and six digits. */
  requestNumber: z.string().optional(),
  phone: z.string().optional(),
  date: z.string().optional(),
  amount: z.number().optional(),
  claimType: z.string().optional(),
});
export type Entities = z.infer<typeof entitiesSchema>;

export const recognitionSchema = z.object({
  intent: intentSchema,
  /** Confidence in [0, 1]. */
  score: z.number().min(0).max(1),
  entities: entitiesSchema,
});
export type Recognition = z.infer<typeof recognitionSchema>;

/** Turns a customer's message into an intent and entities. Implemented locally and with OpenAI. */
export interface Recognizer {
  recognize(text: string): Promise<Recognition>;
}

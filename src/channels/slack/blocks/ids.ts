/** Action ids, callback ids and block ids the builders and the listeners share. */
import { z } from 'zod';

export const actionIds = {
  assign: 'claim_assign',
  approve: 'claim_approve',
  deny: 'claim_deny',
  requestInfo: 'claim_request_info',
  takeOver: 'handoff_take_over',
  handBack: 'handoff_hand_back',
  closeHandoff: 'handoff_close',
} as const;

export const callbackIds = {
  approve: 'claim_approve_modal',
  deny: 'claim_deny_modal',
  requestInfo: 'claim_request_info_modal',
} as const;

export const inputIds = {
  amount: 'amount',
  note: 'note',
  reason: 'reason',
  details: 'details',
  message: 'message',
} as const;

/** What a button carries: the claim and the state the card showed it in. */
export const cardRefSchema = z.object({
  n: z.string().regex(/^CLM-\d{6}$/),
  s: z.string().min(1).max(100),
});
export type CardRef = z.infer<typeof cardRefSchema>;

/** What a handoff card's button carries: the request and the state the card showed it in. */
export const handoffRefSchema = z.object({
  r: z.string().regex(/^SR-\d{6}$/),
  s: z.string().min(1).max(100),
});
export type HandoffRef = z.infer<typeof handoffRefSchema>;

/** What a modal carries: the card it came from and where to answer. */
export const modalRefSchema = cardRefSchema.extend({
  c: z.string().min(1).max(40),
  /** The amount claimed, for checks the modal answers itself. */
  a: z.number().nonnegative().optional(),
});
export type ModalRef = z.infer<typeof modalRefSchema>;

/** Reasons a denial may give; the officer adds details. */
export const denialReasons = {
  not_covered: 'The loss is not covered by the policy',
  policy_inactive: 'The policy was not in force on the incident date',
  insufficient_evidence: 'The evidence does not support the claim',
  duplicate: 'The loss was already claimed',
  excluded: 'An exclusion of the policy applies',
  other: 'Another reason',
} as const;
export type DenialReason = keyof typeof denialReasons;

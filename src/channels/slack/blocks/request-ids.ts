/** Action ids, callback ids and references of the service-request card and its modals. */
import { z } from 'zod';

export const requestActionIds = {
  approve: 'request_approve',
  deny: 'request_deny',
  requestInfo: 'request_request_info',
} as const;
export type RequestAction = keyof typeof requestActionIds;

export const requestCallbackIds: Readonly<Record<RequestAction, string>> = {
  approve: 'request_approve_modal',
  deny: 'request_deny_modal',
  requestInfo: 'request_request_info_modal',
};

export const requestInputIds = {
  premium: 'premium',
  note: 'note',
  reason: 'reason',
  message: 'message',
} as const;

/** What a request card's button carries: the request and the state the card showed it in. */
export const requestRefSchema = z.object({
  n: z.string().regex(/^(?:BEN|DEP|RNW|UPG)-\d{6}$/),
  s: z.string().min(1).max(100),
});
export type RequestRef = z.infer<typeof requestRefSchema>;

/** What a request modal carries: the card it came from, where to answer, and whether a premium is asked. */
export const requestModalRefSchema = requestRefSchema.extend({
  c: z.string().min(1).max(40),
  /** `required` for an upgrade, `optional` for a renewal with changes. */
  p: z.enum(['required', 'optional']).optional(),
});
export type RequestModalRef = z.infer<typeof requestModalRefSchema>;

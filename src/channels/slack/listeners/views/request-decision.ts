/**
 * The request decision modals: a premium that reads as an amount where one is asked, a reason to deny,
 * a question to ask; then the decision through the request service, which tells the customer.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import {
  requestInputIds,
  requestModalRefSchema,
  type RequestAction,
  type RequestModalRef,
} from '../../blocks/request-ids.js';
import { actorOf, officerOf, work, type SlackDeps } from '../../context.js';
import { refuse, valueOf, type SubmissionArgs } from './submission.js';

const done: Record<RequestAction, string> = {
  approve: 'You approved',
  deny: 'You denied',
  requestInfo: 'You asked the customer about',
};

export function requestDecisionSubmission(deps: SlackDeps, action: RequestAction) {
  return async function requestDecisionSubmission(args: SubmissionArgs): Promise<void> {
    const ref = modalRef(args);
    const note = valueOf(args, requestInputIds.note);
    const reason = valueOf(args, requestInputIds.reason);
    const message = valueOf(args, requestInputIds.message);
    const typed = valueOf(args, requestInputIds.premium)?.replace(/[$,\s]/g, '');
    const premium = typed && /^\d+(\.\d{1,2})?$/.test(typed) && Number(typed) > 0 ? Number(typed) : undefined;
    if (action === 'approve' && (typed || ref?.p === 'required') && premium === undefined) {
      return refuse(args, { [requestInputIds.premium]: 'Enter the new premium, such as 158.00' });
    }
    if (action === 'deny' && !reason)
      return refuse(args, { [requestInputIds.reason]: 'Say why, for the customer' });
    if (action === 'requestInfo' && !message) {
      return refuse(args, { [requestInputIds.message]: 'Write what the customer should tell us' });
    }
    await args.ack();
    if (!ref) return;
    const officer = officerOf(args.context);
    await work(deps, { channel: ref.c, user: officer.slackUserId }, async () => {
      const text = action === 'approve' ? note : action === 'deny' ? reason : message;
      await deps.requests.decide({
        number: ref.n,
        actor: actorOf(officer),
        shownState: ref.s,
        decision: action === 'requestInfo' ? 'request_info' : action,
        ...(text ? { reason: text.slice(0, 500) } : {}),
        ...(premium === undefined ? {} : { premium: { amount: premium } }),
      });
      return `${done[action]} ${ref.n}. The customer is being told.`;
    });
  };
}

function modalRef(
  args: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs,
): RequestModalRef | undefined {
  try {
    const parsed = requestModalRefSchema.safeParse(JSON.parse(args.view.private_metadata));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

import { inputIds } from '../../blocks/ids.js';
import { actorOf, officerOf, refreshHome, work, type SlackDeps } from '../../context.js';
import { modalRef, refuse, valueOf, type SubmissionArgs } from './submission.js';

/** The request-information modal: the message the customer gets, required. */
export function requestInfoSubmission(deps: SlackDeps) {
  return async function requestInfoSubmission(args: SubmissionArgs): Promise<void> {
    const ref = modalRef(args);
    const message = valueOf(args, inputIds.message);
    if (!message) return refuse(args, { [inputIds.message]: 'Write what the customer should send' });
    if (message.length > 500) return refuse(args, { [inputIds.message]: 'Keep it under 500 characters' });
    await args.ack();
    if (!ref) return;
    const officer = officerOf(args.context);
    await work(deps, { channel: ref.c, user: officer.slackUserId }, async () => {
      await deps.approvals.requestInfo({
        claimNumber: ref.n,
        actor: actorOf(officer),
        shownState: ref.s,
        message,
      });
      void refreshHome(deps, officer);
      return `You asked the customer for more information on ${ref.n}.`;
    });
  };
}

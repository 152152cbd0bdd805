import { denialReasons, inputIds, type DenialReason } from '../../blocks/ids.js';
import { actorOf, officerOf, refreshHome, work, type SlackDeps } from '../../context.js';
import { modalRef, refuse, valueOf, type SubmissionArgs } from './submission.js';

/** The denial modal: a reason from the list and an explanation, both required. */
export function denySubmission(deps: SlackDeps) {
  return async function denySubmission(args: SubmissionArgs): Promise<void> {
    const ref = modalRef(args);
    const reason = valueOf(args, inputIds.reason);
    const details = valueOf(args, inputIds.details);
    const errors: Record<string, string> = {};
    if (!reason || !(reason in denialReasons)) errors[inputIds.reason] = 'Choose a reason';
    if (!details) errors[inputIds.details] = 'Explain the denial to the customer';
    if (Object.keys(errors).length) return refuse(args, errors);
    await args.ack();
    if (!ref) return;
    const officer = officerOf(args.context);
    await work(deps, { channel: ref.c, user: officer.slackUserId }, async () => {
      const outcome = await deps.approvals.deny({
        claimNumber: ref.n,
        actor: actorOf(officer),
        shownState: ref.s,
        reason: `${denialReasons[reason as DenialReason]}: ${details}`.slice(0, 500),
      });
      void refreshHome(deps, officer);
      return outcome.outcome === 'moved'
        ? `You denied ${ref.n}. The customer is being told.`
        : `${ref.n} is above your approval limit: your denial is recorded and a supervisor must confirm it.`;
    });
  };
}

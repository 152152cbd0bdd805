import { formatMoney } from '../../blocks/text.js';
import { inputIds } from '../../blocks/ids.js';
import { actorOf, officerOf, refreshHome, work, type SlackDeps } from '../../context.js';
import { modalRef, refuse, valueOf, type SubmissionArgs } from './submission.js';

/** The approval modal: checks the amount, then approves (or records it for a supervisor). */
export function approveSubmission(deps: SlackDeps) {
  return async function approveSubmission(args: SubmissionArgs): Promise<void> {
    const ref = modalRef(args);
    const typed = valueOf(args, inputIds.amount)?.replace(/[$,\s]/g, '');
    const amount = typed && /^\d+(\.\d{1,2})?$/.test(typed) ? Number(typed) : undefined;
    if (amount === undefined) return refuse(args, { [inputIds.amount]: 'Enter an amount such as 1250.00' });
    if (ref?.a !== undefined && amount > ref.a) {
      return refuse(args, {
        [inputIds.amount]: 'The approved amount cannot be more than the amount claimed',
      });
    }
    await args.ack();
    if (!ref) return;
    const officer = officerOf(args.context);
    await work(deps, { channel: ref.c, user: officer.slackUserId }, async () => {
      const outcome = await deps.approvals.approve({
        claimNumber: ref.n,
        actor: actorOf(officer),
        shownState: ref.s,
        amount,
        ...(valueOf(args, inputIds.note) ? { note: valueOf(args, inputIds.note) } : {}),
      });
      void refreshHome(deps, officer);
      return outcome.outcome === 'moved'
        ? `You approved ${ref.n}. The customer is being told.`
        : `${ref.n} is above your approval limit of ${formatMoney(officer.approvalLimit, 'USD')}: your approval is recorded and a supervisor must confirm it.`;
    });
  };
}

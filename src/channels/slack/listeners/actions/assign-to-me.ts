import { actorOf, officerOf, refreshHome, work, type SlackDeps } from '../../context.js';
import { parseRef, type ButtonArgs } from './open-decision.js';

/** Assign to me: gives the card's claim to the officer who clicked; the card follows through the outbox. */
export function assignToMeButton(deps: SlackDeps) {
  return async function assignToMeButton({ ack, body, action, context }: ButtonArgs): Promise<void> {
    await ack();
    const officer = officerOf(context);
    const channel = body.channel?.id ?? deps.approvalsChannel;
    await work(deps, { channel, user: officer.slackUserId }, async () => {
      const ref = parseRef(action.value);
      if (!ref) return 'This button no longer works; ask for a fresh card with /insuralink claim CLM-…';
      await deps.approvals.assignToMe({ claimNumber: ref.n, actor: actorOf(officer), shownState: ref.s });
      void refreshHome(deps, officer);
      return undefined;
    });
  };
}

import { approveModal } from '../../blocks/modals.js';
import type { SlackDeps } from '../../context.js';
import { openDecision, type ButtonArgs } from './open-decision.js';

/** Approve: opens the approval modal (approved amount, note) for the card's claim. */
export function approveButton(deps: SlackDeps) {
  return async function approveButton(args: ButtonArgs): Promise<void> {
    await args.ack();
    await openDecision(deps, args, (ref, card) =>
      approveModal({ ...ref, a: card.claim.amountClaimed }, card.claim.currency),
    );
  };
}

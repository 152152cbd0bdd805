import { denyModal } from '../../blocks/modals.js';
import type { SlackDeps } from '../../context.js';
import { openDecision, type ButtonArgs } from './open-decision.js';

/** Deny: opens the denial modal (a reason from the list, and details). */
export function denyButton(deps: SlackDeps) {
  return async function denyButton(args: ButtonArgs): Promise<void> {
    await args.ack();
    await openDecision(deps, args, (ref) => denyModal(ref));
  };
}

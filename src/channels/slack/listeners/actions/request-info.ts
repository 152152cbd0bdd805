import { requestInfoModal } from '../../blocks/modals.js';
import type { SlackDeps } from '../../context.js';
import { openDecision, type ButtonArgs } from './open-decision.js';

/** Request info: opens the modal for the message to the customer. */
export function requestInfoButton(deps: SlackDeps) {
  return async function requestInfoButton(args: ButtonArgs): Promise<void> {
    await args.ack();
    await openDecision(deps, args, (ref) => requestInfoModal(ref));
  };
}

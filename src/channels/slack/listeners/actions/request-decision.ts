/**
 * Approve, Deny and Request info on a service request's card: checks the card still shows the request
 * as it is, then opens the modal of that decision (with a premium input where the officer sets one).
 */
import { requestModal } from '../../blocks/request-modals.js';
import { requestRefSchema, type RequestAction } from '../../blocks/request-ids.js';
import { officerOf, work, type SlackDeps } from '../../context.js';
import type { ButtonArgs } from './open-decision.js';

export function requestDecisionButton(deps: SlackDeps, action: RequestAction) {
  return async function requestDecisionButton({
    ack,
    body,
    action: button,
    context,
  }: ButtonArgs): Promise<void> {
    await ack();
    const officer = officerOf(context);
    const channel = body.channel?.id ?? deps.approvalsChannel;
    await work(deps, { channel, user: officer.slackUserId }, async () => {
      const ref = parseRequestRef(button.value);
      if (!ref) return 'This button no longer works; ask for a fresh card with /insuralink request BEN-…';
      const card = await deps.requests.current(ref.n, ref.s);
      const { kind, renewal } = card.request;
      const premium =
        kind === 'upgrade' ? 'required' : kind === 'renewal' && !renewal?.sameTerms ? 'optional' : undefined;
      await deps.api.openView({
        triggerId: body.trigger_id,
        view: requestModal(
          action,
          { ...ref, c: channel, ...(premium ? { p: premium } : {}) },
          card.policy.currency,
        ),
      });
      return undefined;
    });
  };
}

function parseRequestRef(value: string | undefined) {
  try {
    const parsed = requestRefSchema.safeParse(JSON.parse(value ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

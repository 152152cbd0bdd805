/** What the decision buttons share: reading the card a button was on, and opening a modal for it. */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { View } from '@slack/web-api';
import type { ClaimCard } from '../../../../domain/approvals.js';
import { cardRefSchema, type ModalRef } from '../../blocks/ids.js';
import { officerOf, work, type SlackDeps } from '../../context.js';

/** The arguments of a button listener. */
export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** After the ack: checks the card is current, then opens the modal `build` makes for it. */
export async function openDecision(
  deps: SlackDeps,
  { body, action, context }: ButtonArgs,
  build: (ref: ModalRef, card: ClaimCard) => View,
): Promise<void> {
  const officer = officerOf(context);
  const channel = body.channel?.id ?? deps.approvalsChannel;
  await work(deps, { channel, user: officer.slackUserId }, async () => {
    const ref = parseRef(action.value);
    if (!ref) return 'This button no longer works; ask for a fresh card with /insuralink claim CLM-…';
    const card = await deps.approvals.current(ref.n, ref.s);
    await deps.api.openView({
      triggerId: body.trigger_id,
      view: build({ ...ref, c: channel, a: card.claim.amountClaimed }, card),
    });
    return undefined;
  });
}

export function parseRef(value: string | undefined) {
  try {
    const parsed = cardRefSchema.safeParse(JSON.parse(value ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The handoff card's buttons: Take over (the officer has the conversation from now on), Hand back (the
 * bot resumes) and Close. Each acks first, then calls the handoff service as the officer, which checks
 * the card was current, so the first click wins and a second gets "already taken over by …".
 */
import type { Actor } from '../../../../domain/actor.js';
import type { HandoffCard } from '../../../../domain/handoff.js';
import { handoffRefSchema, type HandoffRef } from '../../blocks/ids.js';
import { actorOf, officerOf, refreshHome, work, type SlackDeps } from '../../context.js';
import type { ButtonArgs } from './open-decision.js';

type MoveInput = { reference: string; actor: Actor; shownState: string };

export function takeOverButton(deps: SlackDeps) {
  return async function takeOverButton(args: ButtonArgs): Promise<void> {
    await args.ack();
    await press(
      deps,
      args,
      (input) => deps.handoffs.takeOver(input),
      (card) =>
        `You have ${card.reference}. The customer is told you joined; reply in the card's thread to talk to them.`,
    );
  };
}

export function handBackButton(deps: SlackDeps) {
  return async function handBackButton(args: ButtonArgs): Promise<void> {
    await args.ack();
    await press(
      deps,
      args,
      (input) => deps.handoffs.handBack(input),
      (card) => `${card.reference} is back with the assistant.`,
    );
  };
}

export function closeHandoffButton(deps: SlackDeps) {
  return async function closeHandoffButton(args: ButtonArgs): Promise<void> {
    await args.ack();
    await press(
      deps,
      args,
      (input) => deps.handoffs.close(input),
      (card) => `${card.reference} is closed.`,
    );
  };
}

/** After the ack: the move as the officer, the officer's App Home refreshed, and a word on how it went. */
async function press(
  deps: SlackDeps,
  { body, action, context }: ButtonArgs,
  move: (input: MoveInput) => Promise<HandoffCard>,
  done: (card: HandoffCard) => string,
): Promise<void> {
  const officer = officerOf(context);
  const channel = body.channel?.id ?? deps.supportChannel;
  await work(deps, { channel, user: officer.slackUserId }, async () => {
    const ref = parseHandoffRef(action.value);
    if (!ref) return 'This button no longer works.';
    const card = await move({ reference: ref.r, actor: actorOf(officer), shownState: ref.s });
    void refreshHome(deps, officer);
    return done(card);
  });
}

function parseHandoffRef(value: string | undefined): HandoffRef | undefined {
  try {
    const parsed = handoffRefSchema.safeParse(JSON.parse(value ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

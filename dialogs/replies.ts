/** What the bot says in more than one dialog: the menu, help, and handing over to a person. */
import { MessageFactory, TurnContext, type Activity } from 'botbuilder';
import { channelSourceOf } from '../src/bot/channel-source.js';
import type { SupportReason } from '../src/domain/handoff.js';
import type { DialogDependencies } from './dependencies.js';

/** The main menu, as suggested actions; each title is also what the button sends back. */
export const menuItems = {
  policies: 'Show my policies',
  claimStatus: 'Claim status',
  fileClaim: 'File a claim',
  benefits: 'Benefits',
  payPremium: 'Pay my premium',
  question: 'Ask a question',
  person: 'Talk to a person',
} as const;

export type MenuItem = keyof typeof menuItems;

/** The menu item a message is, when the customer pressed a button or typed its title. */
export function menuItemOf(text: string): MenuItem | undefined {
  const typed = text.trim().toLowerCase();
  const entry = Object.entries(menuItems).find(([, title]) => title.toLowerCase() === typed);
  return entry?.[0] as MenuItem | undefined;
}

export function menu(text: string): Partial<Activity> {
  return MessageFactory.suggestedActions(Object.values(menuItems), text);
}

export const greetingText =
  "Hi, I'm the InsuraLink assistant. I can show your policies, file and follow claims, answer insurance questions and put you in touch with a person. What would you like to do?";

export const helpText = [
  'Here is what I can do:',
  '- Show your policies and their details (after a quick identity check)',
  '- File a claim with photos and documents, and follow your claims until they are paid',
  '- Show what you owe on your policies and how to pay it',
  '- Answer questions about insurance, such as deductibles or what a policy covers',
  '- Put you in touch with a person from our team',
  'At any point you can say "cancel" to start over, or "talk to a person".',
].join('\n');

/** Shown when the customer cancels or starts over. */
export const startOverText = "OK, let's start over. What would you like to do?";

/**
 * Hands the conversation to a person and tells the customer what happens next: within business hours
 * an officer joins this chat (and how soon), outside them a ticket is opened with the time of the
 * promised reply. The recent messages go along, so nobody has to ask again. Asking again in the same
 * conversation gives the same reference.
 */
export async function handOff(
  context: TurnContext,
  deps: Pick<DialogDependencies, 'services' | 'session'>,
  reason: SupportReason,
  topic?: string,
): Promise<void> {
  const customer = await deps.session.customer(context);
  const ticket = await deps.services.handoff.requestSupport({
    channel: channelSourceOf(context),
    conversationId: context.activity.conversation.id,
    reference: {
      ...TurnContext.getConversationReference(context.activity),
      channelId: context.activity.channelId,
      conversation: { ...context.activity.conversation },
    },
    reason,
    ...(customer ? { customerId: customer.customerId } : {}),
    ...(topic ? { context: topic } : {}),
    transcript: await deps.session.recent(context),
  });
  const timeZone = customer?.timezone ?? 'America/New_York';
  if (ticket.mode === 'live') {
    const minutes = Math.max(
      1,
      Math.round((ticket.respondBy.getTime() - ticket.createdAt.getTime()) / 60_000),
    );
    const when =
      minutes <= 60
        ? `within about ${minutes} minute${minutes === 1 ? '' : 's'}`
        : `by ${formatWhen(ticket.respondBy, timeZone)}`;
    await context.sendActivity(
      menu(
        `I've asked a person from our team to join this chat; someone should be with you ${when}. ` +
          `Your reference is ${ticket.reference}. Until then I can keep helping with anything else.`,
      ),
    );
    return;
  }
  await context.sendActivity(
    menu(
      `Our team is away right now, so I've opened a ticket: someone will reply here by ${formatWhen(ticket.respondBy, timeZone)}. ` +
        `Your reference is ${ticket.reference}. Is there anything else I can help with in the meantime?`,
    ),
  );
}

function formatWhen(at: Date, timeZone: string): string {
  return at.toLocaleString('en-US', {
    timeZone,
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  });
}

/** What the bot says in more than one dialog: the menu, help, and handing over to a person. */
import { MessageFactory, TurnContext, type Activity } from 'botbuilder';
import { channelSourceOf } from '../src/bot/channel-source.js';
import { responseBusinessDays, type SupportReason } from '../src/domain/handoff.js';
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
 * Records that the customer wants a person and tells them when to expect an answer. Asking again in
 * the same conversation gives the same reference.
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
  });
  const by = ticket.respondBy.toLocaleDateString('en-US', {
    timeZone: customer?.timezone ?? 'UTC',
    weekday: 'long',
    month: 'long',
    day: 'numeric',
  });
  const days = responseBusinessDays === 1 ? 'one business day' : `${responseBusinessDays} business days`;
  await context.sendActivity(
    menu(
      `I've passed this to our team. Someone will get back to you within ${days} (by ${by}); your reference is ${ticket.reference}. ` +
        'Is there anything else I can help with in the meantime?',
    ),
  );
}

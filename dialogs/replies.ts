/** What the bot says in more than one dialog: the menu, help, and handing over to a person. */
import { MessageFactory, TurnContext, type Activity } from 'botbuilder';
import { channelSourceOf } from '../src/bot/channel-source.js';
import type { SmallTalk } from '../src/bot/recognizers/small-talk.js';
import type { SupportReason } from '../src/domain/handoff.js';
import type { DialogDependencies } from './dependencies.js';

/** What "Manage my policy" offers; each title is also what the button sends, and names its intent. */
export const manageItems = {
  dependents: 'Add or remove a dependent',
  renew: 'Renew a policy',
  upgrade: 'Upgrade my plan',
  requests: 'My requests',
} as const;

/**
 * How a dialog that offered a choice ends when the reply was none of its choices but a new request: the
 * main dialog handles `reroute` as if the message had just arrived.
 */
export interface Reroute {
  reroute?: string;
}

/** The main menu, as suggested actions; each title is also what the button sends back. */
export const menuItems = {
  policies: 'Show my policies',
  claimStatus: 'Claim status',
  fileClaim: 'File a claim',
  benefits: 'Benefits',
  manage: 'Manage my policy',
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

// One SMS with the menu (320 characters), so it stays this short.
export const greetingText =
  "Hi, I'm the InsuraLink assistant: your policies, claims, benefits and payments, questions, or a person. What would you like to do?";

export const helpText = [
  'Here is what I can do:',
  '- Show your policies and their details (after a quick identity check)',
  '- File a claim with photos and documents, and follow your claims until they are paid',
  '- Show the benefits of your policies and request one, such as roadside assistance or a rental car',
  '- Add or remove a dependent, renew a policy or upgrade it, and follow these requests ("status of BEN-000042")',
  '- Show what you owe on your policies and how to pay it',
  '- Answer questions about insurance, such as deductibles or what a policy covers',
  '- Put you in touch with a person from our team',
  'At any point you can say "cancel" to start over, or "talk to a person".',
].join('\n');

/**
 * What the assistant is and when a person is the better choice: the answer to "are you a bot?", "is
 * there a person?" and "when should I talk to a human?". A question about people is answered; only
 * a request for one (the button, or "talk to a person") hands off.
 */
export function aboutAssistant(): Partial<Activity> {
  return MessageFactory.suggestedActions(
    [menuItems.person, menuItems.policies, menuItems.question],
    [
      "I'm the InsuraLink assistant: an automated chat, not a person. I can show your policies and documents, file and follow claims, and answer insurance questions, at any hour.",
      'People from our team are here too. Talk to one when you want to discuss or dispute a claim decision, make a complaint, change your policy or coverage, or when something is urgent or does not fit what I can do, or simply whenever you would rather talk to someone.',
      'Say "talk to a person" (or press the button): in business hours someone from the team joins this chat, and outside them you get a reference and the time of our reply.',
    ].join('\n\n'),
  );
}

/** A short, natural answer to small talk; no menu and no offer of a person. */
export function smallTalkReply(kind: SmallTalk, signedIn: boolean): Partial<Activity> {
  switch (kind) {
    case 'goodbye':
      return MessageFactory.text(
        signedIn
          ? 'Goodbye, and take care! If this is a shared computer, say "log out" so nobody else can see your details here.'
          : 'Goodbye, and take care!',
      );
    case 'thanks':
      return MessageFactory.text("You're welcome! Anything else I can help with?");
    case 'how_are_you':
      return menu("I'm doing well, thanks for asking. What can I do for you?");
    case 'acknowledgement':
      return MessageFactory.text('OK. Let me know if there is anything else I can help with.');
  }
}

/**
 * Ends the verification for the conversation ("log out", "sign out", "forget me") and says so: after
 * this, every request for personal data asks who the customer is again.
 */
export async function signOut(
  context: TurnContext,
  deps: Pick<DialogDependencies, 'session'>,
): Promise<void> {
  const customer = await deps.session.forget(context);
  await context.sendActivity(
    menu(
      customer
        ? `You're signed out, ${customer.firstName}. Anyone using this chat from now on has to confirm who they are again before seeing any account details, and notifications no longer come here.`
        : "You're not signed in here, so there is nothing to sign out of: no account details are shown in this chat without an identity check.",
    ),
  );
}

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
  deps: Pick<DialogDependencies, 'services' | 'session' | 'defaultTimeZone'>,
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
  await deps.session.noteHandoff(context);
  const timeZone = customer?.timezone ?? deps.defaultTimeZone;
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

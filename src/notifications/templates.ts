/**
 * What each kind of notification says, once per medium: a chat message with a card and buttons for
 * conversations that show them (web chat, Azure channels), plain text under 320 characters (two SMS
 * segments) for a phone. Payloads are validated: a row whose payload does not fit its template fails
 * rather than sending something garbled. Nothing personal beyond what the customer already sees in chat
 * after verification: numbers and statuses, never names, dates of birth or contact details.
 */
import { CardFactory, MessageFactory, type Activity } from 'botbuilder';
import { z } from 'zod';

/** A notification rendered for every medium. */
export interface RenderedNotification {
  /** A chat message: text (the fallback every client shows), a card, and buttons. */
  chat: Partial<Activity>;
  /** Plain text for a phone, at most {@link maxSmsLength} characters. */
  sms: string;
}

/** Two SMS segments. */
export const maxSmsLength = 320;

const numberSchema = z.string().regex(/^[A-Z]{3}-\d{6}$/);
const reasonSchema = z.string().trim().min(1).max(500).optional();

const claimStatusWords: Record<string, string> = {
  submitted: 'was received',
  in_review: 'is being reviewed by a claims officer',
  info_requested: 'needs more information from you',
  approved: 'was approved',
  denied: 'was denied',
  paid: 'was paid',
  closed: 'was closed',
};

const benefitStatusWords: Record<string, string> = {
  requested: 'was received',
  approved: 'was approved',
  denied: 'was declined',
  fulfilled: 'was fulfilled',
};

interface Lines {
  title: string;
  text: string;
  buttons: { title: string; value: string }[];
}

/** A template checks its payload, then words it. */
type Template = (payload: unknown) => Lines;

function template<P>(schema: z.ZodType<P>, words: (payload: P) => Lines): Template {
  return (payload) => {
    const parsed = schema.safeParse(payload);
    if (!parsed.success) throw new Error('the payload does not fit its template');
    return words(parsed.data);
  };
}

function statusTemplate(what: string, words: Record<string, string>, see: string): Template {
  return template(
    z.object({ number: numberSchema, status: z.enum(Object.keys(words)), reason: reasonSchema }),
    ({ number, status, reason }) => ({
      title: `${what} ${number}`,
      text: `Your ${what.toLowerCase()} ${number} ${words[status]}.${reason ? ` ${reason}` : ''}`,
      buttons: [{ title: see, value: `status of ${number}` }],
    }),
  );
}

const templates: Readonly<Record<string, Template>> = {
  'claim.status': statusTemplate('Claim', claimStatusWords, 'See claim'),
  'benefit.status': statusTemplate('Benefit request', benefitStatusWords, 'See request'),
  // An officer's reply about a claim (`/insuralink reply`): the officer's words, as they wrote them.
  'claim.message': template(
    z.object({ number: numberSchema, text: z.string().trim().min(1).max(1000) }),
    ({ number, text }) => ({
      title: `Claim ${number}: a message from your claims officer`,
      text: `About your claim ${number}: ${text}`,
      buttons: [{ title: 'See claim', value: `status of ${number}` }],
    }),
  ),
  'verification.locked': template(z.object({}), () => ({
    title: 'Sign-in paused',
    text:
      'Several attempts to verify your identity in our chat failed, so verification is paused for 15 ' +
      'minutes. If this was not you, no action is needed: nothing about you was shown.',
    buttons: [{ title: 'Talk to a person', value: 'talk to a person' }],
  })),
};

/** Renders a notification; throws when the template is unknown or the payload does not fit it. */
export function renderNotification(name: string, payload: unknown): RenderedNotification {
  const words = templates[name];
  if (!words) throw new Error(`no notification template ${name}`);
  const { title, text, buttons } = words(payload);
  const card = CardFactory.heroCard(
    title,
    text,
    undefined,
    CardFactory.actions(
      buttons.map((button) => ({ type: 'imBack', title: button.title, value: button.value })),
    ),
  );
  return { chat: MessageFactory.attachment(card, text), sms: truncate(`InsuraLink: ${text}`, maxSmsLength) };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

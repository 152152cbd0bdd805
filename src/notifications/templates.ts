/**
 * What each kind of notification says, once per medium: a chat message with a card and buttons for
 * conversations that show them (web chat, Azure channels), plain text under 320 characters (two SMS
 * segments) for a phone. Payloads are validated: a row whose payload does not fit its template fails
 * rather than sending something garbled. Nothing personal beyond what the customer already sees in chat
 * after verification: numbers and statuses, never names, dates of birth or contact details.
 */
import { CardFactory, MessageFactory, type Activity } from 'botbuilder';
import { z } from 'zod';
import { formatCurrency } from '../domain/money.js';

/** A notification rendered for every medium. */
export interface RenderedNotification {
  /** A chat message: text (the fallback every client shows), a card, and buttons. */
  chat: Partial<Activity>;
  /** Plain text for a phone, at most {@link maxSmsLength} characters. */
  sms: string;
}

/** Two SMS segments. */
export const maxSmsLength = 320;
/** What is kept of the words of a message whose links take the room (it then runs longer). */
const minSmsWords = 120;

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

const requestStatusWords: Record<string, string> = {
  requested: 'was received',
  info_requested: 'needs more information from you',
  approved: 'was approved',
  denied: 'was declined',
  fulfilled: 'was fulfilled',
};

/** What each kind of service request is called in a notification. */
const requestNouns: Record<string, string> = {
  benefit: 'Benefit request',
  dependent: 'Dependent change',
  renewal: 'Renewal request',
  upgrade: 'Upgrade request',
};

interface Lines {
  title: string;
  text: string;
  buttons: { title: string; value: string }[];
  /** A plain chat message rather than a card: what a person says in a live conversation. */
  plain?: boolean;
  /** Files sent with it, each a line of its own after the text, never shortened (on a phone too). */
  files?: { name: string; url: string }[];
}

/** Files an officer sent: their names and signed links. */
const filesSchema = z
  .array(z.object({ name: z.string().trim().min(1).max(255), url: z.url({ protocol: /^https?$/ }) }))
  .max(10)
  .default([]);

/** An officer's words, which may be left out when files come with them. */
const officerText = z.string().trim().max(1000).default('');

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

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const money = z.object({ amount: z.number().nonnegative(), currency: z.string().regex(/^[A-Z]{3}$/) });

function amountText({ amount, currency }: z.infer<typeof money>): string {
  return formatCurrency(amount, currency);
}

function dateText(iso: string): string {
  return new Date(`${iso}T12:00:00Z`).toLocaleDateString('en-US', {
    month: 'long',
    day: 'numeric',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

function inDays(days: number): string {
  return days === 1 ? 'tomorrow' : `in ${days} days`;
}

const payButton = () => ({ title: 'How to pay', value: 'how do I pay my premium' });
const renewButton = (number: string) => ({ title: 'Renew', value: `renew ${number}` });

/** Reminders (`reminder.<kind>`): numbers, amounts and dates only. */
const reminderTemplates: Record<string, Template> = {
  'reminder.premium_due': template(
    money.extend({ number: numberSchema, dueDate: isoDate, days: z.number().int().min(1).max(60) }),
    (p) => ({
      title: `Premium due ${inDays(p.days)}`,
      text: `Your premium of ${amountText(p)} for policy ${p.number} is due ${inDays(p.days)}, on ${dateText(p.dueDate)}.`,
      buttons: [payButton()],
    }),
  ),
  'reminder.premium_overdue': template(
    money.extend({ number: numberSchema, dueDate: isoDate, graceEndDate: isoDate }),
    (p) => ({
      title: 'Premium overdue',
      text:
        `Your premium of ${amountText(p)} for policy ${p.number} was due on ${dateText(p.dueDate)}. ` +
        `Pay by ${dateText(p.graceEndDate)}, the end of the grace period, to keep your cover.`,
      buttons: [payButton()],
    }),
  ),
  'reminder.renewal': template(
    z.object({ number: numberSchema, endDate: isoDate, days: z.number().int().min(1).max(60) }),
    (p) => ({
      title: `Policy ${p.number} ends ${inDays(p.days)}`,
      text: `Your policy ${p.number} ends on ${dateText(p.endDate)}. Reply RENEW ${p.number} to renew it.`,
      buttons: [renewButton(p.number)],
    }),
  ),
  'reminder.policy_expired': template(z.object({ number: numberSchema, endDate: isoDate }), (p) => ({
    title: `Policy ${p.number} expired`,
    text: `Your policy ${p.number} ended on ${dateText(p.endDate)} and was not renewed. Reply RENEW ${p.number} to renew it.`,
    buttons: [renewButton(p.number)],
  })),
  'reminder.missing_documents': template(
    z.object({
      number: z.string().regex(/^CLM-\d{6}$/),
      items: z.array(z.string().trim().min(1).max(60)).min(1).max(5),
    }),
    (p) => ({
      title: `Claim ${p.number} needs documents`,
      text: `Your claim ${p.number} is waiting for: ${p.items.join(', ')}. Send them in this chat to keep it moving.`,
      buttons: [{ title: 'See claim', value: `status of ${p.number}` }],
    }),
  ),
};

/**
 * A live conversation with a person (`handoff.*`, delivered in the conversation the customer asked in):
 * who joined, what the officer writes, how long the wait is, and that the bot is back.
 */
function handoffTemplates(): Record<string, Template> {
  const request = z.string().regex(/^[0-9a-f]{24}$/);
  const officer = z.string().trim().min(1).max(100);
  return {
    'handoff.joined': template(z.object({ request, officer }), (p) => ({
      title: 'A person joined',
      text: `${p.officer} from our team has joined the conversation. Everything you write now goes to them.`,
      buttons: [],
      plain: true,
    })),
    'handoff.message': template(
      z
        .object({ request, text: officerText, files: filesSchema })
        .refine((p) => p.text || p.files.length > 0, 'a message says something or sends a file'),
      (p) => ({
        title: 'A message from our team',
        text: p.text || filesSentText(p.files),
        buttons: [],
        plain: true,
        files: p.files,
      }),
    ),
    'handoff.waiting': template(z.object({ request, minutes: z.number().int().min(1).max(1440) }), (p) => ({
      title: 'Still waiting',
      text:
        `Sorry for the wait: everyone on our team is busy. A supervisor has been asked to help, and ` +
        `someone should join within about ${p.minutes} minutes. You can keep chatting with me meanwhile.`,
      buttons: [],
      plain: true,
    })),
    'handoff.ended': template(
      z.object({ request, officer, ending: z.enum(['handed_back', 'closed']) }),
      (p) => ({
        title: 'Back with the assistant',
        text:
          p.ending === 'handed_back'
            ? `${p.officer} has handed you back to the InsuraLink assistant. What else can I help with?`
            : `${p.officer} has closed this conversation with our team. I'm here if you need anything else.`,
        buttons: [],
        plain: true,
      }),
    ),
  };
}

const templates: Readonly<Record<string, Template>> = {
  ...reminderTemplates,
  'claim.status': statusTemplate('Claim', claimStatusWords, 'See claim'),
  // A service request's move by an officer; an officer's question is answered by replying "answer".
  'request.status': template(
    z.object({
      number: numberSchema,
      kind: z.enum(Object.keys(requestNouns)),
      status: z.enum(Object.keys(requestStatusWords)),
      reason: reasonSchema,
    }),
    ({ number, kind, status, reason }) => {
      const noun = requestNouns[kind]!;
      return {
        title: `${noun} ${number}`,
        text: `Your ${noun.toLowerCase()} ${number} ${requestStatusWords[status]}.${reason ? ` ${reason}` : ''}`,
        buttons: [{ title: 'See request', value: `status of ${number}` }],
      };
    },
  ),
  // An officer's reply about a claim (`/insuralink reply`): the officer's words, as they wrote them.
  // Files the officer sent with it follow as links.
  'claim.message': template(
    z
      .object({ number: numberSchema, text: officerText, files: filesSchema })
      .refine((p) => p.text || p.files.length > 0, 'a message says something or sends a file'),
    ({ number, text, files }) => ({
      title: `Claim ${number}: a message from your claims officer`,
      text: `About your claim ${number}: ${text || filesSentText(files)}`,
      buttons: [{ title: 'See claim', value: `status of ${number}` }],
      files,
    }),
  ),
  ...handoffTemplates(),
  // A premium payment the provider confirmed (a verified webhook), and where the next one falls.
  'payment.received': template(
    money.extend({ number: numberSchema, dueDate: isoDate, nextDueDate: isoDate.optional() }),
    (p) => ({
      title: `Payment received for ${p.number}`,
      text:
        `Thank you: your payment of ${amountText(p)} for policy ${p.number} (due ${dateText(p.dueDate)}) was received. ` +
        (p.nextDueDate
          ? `Your next premium is due on ${dateText(p.nextDueDate)}.`
          : 'Nothing more is due on this policy until it renews.'),
      buttons: [{ title: 'See policy', value: `show policy ${p.number}` }],
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
  const { title, text: said, buttons, plain, files = [] } = words(payload);
  // Links are never cut: the text gives way to them on a phone.
  const links = files.map((file) => `\n${file.name}: ${file.url}`).join('');
  const text = said + links;
  const sms = truncate(`InsuraLink: ${said}`, Math.max(minSmsWords, maxSmsLength - links.length)) + links;
  if (plain) return { chat: MessageFactory.text(text), sms };
  const card = CardFactory.heroCard(
    title,
    text,
    undefined,
    CardFactory.actions(
      buttons.map((button) => ({ type: 'imBack', title: button.title, value: button.value })),
    ),
  );
  return { chat: MessageFactory.attachment(card, text), sms };
}

/** What a message of files alone says before their links. */
function filesSentText(files: { name: string }[]): string {
  return files.length === 1 ? 'Here is a file for you.' : `Here are ${files.length} files for you.`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

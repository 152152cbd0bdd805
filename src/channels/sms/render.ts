/**
 * The bot's replies as text messages: suggested actions and card buttons become a numbered list
 * ("Reply 1 for …"), cards their text fallback, links stay links, and a long reply is split at sentence
 * boundaries into messages a phone shows whole. Pure functions; the adapter decides what is sent when.
 */
import type { Activity, Attachment, CardAction } from 'botbuilder';
import type { Choice } from './store.js';

/** The longest message sent (two SMS segments). */
export const maxMessageLength = 320;
/** Messages sent for one turn; the rest waits for "MORE". */
export const maxMessagesPerTurn = 4;
/** Appended to the last message of a turn when more is waiting. */
export const moreHint = 'Reply MORE for the rest.';

/** One activity as text, and the choices it offers. */
export interface RenderedReply {
  text: string;
  choices: Choice[];
}

const heroCardType = 'application/vnd.microsoft.card.hero';
const adaptiveCardType = 'application/vnd.microsoft.card.adaptive';

/** The text and choices of a message activity; undefined for activities a phone has no use for. */
export function renderActivity(activity: Partial<Activity>): RenderedReply | undefined {
  if (activity.type !== 'message') return undefined;
  const parts: string[] = [];
  const choices: Choice[] = [];
  if (activity.text?.trim()) parts.push(activity.text.trim());
  for (const attachment of activity.attachments ?? []) {
    const card = renderAttachment(attachment);
    // A message's text is usually the card's own fallback, or holds it, or it holds the text: say it once.
    choices.push(...card.choices);
    if (!card.text) continue;
    const said = parts.findIndex((part) => part.includes(card.text) || card.text.includes(part));
    if (said < 0) parts.push(card.text);
    else if (card.text.length > parts[said]!.length) parts[said] = card.text;
  }
  choices.push(...actionsToChoices(activity.suggestedActions?.actions ?? [], parts));
  if (parts.length === 0 && choices.length === 0) return undefined;
  return { text: parts.join('\n'), choices };
}

function renderAttachment(attachment: Attachment): RenderedReply {
  const content = (attachment.content ?? {}) as Record<string, unknown>;
  if (attachment.contentType === heroCardType) {
    const parts = [content.title, content.subtitle, content.text].filter(
      (part): part is string => typeof part === 'string' && part.trim() !== '',
    );
    const links: string[] = [];
    const choices = actionsToChoices((content.buttons as CardAction[] | undefined) ?? [], links);
    return { text: [...parts, ...links].join('\n'), choices };
  }
  if (attachment.contentType === adaptiveCardType) {
    const links: string[] = [];
    const actions = ((content.actions as AdaptiveAction[] | undefined) ?? []).map(adaptiveAction);
    const choices = actionsToChoices(actions, links);
    const fallback =
      typeof content.fallbackText === 'string' ? content.fallbackText : adaptiveText(content.body);
    return { text: [fallback, ...links].filter(Boolean).join('\n'), choices };
  }
  // A file the bot sends (a policy document) is a link.
  if (attachment.contentUrl)
    return { text: `${attachment.name ?? 'Document'}: ${attachment.contentUrl}`, choices: [] };
  return { text: '', choices: [] };
}

interface AdaptiveAction {
  type?: string;
  title?: string;
  url?: string;
  data?: unknown;
}

function adaptiveAction(action: AdaptiveAction): CardAction {
  if (action.type === 'Action.OpenUrl')
    return { type: 'openUrl', title: action.title ?? '', value: action.url ?? '' };
  const data = action.data as { msteams?: { value?: unknown }; value?: unknown } | string | undefined;
  const value = typeof data === 'string' ? data : typeof data?.value === 'string' ? data.value : action.title;
  return { type: 'imBack', title: action.title ?? '', value: value ?? '' };
}

/** The text of an Adaptive Card without a fallback: its text blocks and facts, in order. */
function adaptiveText(body: unknown): string {
  const lines: string[] = [];
  const walk = (elements: unknown) => {
    if (!Array.isArray(elements)) return;
    for (const element of elements as Record<string, unknown>[]) {
      if (element.type === 'TextBlock' && typeof element.text === 'string') lines.push(element.text);
      if (element.type === 'FactSet' && Array.isArray(element.facts)) {
        for (const fact of element.facts as { title?: string; value?: string }[])
          lines.push(`${fact.title}: ${fact.value}`);
      }
      walk(element.items);
      walk(element.columns);
    }
  };
  walk(body);
  return lines.join('\n');
}

/** Buttons that send text become choices; links are written out (into `links`). */
function actionsToChoices(actions: (CardAction | string)[], links: string[]): Choice[] {
  const choices: Choice[] = [];
  for (const action of actions) {
    if (typeof action === 'string') {
      choices.push({ title: action, value: action });
    } else if (action.type === 'openUrl' || action.type === 'downloadFile') {
      links.push(`${action.title}: ${String(action.value)}`);
    } else {
      const value = typeof action.value === 'string' ? action.value : action.title;
      choices.push({ title: action.title ?? value, value: value ?? '' });
    }
  }
  return choices.filter((choice) => choice.value !== '');
}

/** "Reply 1 for Show my policies, 2 for Claim status." */
export function choicesLine(choices: Choice[]): string {
  if (choices.length === 0) return '';
  return `Reply ${choices.map((choice, index) => `${index + 1} for ${choice.title}`).join(', ')}.`;
}

/**
 * Splits `text` into messages of at most `max` characters: at paragraph or sentence ends where
 * possible, at a space otherwise, mid-word only for a word longer than a message.
 */
export function splitMessages(text: string, max: number = maxMessageLength): string[] {
  // Each piece remembers whether it began a line, so a message keeps the reply's line breaks.
  const pieces = text.split(/\n+/).flatMap((line) =>
    // A sentence ends at a stop followed by a space: a link's dots ("example.com/a.b") end nothing.
    line
      .split(/(?<=[.!?]["')\]]*)\s+/)
      .map((sentence) => sentence.trim())
      .filter(Boolean)
      .flatMap((sentence, index) =>
        words(sentence, max).map((piece, part) => ({ piece, newLine: index === 0 && part === 0 })),
      ),
  );
  const messages: string[] = [];
  let current = '';
  for (const { piece, newLine } of pieces) {
    const joined = current ? `${current}${newLine ? '\n' : ' '}${piece}` : piece;
    if (joined.length <= max) {
      current = joined;
    } else {
      messages.push(current);
      current = piece;
    }
  }
  if (current) messages.push(current);
  return messages;
}

/** A sentence as pieces of at most `max` characters: whole words, a word cut only when longer than that. */
function words(sentence: string, max: number): string[] {
  if (sentence.length <= max) return [sentence];
  const pieces: string[] = [];
  let current = '';
  for (const word of sentence.split(/\s+/)) {
    for (let start = 0; start < word.length; start += max) {
      const part = word.slice(start, start + max);
      if (current && current.length + 1 + part.length <= max) current += ` ${part}`;
      else {
        if (current) pieces.push(current);
        current = part;
      }
    }
  }
  if (current) pieces.push(current);
  return pieces;
}

/**
 * A turn's replies as the messages to send now (at most {@link maxMessagesPerTurn}, the last with the
 * MORE hint when some are left) and the ones left for "MORE". The choices line ends the reply.
 */
export function planMessages(texts: string[], choices: Choice[]): { now: string[]; more: string[] } {
  const whole = [...texts, choicesLine(choices)].filter(Boolean).join('\n');
  const messages = splitMessages(whole);
  if (messages.length <= maxMessagesPerTurn) return { now: messages, more: [] };
  return pageOf(messages);
}

/** The next page of waiting messages, with the hint when more remain after it. */
export function pageOf(messages: string[]): { now: string[]; more: string[] } {
  if (messages.length <= maxMessagesPerTurn) return { now: messages, more: [] };
  const now = messages.slice(0, maxMessagesPerTurn);
  const rest = messages.slice(maxMessagesPerTurn);
  const last = now[now.length - 1]!;
  if (last.length + 1 + moreHint.length <= maxMessageLength) {
    now[now.length - 1] = `${last}\n${moreHint}`;
    return { now, more: rest };
  }
  // The hint does not fit: the last message waits for MORE too.
  now[now.length - 1] = moreHint;
  return { now, more: [last, ...rest] };
}

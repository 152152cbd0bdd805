/**
 * The support channel's card of a handoff to a person: the request, how it is served (live chat or
 * ticket) and its SLA due time, the conversation so far, who has it, the supervisors once it is
 * overdue, and the buttons its state allows (Take over and Close while it waits; Hand back and Close
 * while an officer has it). Pure, and within Slack's limits.
 */
import type { KnownBlock } from '@slack/web-api';
import type { HandoffCard } from '../../../domain/handoff.js';
import { actionIds, type HandoffRef } from './ids.js';
import { clip, escape, maxHeaderText, maxSectionText, packLines, slackTime } from './text.js';

const reasonWords: Record<HandoffCard['reason'], string> = {
  customer_request: 'asked for a person',
  verification_locked: 'identity check paused after failed attempts',
  verification_failed: 'could not verify their identity',
  question_out_of_scope: 'question outside what the assistant answers',
  answer_unhelpful: 'the assistant’s answer did not help',
  not_available_in_chat: 'asked for something not available in chat',
};

const channelWords: Record<string, string> = {
  directline: 'web chat',
  sms: 'SMS',
};

/** At most this many lines of the conversation so far, in at most two sections. */
const shownLines = 12;

export function handoffCardBlocks(card: HandoffCard): { text: string; blocks: KnownBlock[] } {
  const kind = card.mode === 'live' ? 'Live chat' : 'Ticket';
  const status = statusText(card);
  const text = `${kind} ${card.reference}: ${status}`;
  const fields = [
    `*Customer*\n${card.customerName ? escape(card.customerName) : 'not verified'}`,
    `*Channel*\n${escape(channelWords[card.channel] ?? card.channel)}`,
    `*Why*\n${escape(reasonWords[card.reason])}${card.context ? ` (${escape(card.context)})` : ''}`,
    `*${card.mode === 'live' ? 'Take over by' : 'Reply by'}*\n${slackTime(card.respondBy)}`,
  ];
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: clip(`${kind} ${card.reference} · ${status}`, maxHeaderText) },
    },
    { type: 'section', fields: fields.map((field) => ({ type: 'mrkdwn' as const, text: field })) },
  ];
  if (card.escalatedAt && card.status === 'open') {
    const mentions = card.supervisors.map((entry) => `<@${entry.slackUserId}>`).join(' ');
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clip(
          `:rotating_light: *Past its SLA* (due ${slackTime(card.respondBy)}), nobody has taken it. ${mentions || 'No supervisor is on record.'}`,
          maxSectionText,
        ),
      },
    });
  }
  const lines = card.transcript
    .slice(-shownLines)
    .map((line) => `*${line.from === 'customer' ? 'Customer' : 'Assistant'}:* ${escape(line.text)}`);
  const sections = packLines(lines.length ? lines : ['_No messages before the request._']).slice(-2);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: '*The conversation so far*' }] });
  for (const section of sections) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: section } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(footer(card), maxSectionText) }] });
  const buttons = buttonsFor(card);
  if (buttons.length)
    blocks.push({ type: 'actions', block_id: `handoff:${card.reference}`, elements: buttons });
  return { text, blocks };
}

function statusText(card: HandoffCard): string {
  if (card.status === 'in_progress') return `with ${card.officer?.name ?? 'an officer'}`;
  if (card.status === 'closed') {
    return card.ending === 'handed_back' ? 'handed back to the assistant' : 'closed';
  }
  return card.escalatedAt ? 'waiting, overdue' : 'waiting for an officer';
}

function footer(card: HandoffCard): string {
  const parts = [`Asked ${slackTime(card.createdAt)}`];
  if (card.officer && card.takenAt)
    parts.push(`taken over by ${escape(card.officer.name)} ${slackTime(card.takenAt)}`);
  if (card.endedAt)
    parts.push(`${card.ending === 'handed_back' ? 'handed back' : 'closed'} ${slackTime(card.endedAt)}`);
  if (card.status === 'in_progress') {
    parts.push('replies in this thread go to the customer; start with `!note` to keep one internal');
  }
  return parts.join(' · ');
}

function buttonsFor(card: HandoffCard) {
  const value = (): string => JSON.stringify({ r: card.reference, s: card.state } satisfies HandoffRef);
  const button = (text: string, actionId: string, style?: 'primary' | 'danger') => ({
    type: 'button' as const,
    text: { type: 'plain_text' as const, text },
    action_id: actionId,
    value: value(),
    ...(style ? { style } : {}),
  });
  if (card.status === 'open') {
    return [
      button('Take over', actionIds.takeOver, 'primary'),
      button('Close', actionIds.closeHandoff, 'danger'),
    ];
  }
  if (card.status === 'in_progress') {
    return [
      button('Hand back', actionIds.handBack, 'primary'),
      button('Close', actionIds.closeHandoff, 'danger'),
    ];
  }
  return [];
}

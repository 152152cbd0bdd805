/**
 * The officers' card of a service request, in the claim card's manner: who, which policy, what is
 * asked, the rules it was checked against (the ones that did not pass first), and Approve, Deny and
 * Request info while it waits. A dependent shows by name, relationship and age: never a date of birth.
 * Pure: the same card in gives the same blocks out, within Slack's limits.
 */
import type { KnownBlock, SectionBlock } from '@slack/web-api';
import type { RequestCard } from '../../../domain/requests.js';
import { requestActionIds, type RequestRef } from './request-ids.js';
import {
  clip,
  escape,
  formatDate,
  maxFieldText,
  maxHeaderText,
  maxSectionText,
  packLines,
  slackTime,
} from './text.js';

const nouns: Record<RequestCard['request']['kind'], string> = {
  benefit: 'Benefit request',
  dependent: 'Dependent change',
  renewal: 'Renewal',
  upgrade: 'Upgrade',
};

const statusLabels: Record<RequestCard['request']['status'], string> = {
  requested: 'Waiting for a decision',
  info_requested: 'Waiting for the customer',
  approved: 'Approved',
  denied: 'Denied',
  fulfilled: 'Fulfilled',
};

/** The card's blocks and the notification text Slack shows where blocks are not rendered. */
export function requestCardBlocks(card: RequestCard): { text: string; blocks: KnownBlock[] } {
  const { request, policy } = card;
  const noun = nouns[request.kind];
  const status = statusLabels[request.status];
  const text = `${noun} ${request.number} (${request.title}): ${status}`;
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: clip(`${noun} ${request.number} · ${status}`, maxHeaderText) },
    },
    {
      type: 'section',
      fields: [
        `*Customer*\n${escape(card.customerName)}`,
        `*Policy*\n${policy.number}${policy.insurer ? ` · ${escape(policy.insurer)}` : ''}${policy.typeName ? ` · ${escape(policy.typeName)}` : ''} (${policy.status})`,
        `*Request*\n${escape(request.title)}`,
        `*Filed*\n${formatDate(request.createdAt)}`,
      ].map((field) => ({ type: 'mrkdwn' as const, text: clip(field, maxFieldText) })),
    },
  ];
  const facts = factsOf(card);
  if (facts.length) blocks.push(...packLines(facts).map(section));

  const rules = [...request.rules].sort((a, b) => Number(a.passed) - Number(b.passed));
  if (rules.length) {
    blocks.push(
      ...packLines([
        '*Rules*',
        ...rules.map((check) => `${check.passed ? '✅' : '❌'} ${escape(check.text)}`),
      ]).map(section),
    );
  }
  const answer = request.decisions
    .filter((change) => change.from === 'info_requested' && change.to === 'requested')
    .at(-1);
  if (answer?.reason) blocks.push(section(`*Customer's answer*\n${escape(answer.reason)}`));

  blocks.push({ type: 'divider' });
  if (card.lastMove) {
    blocks.push(
      context(
        `${statusLabels[card.lastMove.status]} by ${escape(card.lastMove.by)} at ${slackTime(card.lastMove.at)}${card.lastMove.reason ? `: ${escape(card.lastMove.reason)}` : ''}`,
      ),
    );
  } else if (request.status === 'approved') {
    blocks.push(context('Approved by rule.'));
  }
  if (request.status === 'requested') {
    const value = JSON.stringify({ n: request.number, s: card.state } satisfies RequestRef);
    blocks.push({
      type: 'actions',
      block_id: 'request_actions',
      elements: [
        {
          type: 'button',
          action_id: requestActionIds.approve,
          style: 'primary',
          text: plain('Approve'),
          value,
        },
        { type: 'button', action_id: requestActionIds.deny, style: 'danger', text: plain('Deny'), value },
        { type: 'button', action_id: requestActionIds.requestInfo, text: plain('Request info'), value },
      ],
    });
  } else if (request.status === 'info_requested') {
    blocks.push(context('Waiting for the customer to answer.'));
  }
  return { text, blocks };
}

/** What is asked, by kind, in lines. */
function factsOf({ request }: RequestCard): string[] {
  const lines: string[] = [];
  switch (request.kind) {
    case 'benefit': {
      const use = request.benefit ?? {};
      if (request.details) lines.push(`*What happened*: ${escape(request.details)}`);
      if (use.location) lines.push(`*Where*: ${escape(use.location)}`);
      if (use.claimNumber) lines.push(`*Claim*: ${use.claimNumber}`);
      if (use.from && use.to)
        lines.push(`*Dates*: ${formatDate(use.from)} to ${formatDate(use.to)} (${use.days ?? '?'} days)`);
      break;
    }
    case 'dependent': {
      const dependent = request.dependent;
      if (dependent) {
        lines.push(
          `*${dependent.action === 'add' ? 'Add' : 'Remove'}*: ${escape(dependent.name)}, ${dependent.relationship}, age ${dependent.age}`,
        );
      }
      break;
    }
    case 'renewal':
      if (request.renewal) {
        lines.push(`*Current term ends*: ${formatDate(request.renewal.endDate)}`);
        lines.push(
          request.renewal.sameTerms
            ? '*Terms*: the same'
            : `*Changes asked for*: ${escape(request.renewal.changes ?? '')}\nApprove with the new premium, if it changes.`,
        );
      }
      break;
    case 'upgrade':
      if (request.upgrade) {
        lines.push(`*From*: ${escape(request.upgrade.from.name)}\n*To*: ${escape(request.upgrade.to.name)}`);
        lines.push('Approve with the new premium: the customer has not been quoted one.');
      }
      break;
  }
  return lines;
}

function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text, maxSectionText) } };
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: clip(text, maxSectionText) }] };
}

function plain(text: string) {
  return { type: 'plain_text' as const, text };
}

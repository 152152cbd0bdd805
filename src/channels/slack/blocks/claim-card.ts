/**
 * The officers' card of a claim: who, what, how much, what the policy covers, which documents are in,
 * links to the attachments, the risk signals, and the buttons for the decisions the claim awaits.
 * Pure: the same card in gives the same blocks out, within Slack's limits (50 blocks, 3,000 characters
 * a section, 10 fields a section).
 */
import type { KnownBlock, SectionBlock } from '@slack/web-api';
import type { ClaimCard } from '../../../domain/approvals.js';
import { actionIds, type CardRef } from './ids.js';
import {
  clip,
  escape,
  formatDate,
  formatMoney,
  link,
  maxBlocks,
  maxFieldText,
  maxHeaderText,
  maxSectionText,
  packLines,
  slackTime,
} from './text.js';

const statusLabels: Record<ClaimCard['claim']['status'], string> = {
  submitted: 'Submitted',
  in_review: 'In review',
  info_requested: 'Waiting for the customer',
  approved: 'Approved',
  denied: 'Denied',
  paid: 'Paid',
  closed: 'Closed',
};

/** Options of {@link claimCardBlocks}. */
export interface ClaimCardOptions {
  /** A signed, expiring download link of an attachment. */
  fileUrl(fileId: string): string;
}

/** The card's blocks and the notification text Slack shows where blocks are not rendered. */
export function claimCardBlocks(
  card: ClaimCard,
  options: ClaimCardOptions,
): { text: string; blocks: KnownBlock[] } {
  const { claim } = card;
  const money = (amount: number) => formatMoney(amount, claim.currency);
  const status = statusLabels[claim.status];
  const text = `Claim ${claim.number} (${claim.type.replace(/_/g, ' ')}, ${money(claim.amountClaimed)}): ${status}`;
  const head: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: clip(`Claim ${claim.number} · ${status}`, maxHeaderText) },
    },
  ];

  const policy = card.policy;
  const fields = [
    `*Customer*\n${escape(card.customerName)}`,
    `*Policy*\n${policy ? `${policy.number} · ${escape(policy.insurer.name)} · ${escape(policy.policyType.name)}` : escape(claim.policyNumber)}`,
    `*Type*\n${escape(claim.type.replace(/_/g, ' '))}`,
    `*Incident*\n${formatDate(claim.incidentDate)}${claim.location ? ` · ${escape(claim.location)}` : ''}`,
    `*Amount claimed*\n${money(claim.amountClaimed)}`,
    `*Assigned to*\n${claim.assignee ? escape(claim.assignee.name) : 'Nobody yet'}`,
  ].map((field) => ({ type: 'mrkdwn' as const, text: clip(field, maxFieldText) }));
  head.push({ type: 'section', fields });
  head.push(section(`*What happened*\n${escape(claim.description)}`));

  const coverage = policy?.coverages.length
    ? policy.coverages.map(
        (item) => `• ${escape(item.name)}: limit ${money(item.limit)}, deductible ${money(item.deductible)}`,
      )
    : ['• No coverage on file for this policy.'];
  const body: KnownBlock[] = [...sections('*Coverage*', coverage)];

  const documents = claim.checklist.length
    ? claim.checklist.map((item) => `${item.satisfied ? '✅' : '⬜'} ${escape(item.label)}`)
    : [claim.attachments.length ? `${claim.attachments.length} file(s) attached` : 'No documents required'];
  body.push(...sections('*Documents*', documents));

  if (claim.attachments.length) {
    body.push(
      ...sections(
        '*Attachments* (links expire in an hour)',
        claim.attachments.map((file) => `• ${link(options.fileUrl(file.fileId), file.name)}`),
      ),
    );
  }
  body.push(
    ...sections(
      '*Risk signals*',
      claim.riskSignals.length
        ? claim.riskSignals.map((signal) => `• ${escape(signal.message)}`)
        : ['None found.'],
    ),
  );

  const tail: KnownBlock[] = [];
  for (const approval of card.approvals) {
    const verb = approval.decision === 'approve' ? 'approved' : 'denied';
    tail.push(
      context(
        `:hourglass: ${escape(approval.officer.name)} ${verb}${approval.amount === undefined ? '' : ` ${money(approval.amount)}`} at ${slackTime(approval.at)}; above their limit, so a supervisor must confirm.${approval.reason ? ` ${escape(approval.reason)}` : ''}`,
      ),
    );
  }
  if (card.lastMove) {
    tail.push(
      context(
        `${statusLabels[card.lastMove.status]} by ${escape(card.lastMove.by)} at ${slackTime(card.lastMove.at)}${card.lastMove.reason ? `: ${escape(card.lastMove.reason)}` : ''}`,
      ),
    );
  }
  const buttons = actions(card);
  if (buttons) tail.push(buttons);
  else if (claim.status === 'info_requested') tail.push(context('Waiting for the customer to answer.'));

  // Slack takes at most 50 blocks: the middle sections give way, with a note of what was left out.
  const room = maxBlocks - head.length - tail.length - 1;
  const shown =
    body.length > room
      ? [...body.slice(0, room), context(`${body.length - room} more section(s) not shown.`)]
      : body;
  return { text, blocks: [...head, ...shown, { type: 'divider' }, ...tail] };
}

function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text, maxSectionText) } };
}

/** A titled list as sections of at most 3,000 characters each. */
function sections(title: string, lines: string[]): SectionBlock[] {
  return packLines([title, ...lines]).map(section);
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: clip(text, maxSectionText) }] };
}

/** The buttons of what the claim awaits, or none once it is decided. */
function actions(card: ClaimCard): KnownBlock | undefined {
  if (card.claim.status !== 'in_review') return undefined;
  const value = JSON.stringify({ n: card.claim.number, s: card.state } satisfies CardRef);
  const confirming = card.approvals.length > 0;
  return {
    type: 'actions',
    block_id: 'claim_actions',
    elements: [
      ...(card.claim.assignee
        ? []
        : [{ type: 'button' as const, action_id: actionIds.assign, text: plain('Assign to me'), value }]),
      {
        type: 'button',
        action_id: actionIds.approve,
        style: 'primary',
        text: plain(confirming ? 'Approve (supervisor)' : 'Approve'),
        value,
      },
      {
        type: 'button',
        action_id: actionIds.deny,
        style: 'danger',
        text: plain(confirming ? 'Deny (supervisor)' : 'Deny'),
        value,
      },
      { type: 'button', action_id: actionIds.requestInfo, text: plain('Request info'), value },
    ],
  };
}

function plain(text: string) {
  return { type: 'plain_text' as const, text };
}

/** The officer's App Home: the claims waiting for them. */
import type { View } from '@slack/web-api';
import type { OfficerView, QueueItem } from '../../../domain/approvals.js';
import { escape, formatMoney, maxBlocks } from './text.js';

export function homeView(officer: OfficerView, queue: QueueItem[]): View {
  const rows = queue.slice(0, maxBlocks - 3);
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `${officer.name}: your queue` } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `${officer.role.replace('_', ' ')} · approves alone up to ${formatMoney(officer.approvalLimit, 'USD')}`,
          },
        ],
      },
      ...(rows.length
        ? rows.map((item) => ({
            type: 'section' as const,
            text: {
              type: 'mrkdwn' as const,
              text: `*${item.number}* · ${escape(item.type.replace(/_/g, ' '))} · ${formatMoney(item.amountClaimed, item.currency)} · ${item.status === 'in_review' ? 'in review' : 'waiting for the customer'}${item.assignee ? ` · ${escape(item.assignee)}` : ' · unassigned'}`,
            },
          }))
        : [
            { type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'Nothing waiting for you.' } },
          ]),
    ],
  };
}

/**
 * The officer's App Home: the claims waiting for them, the decisions waiting for their authority
 * (four-eyes), and the open handoffs and tickets with the time left on each SLA. Pure; within Slack's
 * 50 blocks (each list gives way to the next when long).
 */
import type { KnownBlock, View } from '@slack/web-api';
import type { OfficerView, QueueItem } from '../../../domain/approvals.js';
import type { OpenRequest } from '../../../domain/handoff.js';
import { escape, formatMoney, maxBlocks } from './text.js';

/** Rows per list, so all three fit in one view. */
const perList = 14;

export function homeView(
  officer: OfficerView,
  queue: QueueItem[],
  requests: OpenRequest[] = [],
  now: Date = new Date(),
  awaiting: QueueItem[] = [],
): View {
  const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
  const list = (title: string, rows: string[], empty: string): KnownBlock[] => [
    { type: 'header', text: { type: 'plain_text', text: title } },
    ...(rows.length ? rows.slice(0, perList).map(section) : [section(empty)]),
  ];
  const claim = (item: QueueItem) =>
    `*${item.number}* · ${escape(item.type.replace(/_/g, ' '))} · ${formatMoney(item.amountClaimed, item.currency)} · ${item.status === 'in_review' ? 'in review' : 'waiting for the customer'}${item.assignee ? ` · ${escape(item.assignee)}` : ' · unassigned'}`;
  const request = (item: OpenRequest) =>
    `*${item.reference}* · ${item.mode === 'live' ? 'live chat' : 'ticket'} · ${
      item.status === 'in_progress' ? `with ${escape(item.officerName ?? 'you')}` : 'waiting'
    } · ${timeLeft(item.respondBy, now)}${item.escalated ? ' · escalated' : ''}`;
  const blocks: KnownBlock[] = [
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
    ...list('Claims', queue.map(claim), 'Nothing waiting for you.'),
    ...(awaiting.length
      ? list(
          'Waiting for your authority',
          awaiting.map(
            (item) =>
              `*${item.number}* · ${formatMoney(item.amountClaimed, item.currency)} · a decision to confirm`,
          ),
          '',
        )
      : []),
    ...list('Handoffs and tickets', requests.map(request), 'No open handoffs or tickets.'),
  ];
  return { type: 'home', blocks: blocks.slice(0, maxBlocks) };
}

/** `12 min left`, `2 h 5 min left` or `overdue by 3 min`. */
export function timeLeft(due: Date, now: Date): string {
  const minutes = Math.round((due.getTime() - now.getTime()) / 60_000);
  const words = (total: number) => {
    const hours = Math.floor(total / 60);
    const rest = total % 60;
    return hours ? `${hours} h${rest ? ` ${rest} min` : ''}` : `${rest} min`;
  };
  return minutes >= 0 ? `${words(minutes)} left` : `overdue by ${words(-minutes)}`;
}

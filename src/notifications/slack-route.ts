/**
 * What a claim's events mean for the officers' Slack: the card is posted when the claim reaches review
 * (or an officer asks for it) and refreshed after every change; messages go into its thread. These are
 * outbox rows on the `slack` route, keyed by the event, so a crash between a change and its card loses
 * nothing and a repeated drain posts nothing twice.
 */
import type { Notice, PendingEvent, PendingRow } from '../domain/lifecycle.js';

/** Refreshes (or first posts) the claim's card. */
export const claimCardTemplate = 'slack.claim_card';
/** Posts one of the claim's messages into the card's thread. */
export const claimThreadTemplate = 'slack.claim_thread';

const cardActions: ReadonlySet<string> = new Set([
  'claim.transition',
  'claim.assign',
  'claim.approval',
  'claim.card',
  'claim.attach',
]);

/** Posts (first) or refreshes the handoff card of a support request. */
export const handoffCardTemplate = 'slack.handoff_card';
/** Posts the customer's message of a live handoff into the card's thread. */
export const handoffThreadTemplate = 'slack.handoff_thread';

const handoffCardActions: ReadonlySet<string> = new Set([
  'support_request.open',
  'support_request.customer',
  'support_request.take',
  'support_request.end',
  'support_request.escalate',
]);

/** The Slack rows an event of a claim or a support request causes (the relay's `consequences`). */
export function slackConsequences(collection: string, row: PendingRow, event: PendingEvent): Notice[] {
  if (collection === 'supportrequests') return handoffSlackConsequences(row, event);
  return claimSlackConsequences(collection, row, event);
}

function handoffSlackConsequences(row: PendingRow, event: PendingEvent): Notice[] {
  // A request of a customer who never verified concerns the request itself.
  const recipient = row.customer ?? row._id;
  const request = row._id.toString();
  if (handoffCardActions.has(event.action)) {
    return [
      {
        recipient,
        route: 'slack',
        template: handoffCardTemplate,
        payload: { request, post: event.action === 'support_request.open' },
      },
    ];
  }
  if (event.action === 'support_request.message' && event.details.from === 'customer') {
    return [
      {
        recipient,
        route: 'slack',
        template: handoffThreadTemplate,
        payload: { request, at: String(event.details.at ?? event.at.toISOString()) },
      },
    ];
  }
  return [];
}

/** The Slack rows a claim event causes. */
export function claimSlackConsequences(collection: string, row: PendingRow, event: PendingEvent): Notice[] {
  if (collection !== 'claims' || !row.customer) return [];
  const number = String(event.details.number ?? '');
  if (!number) return [];
  if (cardActions.has(event.action)) {
    const post = event.action === 'claim.card' || event.details.to === 'in_review';
    return [
      { recipient: row.customer, route: 'slack', template: claimCardTemplate, payload: { number, post } },
    ];
  }
  // A reply an officer wrote in the thread itself is there already.
  if (event.action === 'claim.message' && event.details.inThread !== true) {
    return [
      {
        recipient: row.customer,
        route: 'slack',
        template: claimThreadTemplate,
        payload: { number, at: event.at.toISOString() },
      },
    ];
  }
  return [];
}

/**
 * What a claim's events mean for the officers' Slack: the card is posted when the claim reaches review
 * (or an officer asks for it) and refreshed after every change; messages go into its thread. These are
 * outbox rows on the `slack` route, keyed by the event, so a crash between a change and its card loses
 * nothing and a repeated drain posts nothing twice.
 */
import type { Notice, PendingEvent } from '../domain/lifecycle.js';
import type { PendingRow } from './relay.js';

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

/** The Slack rows a claim event causes (the relay's `consequences`). */
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
  if (event.action === 'claim.message') {
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

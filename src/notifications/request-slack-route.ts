/**
 * What a service request's events mean for the officers' Slack: the card is posted when a request is
 * filed for an officer (or an officer asks for it) and refreshed after every move. Outbox rows on the
 * `slack` route, keyed by the event, as the claims' are (see `slack-route.ts`).
 */
import type { Notice, PendingEvent, PendingRow } from '../domain/lifecycle.js';

/** Refreshes (or first posts) the request's card. */
export const requestCardTemplate = 'slack.request_card';

/** The Slack rows a request event causes (one of the relay's `consequences`). */
export function requestSlackConsequences(collection: string, row: PendingRow, event: PendingEvent): Notice[] {
  if (collection !== 'benefitrequests' || !row.customer) return [];
  const number = String(event.details.number ?? '');
  if (!number) return [];
  const post =
    event.action === 'request.card' || (event.action === 'request.file' && event.details.toOfficer === true);
  if (post || event.action === 'request.transition') {
    return [
      { recipient: row.customer, route: 'slack', template: requestCardTemplate, payload: { number, post } },
    ];
  }
  return [];
}

/** What the request dialogs say about a request: the outcome once filed, and its status later. */
import { formatDate } from '../src/bot/cards.js';
import type { RequestView } from '../src/domain/requests.js';

/** Business days within which an officer decides a request. */
export const requestReviewBusinessDays = 2;

const statusWords: Record<RequestView['status'], string> = {
  requested: 'waiting for a decision',
  info_requested: 'waiting for your answer to a question',
  approved: 'approved',
  denied: 'declined',
  fulfilled: 'fulfilled',
};

/** What the customer reads once a request is filed: its number and the decision, or who decides and why. */
export function filedRequestText(request: RequestView): string {
  if (request.status === 'approved') {
    return `Your request ${request.number} (${request.title}) is approved. Keep the number for reference.`;
  }
  const failed = request.rules.filter((check) => !check.passed).map((check) => check.text);
  const why = failed.length ? ` It goes to our team because: ${failed.join('; ')}.` : '';
  return (
    `Your request ${request.number} (${request.title}) is filed.${why} ` +
    `An officer usually decides within ${requestReviewBusinessDays} business days, and I'll let you know here. ` +
    `You can ask me "status of ${request.number}" any time.`
  );
}

/** One request in a list: number, what, status and the latest reason. */
export function requestLine(request: RequestView): string {
  const reason = latestReason(request);
  return `- ${request.number}: ${request.title}, ${statusWords[request.status]}${reason ? ` (${reason})` : ''}`;
}

/** One request in full: what it is, where it stands, and every decision with its reason. */
export function requestStatusText(request: RequestView): string {
  const lines = [
    `${request.number}: ${request.title} on ${request.policyNumber}`,
    `Status: ${statusWords[request.status]}.`,
  ];
  const decisions = request.decisions.filter((change) => change.from !== undefined);
  if (decisions.length) {
    lines.push(
      'History:',
      ...decisions.map(
        (change) =>
          `- ${formatDate(change.at)}: ${statusWords[change.to]} by ${change.actor.type === 'system' ? 'rule' : change.actor.type === 'customer' ? 'you' : 'our team'}${change.reason ? `: ${change.reason}` : ''}`,
      ),
    );
  } else {
    lines.push(`Filed on ${formatDate(request.createdAt)}.`);
  }
  if (request.status === 'requested') {
    const failed = request.rules.filter((check) => !check.passed).map((check) => check.text);
    if (failed.length) lines.push(`An officer decides because: ${failed.join('; ')}.`);
  }
  return lines.join('\n');
}

function latestReason(request: RequestView): string | undefined {
  const last = request.decisions.at(-1);
  return last?.from !== undefined && last.actor.type !== 'customer' ? last.reason : undefined;
}

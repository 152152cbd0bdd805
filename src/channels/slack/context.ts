/**
 * What every listener gets: the domain services it may call, the Slack Web API wrapper, and helpers to
 * read the officer the middleware found and to tell them how their request went.
 */
import type { Context } from '@slack/bolt';
import type { Actor } from '../../domain/actor.js';
import type { ApprovalService, OfficerView } from '../../domain/approvals.js';
import type { RequestService } from '../../domain/requests.js';
import { isDomainError } from '../../domain/errors.js';
import type { Logger } from '../../log.js';
import type { SlackApi } from './api.js';

/** The dependencies of the listeners. */
export interface SlackDeps {
  approvals: ApprovalService;
  /** Officers' decisions on service requests (benefits, dependents, renewals, upgrades). */
  requests: Pick<RequestService, 'current' | 'decide' | 'showCard'>;
  api: SlackApi;
  logger: Logger;
  approvalsChannel: string;
}

/** The active officer the middleware put on the context (listeners run only for officers). */
export function officerOf(context: Context): OfficerView {
  const officer = context.officer as OfficerView | undefined;
  if (!officer) throw new Error('no officer on the Slack context');
  return officer;
}

/** The officer as the domain sees an actor. */
export function actorOf(officer: OfficerView): Actor {
  return { type: 'officer', id: officer.slackUserId, channel: 'slack' };
}

/**
 * Runs the work of a listener after its ack; a refusal by a business rule (stale card, limit, missing
 * reason) reaches the officer as an ephemeral message with its reason, anything else as an apology.
 */
export async function work(
  deps: SlackDeps,
  where: { channel: string; user: string },
  task: () => Promise<string | undefined>,
): Promise<void> {
  let text: string | undefined;
  try {
    text = await task();
  } catch (error) {
    if (isDomainError(error)) text = error.message;
    else {
      deps.logger.error({ err: error }, 'slack listener failed');
      text = 'Something went wrong on our side; nothing was changed. Please try again.';
    }
  }
  if (text) {
    await deps.api
      .postEphemeral({ channel: where.channel, user: where.user, text })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'slack ephemeral not delivered'));
  }
}

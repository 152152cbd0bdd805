/**
 * What every listener gets: the domain services it may call, the Slack Web API wrapper, and helpers to
 * read the officer the middleware found and to tell them how their request went.
 */
import type { Context } from '@slack/bolt';
import type { Actor } from '../../domain/actor.js';
import type { ApprovalService, OfficerView } from '../../domain/approvals.js';
import type { RequestService } from '../../domain/requests.js';
import type { HandoffService } from '../../domain/handoff.js';
import { isDomainError } from '../../domain/errors.js';
import type { FileStore } from '../../files/file-store.js';
import type { Logger } from '../../log.js';
import type { SlackApi } from './api.js';
import { homeView } from './blocks/home.js';

/** The dependencies of the listeners. */
export interface SlackDeps {
  approvals: ApprovalService;
  /** Officers' decisions on service requests (benefits, dependents, renewals, upgrades). */
  requests: Pick<RequestService, 'current' | 'decide' | 'showCard'>;
  api: SlackApi;
  logger: Logger;
  handoffs: HandoffService;
  approvalsChannel: string;
  supportChannel: string;
  /** Where files officers send customers are checked and stored, and their links signed. */
  files: Pick<FileStore, 'save' | 'signedUrl'>;
  now: () => Date;
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

/** A burst of decisions by one officer publishes their App Home once a second at most. */
const homeCoalesceMs = 1000;
const homes = new WeakMap<SlackDeps, Map<string, { running: boolean; again: boolean }>>();

/**
 * Publishes the officer's App Home afresh (their claims, approvals waiting for their authority, open
 * handoffs and tickets with the time left). Refreshes asked for while one runs, or within a second of
 * it, become one more afterwards, so the Home always ends up current without a publish per click. A
 * failure only costs a stale Home, so it is logged.
 */
export async function refreshHome(deps: SlackDeps, officer: OfficerView): Promise<void> {
  let byOfficer = homes.get(deps);
  if (!byOfficer) homes.set(deps, (byOfficer = new Map()));
  const state = byOfficer.get(officer.slackUserId) ?? { running: false, again: false };
  byOfficer.set(officer.slackUserId, state);
  if (state.running) {
    state.again = true;
    return;
  }
  state.running = true;
  try {
    do {
      state.again = false;
      await publishHome(deps, officer);
      await new Promise((resolve) => setTimeout(resolve, homeCoalesceMs).unref());
    } while (state.again);
  } finally {
    state.running = false;
    byOfficer.delete(officer.slackUserId);
  }
}

async function publishHome(deps: SlackDeps, officer: OfficerView): Promise<void> {
  try {
    const [queue, requests, awaiting] = await Promise.all([
      deps.approvals.queue(officer.slackUserId),
      deps.handoffs.openFor(officer.slackUserId),
      deps.approvals.awaitingAuthority(officer.slackUserId),
    ]);
    await deps.api.publishHome({
      userId: officer.slackUserId,
      view: homeView(officer, queue, requests, deps.now(), awaiting),
    });
  } catch (error) {
    deps.logger.warn({ err: error }, 'slack app home not refreshed');
  }
}

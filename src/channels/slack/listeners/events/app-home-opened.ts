import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { homeView } from '../../blocks/home.js';
import { officerOf, type SlackDeps } from '../../context.js';

/** App Home: shows the officer the claims waiting for them. Events are acknowledged by Bolt itself. */
export function appHomeOpened(deps: SlackDeps) {
  return async function appHomeOpened({
    event,
    context,
  }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> {
    if (event.tab !== 'home') return;
    const officer = officerOf(context);
    const queue = await deps.approvals.queue(officer.slackUserId);
    await deps.api.publishHome({ userId: officer.slackUserId, view: homeView(officer, queue) });
  };
}

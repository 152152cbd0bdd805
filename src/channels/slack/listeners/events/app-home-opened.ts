import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { officerOf, refreshHome, type SlackDeps } from '../../context.js';

/** App Home: the officer's queue, published afresh when opened. Events are acknowledged by Bolt itself. */
export function appHomeOpened(deps: SlackDeps) {
  return async function appHomeOpened({
    event,
    context,
  }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> {
    if (event.tab !== 'home') return;
    void refreshHome(deps, officerOf(context));
  };
}

import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../context.js';
import { appHomeOpened } from './app-home-opened.js';
import { threadReply } from './thread-reply.js';

export function registerEvents(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', appHomeOpened(deps));
  app.event('message', threadReply(deps));
}

import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../context.js';
import { insuralinkCommand } from './insuralink.js';

export function registerCommands(app: App, deps: SlackDeps): void {
  app.command('/insuralink', insuralinkCommand(deps));
}

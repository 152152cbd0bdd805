import type { App } from '@slack/bolt';
import { callbackIds } from '../../blocks/ids.js';
import type { SlackDeps } from '../../context.js';
import { approveSubmission } from './approve.js';
import { denySubmission } from './deny.js';
import { requestInfoSubmission } from './request-info.js';

export function registerViews(app: App, deps: SlackDeps): void {
  app.view(callbackIds.approve, approveSubmission(deps));
  app.view(callbackIds.deny, denySubmission(deps));
  app.view(callbackIds.requestInfo, requestInfoSubmission(deps));
}

import type { App } from '@slack/bolt';
import { callbackIds } from '../../blocks/ids.js';
import { requestCallbackIds, type RequestAction } from '../../blocks/request-ids.js';
import type { SlackDeps } from '../../context.js';
import { approveSubmission } from './approve.js';
import { denySubmission } from './deny.js';
import { requestDecisionSubmission } from './request-decision.js';
import { requestInfoSubmission } from './request-info.js';

export function registerViews(app: App, deps: SlackDeps): void {
  app.view(callbackIds.approve, approveSubmission(deps));
  app.view(callbackIds.deny, denySubmission(deps));
  app.view(callbackIds.requestInfo, requestInfoSubmission(deps));
  for (const [action, id] of Object.entries(requestCallbackIds) as [RequestAction, string][]) {
    app.view(id, requestDecisionSubmission(deps, action));
  }
}

import type { App } from '@slack/bolt';
import { actionIds } from '../../blocks/ids.js';
import { requestActionIds, type RequestAction } from '../../blocks/request-ids.js';
import type { SlackDeps } from '../../context.js';
import { approveButton } from './approve.js';
import { assignToMeButton } from './assign-to-me.js';
import { denyButton } from './deny.js';
import { requestDecisionButton } from './request-decision.js';
import { closeHandoffButton, handBackButton, takeOverButton } from './handoff.js';
import { requestInfoButton } from './request-info.js';

export function registerActions(app: App, deps: SlackDeps): void {
  app.action(actionIds.assign, assignToMeButton(deps));
  app.action(actionIds.approve, approveButton(deps));
  app.action(actionIds.deny, denyButton(deps));
  app.action(actionIds.requestInfo, requestInfoButton(deps));
  for (const [action, id] of Object.entries(requestActionIds) as [RequestAction, string][]) {
    app.action(id, requestDecisionButton(deps, action));
  }
  app.action(actionIds.takeOver, takeOverButton(deps));
  app.action(actionIds.handBack, handBackButton(deps));
  app.action(actionIds.closeHandoff, closeHandoffButton(deps));
}

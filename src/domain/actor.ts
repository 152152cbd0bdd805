import { z } from 'zod';
import { actorTypes } from '../db/models/common.js';
import type { Models } from '../db/models/index.js';
import { DomainError } from './errors.js';

/**
 * Who asks for a change. Customers are identified by customer id, officers by Slack user id, the
 * system by a component name (`seed`, `reminders`). `channel` is where the request came from and is
 * written to the audit trail.
 */
export const actorInputSchema = z.object({
  type: z.enum(actorTypes),
  id: z.string().trim().min(1),
  channel: z.string().trim().min(1).optional(),
});
export type Actor = z.infer<typeof actorInputSchema>;
export type ActorType = Actor['type'];

/** The officer with this Slack user id, who must be active to act; otherwise `forbidden`. */
export async function activeOfficer(models: Pick<Models, 'officers'>, slackUserId: string) {
  const officer = await models.officers.findOne({ slackUserId }).lean();
  if (!officer || !officer.active) throw new DomainError('forbidden', 'not an active officer');
  return officer;
}

import { z } from 'zod';
import { actorTypes } from '../db/models/common.js';

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

/**
 * What the Slack app has already acted on: event ids, button clicks (action timestamp, action id and
 * user), modal submissions and slash commands, each recorded once under a unique index. A retry
 * (`X-Slack-Retry-Num`) or a double click finds its key taken and is acknowledged without acting again.
 */
import { createHash } from 'node:crypto';
import type { Connection } from 'mongoose';
import { isDuplicateKeyError } from '../../domain/mapping.js';

/** How long a key is remembered: far longer than Slack retries (minutes). */
const keepSeconds = 24 * 60 * 60;

export interface SlackReceipts {
  /** True the first time `key` is seen. */
  first(key: string): Promise<boolean>;
}

export async function createSlackReceipts(connection: Connection): Promise<SlackReceipts> {
  const db = connection.db;
  if (!db) throw new Error('database not connected');
  const receipts = db.collection<{ key: string; at: Date }>('slackreceipts');
  await receipts.createIndex({ key: 1 }, { unique: true });
  await receipts.createIndex({ at: 1 }, { expireAfterSeconds: keepSeconds });
  return {
    async first(key) {
      try {
        await receipts.insertOne({ key, at: new Date() });
        return true;
      } catch (error) {
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
    },
  };
}

/** Body fields the keys are made of; anything else in a Slack payload is ignored here. */
interface SlackBody {
  type?: string;
  event_id?: string;
  trigger_id?: string;
  command?: string;
  user?: { id?: string };
  actions?: { action_id?: string; action_ts?: string }[];
  view?: { id?: string; state?: unknown };
}

/**
 * The key of one thing Slack asked for: a retried event or a repeated submission of the same values
 * maps to the same key; a modal submitted again after a validation error (other values) does not.
 */
export function receiptKey(body: SlackBody): string | undefined {
  if (body.type === 'event_callback' && body.event_id) return `event:${body.event_id}`;
  if (body.type === 'block_actions') {
    const action = body.actions?.[0];
    if (action?.action_ts && action.action_id) {
      return `action:${action.action_ts}:${action.action_id}:${body.user?.id ?? ''}`;
    }
  }
  if (body.type === 'view_submission' && body.view?.id) {
    const values = createHash('sha256')
      .update(JSON.stringify(body.view.state ?? {}))
      .digest('hex');
    return `view:${body.view.id}:${values.slice(0, 32)}`;
  }
  if (body.command && body.trigger_id) return `command:${body.trigger_id}`;
  return undefined;
}

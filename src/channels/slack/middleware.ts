/**
 * Global middleware, before any listener: a request already acted on (a retry, a double click) is
 * acknowledged and dropped; a Slack user who is not an active officer is refused, and nothing happens.
 */
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { OfficerView } from '../../domain/approvals.js';
import type { SlackDeps } from './context.js';
import { receiptKey, type SlackReceipts } from './receipts.js';

const refusal = 'Only active InsuraLink claims officers can use this app. Nothing was changed.';

interface Who {
  user?: string;
  channel?: string;
}

/** The Slack user and channel of a request, wherever its kind of payload keeps them. */
function who(body: Record<string, unknown>): Who {
  const user = body.user as { id?: string } | undefined;
  const channel = body.channel as { id?: string } | undefined;
  const event = body.event as { user?: string; channel?: string; bot_id?: string } | undefined;
  return {
    user: user?.id ?? (body.user_id as string | undefined) ?? (event?.bot_id ? undefined : event?.user),
    channel: channel?.id ?? (body.channel_id as string | undefined) ?? event?.channel,
  };
}

async function acknowledge(args: AnyMiddlewareArgs, response?: Record<string, unknown>): Promise<void> {
  if ('ack' in args && typeof args.ack === 'function')
    await (args.ack as (r?: unknown) => Promise<void>)(response);
}

export function skipRepeats(receipts: SlackReceipts): Middleware<AnyMiddlewareArgs> {
  return async function skipRepeats(args) {
    const key = receiptKey(args.body as Parameters<typeof receiptKey>[0]);
    if (key && !(await receipts.first(key))) {
      await acknowledge(args);
      return;
    }
    await args.next();
  };
}

/**
 * How long who is an officer is remembered here. It keeps a database read off the path to the ack of
 * every click; the domain services check the officer again on every action, so someone deactivated
 * meanwhile is still refused there.
 */
const officerCacheMs = 15_000;

export function officersOnly(deps: SlackDeps): Middleware<AnyMiddlewareArgs> {
  const known = new Map<string, { officer: OfficerView | undefined; until: number }>();
  const officerOf = async (user: string): Promise<OfficerView | undefined> => {
    const now = Date.now();
    const cached = known.get(user);
    if (cached && cached.until > now) return cached.officer;
    const officer = await deps.approvals.officer(user);
    if (known.size > 1000) known.clear();
    known.set(user, { officer, until: now + officerCacheMs });
    return officer;
  };
  return async function officersOnly(args) {
    const { user, channel } = who(args.body as Record<string, unknown>);
    if (!user) return;
    const officer = await officerOf(user);
    if (!officer) {
      const isCommand = typeof (args.body as { command?: unknown }).command === 'string';
      await acknowledge(args, isCommand ? { response_type: 'ephemeral', text: refusal } : undefined);
      if (channel && !isCommand && (args.body as { type?: string }).type !== 'event_callback') {
        await deps.api.postEphemeral({ channel, user, text: refusal }).catch(() => undefined);
      }
      return;
    }
    args.context.officer = officer;
    await args.next();
  };
}

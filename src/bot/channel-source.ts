/**
 * Which of the app's channel adapters a turn came through. An activity's `channelId` is whatever its
 * sender wrote (a connector caller may claim `directline`), so nothing that separates one channel's
 * conversations from another's may be keyed by it: conversation state, the bot's turn queue and anything
 * else per channel are keyed by the source the adapter that authenticated the caller put on the turn.
 */
import type { Middleware, TurnContext } from 'botbuilder';

/**
 * The adapters' names: `directline` for the self-hosted Direct Line, `azure` for Bot Framework connector
 * traffic on `/api/messages`, `sms` for Twilio.
 */
export const channelSources = ['directline', 'azure', 'sms'] as const;

/** One of {@link channelSources}. */
export type ChannelSource = (typeof channelSources)[number];

/** The `turnState` key under which an adapter puts its {@link ChannelSource} on every turn it runs. */
export const channelSourceKey = Symbol.for('insuralink.channelSource');

/** Thrown when a turn reaches the bot without a source: its adapter never declared one. */
export class MissingChannelSourceError extends Error {
  constructor() {
    super('The turn carries no channel source; its adapter must set turnState[channelSourceKey].');
    this.name = 'MissingChannelSourceError';
  }
}

/** Puts `source` on the turn; an adapter calls this before the bot sees the turn. */
export function setChannelSource(context: TurnContext, source: ChannelSource): void {
  context.turnState.set(channelSourceKey, source);
}

/** The turn's source, as its adapter declared it; throws {@link MissingChannelSourceError} when none did. */
export function channelSourceOf(context: TurnContext): ChannelSource {
  const source: unknown = context.turnState.get(channelSourceKey);
  const known = channelSources.find((name) => name === source);
  if (!known) throw new MissingChannelSourceError();
  return known;
}

/** Middleware declaring `source` on every turn of the adapter it is added to (incoming and proactive). */
export function channelSourceMiddleware(source: ChannelSource): Middleware {
  return {
    async onTurn(context, next) {
      setChannelSource(context, source);
      await next();
    },
  };
}

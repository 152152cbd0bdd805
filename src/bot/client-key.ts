/**
 * Who is on the other end of a turn, as the channel knows it from the connection rather than from
 * anything in the activity: Direct Line the caller's network address, another channel its own name. It
 * is a key for counting failed identity checks per client, never shown, never logged, and kept only as a
 * keyed hash.
 */
import type { TurnContext } from 'botbuilder';

/** The `turnState` key under which a channel puts the client key of the turn. */
export const clientKeyTurnKey = Symbol('insuralink.clientKey');

/** Puts the channel's client key on the turn. */
export function setClientKey(context: TurnContext, clientKey: string): void {
  context.turnState.set(clientKeyTurnKey, clientKey);
}

/** The client key a channel put on the turn, or undefined when it knows none. */
export function clientKeyOf(context: TurnContext): string | undefined {
  const value: unknown = context.turnState.get(clientKeyTurnKey);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Files a customer sends when no dialog is waiting for them (a photo texted on its own, days after the
 * claim was filed). A channel that knows where such files belong puts a handler on the turn; the bot
 * calls it instead of starting the menu, once the customer is verified. The SMS channel attaches them
 * to the customer's open claim (asking which when there are several).
 */
import type { TurnContext } from 'botbuilder';
import type { VerifiedCustomer } from './session.js';

/** Deals with the turn's attachments; resolves false when it did not (the bot then routes the text). */
export type LooseFilesHandler = (context: TurnContext, customer: VerifiedCustomer) => Promise<boolean>;

const looseFilesKey = Symbol('insuralink.looseFiles');

/** Puts the channel's handler on the turn. */
export function setLooseFilesHandler(context: TurnContext, handler: LooseFilesHandler): void {
  context.turnState.set(looseFilesKey, handler);
}

/** The handler a channel put on the turn, if any. */
export function looseFilesHandlerOf(context: TurnContext): LooseFilesHandler | undefined {
  const value: unknown = context.turnState.get(looseFilesKey);
  return typeof value === 'function' ? (value as LooseFilesHandler) : undefined;
}

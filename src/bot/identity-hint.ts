/**
 * Who a turn probably comes from, as the channel knows it from the carrier rather than from anything
 * typed: over SMS, the sender's number when it is on file. A hint, never proof: the identity check
 * still asks for the date of birth and counts failures as for any other identifier.
 */
import type { TurnContext } from 'botbuilder';

/** An identifier the channel vouches the customer holds. */
export interface IdentityHint {
  phone: string;
}

const identityHintKey = Symbol('insuralink.identityHint');

/** Puts the channel's hint on the turn. */
export function setIdentityHint(context: TurnContext, hint: IdentityHint): void {
  context.turnState.set(identityHintKey, hint);
}

/** The hint a channel put on the turn, if any. */
export function identityHintOf(context: TurnContext): IdentityHint | undefined {
  const value: unknown = context.turnState.get(identityHintKey);
  return typeof value === 'object' && value !== null && typeof (value as IdentityHint).phone === 'string'
    ? (value as IdentityHint)
    : undefined;
}

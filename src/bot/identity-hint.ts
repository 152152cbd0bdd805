/**
 * Who a turn probably comes from, as the channel knows it from the carrier rather than from anything
 * typed: over SMS, the sender's number, a hint when it is on file. Never proof: the identity check
 * still asks for the date of birth and counts failures as for any other identifier. Whether the number
 * is on file is asked only when identity is checked, so other turns pay nothing for it.
 */
import type { TurnContext } from 'botbuilder';

/** An identifier the channel vouches the customer holds. */
export interface IdentityHint {
  phone: string;
  /** Whether the number belongs to a customer (otherwise it is no hint). */
  onFile(): Promise<boolean>;
}

const identityHintKey = Symbol('insuralink.identityHint');

/** Puts the channel's hint on the turn. */
export function setIdentityHint(context: TurnContext, hint: IdentityHint): void {
  context.turnState.set(identityHintKey, hint);
}

/** The hint a channel put on the turn, if any. */
export function identityHintOf(context: TurnContext): IdentityHint | undefined {
  const value: unknown = context.turnState.get(identityHintKey);
  const hint = value as Partial<IdentityHint> | undefined;
  return typeof hint?.phone === 'string' && typeof hint.onFile === 'function'
    ? (hint as IdentityHint)
    : undefined;
}

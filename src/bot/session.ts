import { TurnContext, type StatePropertyAccessor } from 'botbuilder';
import type { ConversationLinkService } from '../domain/conversations.js';
import { channelSourceOf } from './channel-source.js';
import type { CustomerSummary } from '../domain/customers.js';

/** The verified customer of a conversation, as kept in conversation state. */
export interface VerifiedCustomer {
  customerId: string;
  firstName: string;
  timezone: string;
  /** Epoch milliseconds. */
  verifiedAt: number;
  /** Epoch milliseconds of the customer's last message; verification lapses after a quiet spell. */
  lastSeenAt: number;
}

/** What the bot remembers about a conversation beyond the dialog stack. */
export interface SessionData {
  verified?: VerifiedCustomer;
}

/** How long a verification lasts without messages from the customer. */
export const defaultVerificationIdleMs = 30 * 60 * 1000;

/** How precisely the last message's time is kept. */
const touchResolutionMs = 60 * 1000;

/** What a {@link Session} is built from. */
export interface SessionOptions {
  accessor: StatePropertyAccessor<SessionData>;
  /** Where the conversations of verified customers are recorded, so notifications can reach them. */
  conversations: Pick<ConversationLinkService, 'record' | 'forget'>;
  /** How long a verification lasts without messages; default 30 minutes. */
  idleMs?: number;
  now?: () => Date;
}

/**
 * Who the customer proved to be in this conversation, remembered for a limited time. Only verification
 * puts a customer here; every read of customer data starts from here, never from what the customer
 * typed, so a customer only ever sees their own data. A verified customer's conversation is recorded
 * (and refreshed as they use it), so later messages reach them where they last talked to us.
 */
export class Session {
  private readonly accessor: StatePropertyAccessor<SessionData>;
  private readonly idleMs: number;
  private readonly now: () => Date;

  constructor(private readonly options: SessionOptions) {
    this.accessor = options.accessor;
    this.idleMs = options.idleMs ?? defaultVerificationIdleMs;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Called once per customer message: forgets a verification gone idle, otherwise keeps it alive. The
   * time is recorded at most once a minute, so a turn that changes nothing else saves no state.
   */
  async touch(context: TurnContext): Promise<void> {
    const data = await this.accessor.get(context, {});
    if (!data.verified) return;
    const now = this.now().getTime();
    const quiet = now - data.verified.lastSeenAt;
    if (quiet > this.idleMs) {
      delete data.verified;
    } else if (quiet >= touchResolutionMs) {
      data.verified.lastSeenAt = now;
      await this.link(context, data.verified.customerId);
    } else {
      return;
    }
    await this.accessor.set(context, data);
  }

  /** The verified customer, or undefined when nobody has verified (or the verification lapsed). */
  async customer(context: TurnContext): Promise<VerifiedCustomer | undefined> {
    const data = await this.accessor.get(context, {});
    const verified = data.verified;
    if (!verified || this.now().getTime() - verified.lastSeenAt > this.idleMs) return undefined;
    return verified;
  }

  async remember(context: TurnContext, customer: CustomerSummary): Promise<VerifiedCustomer> {
    const now = this.now().getTime();
    const verified: VerifiedCustomer = {
      customerId: customer.id,
      firstName: customer.firstName,
      timezone: customer.timezone,
      verifiedAt: now,
      lastSeenAt: now,
    };
    const data = await this.accessor.get(context, {});
    await this.accessor.set(context, { ...data, verified });
    await this.link(context, customer.id);
    return verified;
  }

  /**
   * Ends the verification for this conversation (the customer signed out, perhaps on a shared computer):
   * later turns need verification again, and the conversation is unlinked, so notifications no longer
   * go there and it takes no uploads. Resolves with who was signed out, if anyone was.
   */
  async forget(context: TurnContext): Promise<VerifiedCustomer | undefined> {
    const data = await this.accessor.get(context, {});
    const verified = data.verified;
    delete data.verified;
    await this.accessor.set(context, data);
    await this.options.conversations.forget(channelSourceOf(context), context.activity.conversation.id);
    return verified && this.now().getTime() - verified.lastSeenAt <= this.idleMs ? verified : undefined;
  }

  private async link(context: TurnContext, customerId: string): Promise<void> {
    const reference = TurnContext.getConversationReference(context.activity);
    await this.options.conversations.record({
      customerId,
      channel: channelSourceOf(context),
      conversationId: context.activity.conversation.id,
      reference: { ...reference },
    });
  }
}

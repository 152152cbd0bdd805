import { ActivityTypes, TurnContext, type Activity, type StatePropertyAccessor } from 'botbuilder';
import { asksForSensitiveInput } from './sensitive-input.js';
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

/** One message of the conversation, as a person taking it over reads it. */
export interface RecentMessage {
  from: 'customer' | 'bot';
  text: string;
  /** Epoch milliseconds. */
  at: number;
}

/** What the bot remembers about a conversation beyond the dialog stack. */
export interface SessionData {
  verified?: VerifiedCustomer;
  /** The last messages both ways, for a handoff to a person; answers to personal prompts hidden. */
  recent?: RecentMessage[];
  /** The bot's last message asked for personal input: the customer's next message is kept hidden. */
  hideNext?: boolean;
  /**
   * A person was asked for in this conversation and the request may still be open: only then does a
   * turn look up whether an officer has the conversation.
   */
  handoff?: boolean;
}

/** Messages kept for a handoff, and how much of each. */
const recentMessages = 12;
const recentChars = 300;

/** What a hidden answer reads as (the Direct Line transcript shows the same). */
export const hiddenText = '•••• (hidden)';

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

  /**
   * Keeps the customer's message and, as the turn sends them, the bot's replies among the recent
   * messages; the answer to a prompt marked as personal (a date of birth) is kept only as hidden.
   */
  async recordTurn(context: TurnContext): Promise<void> {
    const data = await this.accessor.get(context, {});
    const activity = context.activity;
    const text = activity.text?.trim();
    const recent = data.recent ?? [];
    if (text) {
      recent.push({
        from: 'customer',
        text: data.hideNext ? hiddenText : clip(text),
        at: this.now().getTime(),
      });
    }
    delete data.hideNext;
    data.recent = recent.slice(-recentMessages);
    await this.accessor.set(context, data);
    context.onSendActivities(async (_context, activities, next) => {
      const sent = activities.filter((entry: Partial<Activity>) => entry.type === ActivityTypes.Message);
      if (sent.length > 0) {
        const state = await this.accessor.get(context, {});
        const lines = state.recent ?? [];
        for (const entry of sent) {
          if (entry.text?.trim())
            lines.push({ from: 'bot', text: clip(entry.text.trim()), at: this.now().getTime() });
          state.hideNext = asksForSensitiveInput(entry);
        }
        state.recent = lines.slice(-recentMessages);
        await this.accessor.set(context, state);
      }
      return next();
    });
  }

  /** Notes that a person was asked for here; see {@link SessionData.handoff}. */
  async noteHandoff(context: TurnContext): Promise<void> {
    const data = await this.accessor.get(context, {});
    data.handoff = true;
    await this.accessor.set(context, data);
  }

  /** Whether a person was asked for here and the request may still be open. */
  async handoffNoted(context: TurnContext): Promise<boolean> {
    return (await this.accessor.get(context, {})).handoff === true;
  }

  /** The request asked for here is closed: turns stop looking for an officer. */
  async clearHandoff(context: TurnContext): Promise<void> {
    const data = await this.accessor.get(context, {});
    delete data.handoff;
    await this.accessor.set(context, data);
  }

  async recent(context: TurnContext): Promise<{ from: 'customer' | 'bot'; text: string; at: Date }[]> {
    const data = await this.accessor.get(context, {});
    return (data.recent ?? []).map((line) => ({ ...line, at: new Date(line.at) }));
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

function clip(text: string): string {
  return text.length <= recentChars ? text : `${text.slice(0, recentChars - 1)}…`;
}

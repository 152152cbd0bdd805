/**
 * Where a verified customer can be reached: the conversations they verified in, with the Bot Framework
 * conversation reference each channel needs to send there later. Notifications go to the one used last.
 */
import type { Models } from '../db/models/index.js';
import { parseObjectId } from './mapping.js';

/** A conversation of a customer, as a channel needs it to deliver a message there. */
export interface ConversationTarget {
  /** The channel that serves the conversation (`directline`, `azure`, `sms`). */
  channel: string;
  conversationId: string;
  /** The Bot Framework `ConversationReference`, as the channel recorded it. */
  reference: Record<string, unknown>;
  /** When the customer last used it. */
  lastUsedAt: Date;
}

/** The conversations verified customers use. */
export interface ConversationLinkService {
  /** Records (or refreshes, as just used) a conversation of the customer. */
  record(input: {
    customerId: string;
    channel: string;
    conversationId: string;
    reference: Record<string, unknown>;
  }): Promise<void>;
  /** The conversation the customer used last, if any. */
  latest(customerId: string): Promise<ConversationTarget | undefined>;
  /** True when a verified customer uses this conversation. */
  isLinked(channel: string, conversationId: string): Promise<boolean>;
  /**
   * Unlinks the conversation from every customer (they signed out there): nothing is delivered there any
   * more and it takes no uploads, until someone verifies in it again.
   */
  forget(channel: string, conversationId: string): Promise<void>;
}

/** What {@link MongoConversationLinkService} is built from. */
export interface ConversationLinkServiceOptions {
  models: Pick<Models, 'conversationLinks'>;
  now: () => Date;
}

export class MongoConversationLinkService implements ConversationLinkService {
  constructor(private readonly options: ConversationLinkServiceOptions) {}

  async record(input: {
    customerId: string;
    channel: string;
    conversationId: string;
    reference: Record<string, unknown>;
  }): Promise<void> {
    const customer = parseObjectId(input.customerId, 'customer');
    await this.options.models.conversationLinks.updateOne(
      { customer, channel: input.channel, conversationId: input.conversationId },
      { $set: { reference: input.reference, lastUsedAt: this.options.now() } },
      { upsert: true },
    );
  }

  async latest(customerId: string): Promise<ConversationTarget | undefined> {
    const customer = parseObjectId(customerId, 'customer');
    const link = await this.options.models.conversationLinks
      .findOne({ customer })
      .sort({ lastUsedAt: -1, _id: -1 })
      .lean();
    if (!link) return undefined;
    return {
      channel: link.channel,
      conversationId: link.conversationId,
      reference: link.reference as Record<string, unknown>,
      lastUsedAt: link.lastUsedAt,
    };
  }

  async isLinked(channel: string, conversationId: string): Promise<boolean> {
    return (await this.options.models.conversationLinks.exists({ channel, conversationId })) !== null;
  }

  async forget(channel: string, conversationId: string): Promise<void> {
    await this.options.models.conversationLinks.deleteMany({ channel, conversationId });
  }
}

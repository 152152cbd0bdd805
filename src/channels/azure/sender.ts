/**
 * Notifications into Bot Framework connector conversations (Teams, Azure's own Web Chat and Direct
 * Line, …): a proactive turn through `continueConversationAsync`, which posts to the conversation's
 * `serviceUrl` with the bot's credentials. The connector offers no way to ask whether an earlier send
 * arrived, so a send whose outcome was lost is sent again (at least once, never silently dropped).
 */
import type { CloudAdapter, ConversationReference } from 'botbuilder';
import type { ChannelSender } from '../../notifications/dispatcher.js';

export function azureSender(channel: string, adapter: CloudAdapter, appId: string): ChannelSender {
  return {
    channel,
    async send(target, message) {
      let id = '';
      await adapter.continueConversationAsync(
        appId,
        target.reference as Partial<ConversationReference>,
        async (context) => {
          id = (await context.sendActivity(message.chat))?.id ?? '';
        },
      );
      return id;
    },
    findSent: () => Promise.resolve(undefined),
  };
}

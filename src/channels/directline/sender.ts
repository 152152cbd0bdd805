/**
 * Notifications into Direct Line conversations: a proactive turn on the channel's adapter, so the
 * message is stored in the transcript (there when the customer comes back) and pushed to every open
 * stream (it appears in an open Web Chat window with no reload). The delivery key becomes the stored
 * activity's idempotency key, so a send repeated after a dispatcher died is stored once.
 */
import type { ConversationReference } from 'botbuilder';
import type { ChannelSender } from '../../notifications/dispatcher.js';
import { directLineChannelId, type DirectLineAdapter } from './adapter.js';
import type { ConversationStore } from './store.js';

export function directLineSender(adapter: DirectLineAdapter, store: ConversationStore): ChannelSender {
  return {
    channel: directLineChannelId,
    async send(target, message, key) {
      let id = '';
      await adapter.continueConversation(
        target.reference as Partial<ConversationReference>,
        async (context) => {
          id = (await context.sendActivity({ ...message.chat, id: key }))?.id ?? '';
        },
      );
      return id;
    },
    findSent: (target, key) => store.findByKey(target.conversationId, { by: 'bot', id: key }),
  };
}

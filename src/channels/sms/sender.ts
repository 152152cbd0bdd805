/**
 * Notifications by text message, for customers whose last conversation is an SMS one and for rows
 * routed to the customer's phone (`route: 'sms'`). The row's SMS form is sent through the consent
 * check; a number that opted out fails the row for good. The delivery key is stored with the
 * `MessageSid`, so a dispatcher taking over a row finds the message it was sent in.
 */
import { Undeliverable, type ChannelSender } from '../../notifications/dispatcher.js';
import { SmsRefusedError, type SmsOutbound } from './outbound.js';
import type { SmsStore } from './store.js';

export function smsSender(outbound: SmsOutbound, store: SmsStore): ChannelSender {
  return {
    channel: 'sms',
    async send(target, message, key) {
      const to = phoneOf(target.reference);
      try {
        return await outbound.send({
          to,
          body: message.sms,
          key,
          proactive: true,
        });
      } catch (error) {
        if (error instanceof SmsRefusedError) throw new Undeliverable(error.message);
        throw error;
      }
    },
    findSent: (_target, key) => store.findSentByKey(key),
  };
}

/** The customer's number in a reference the SMS channel (or the dispatcher, for a phone) recorded. */
function phoneOf(reference: Record<string, unknown>): string {
  const user = reference.user as { id?: unknown } | undefined;
  if (typeof user?.id !== 'string') throw new Undeliverable('the SMS conversation has no phone number');
  return user.id;
}

/**
 * Officers writing in a card's thread. In a handoff's thread, the replies of the officer who took the
 * conversation over go to the customer (a reply starting with `!note` stays internal, as do other
 * officers' replies). In a claim's thread, only a reply starting with the reply marker (`!reply`) goes
 * to the customer; everything else stays among officers. Events are acknowledged by Bolt itself.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { actorOf, officerOf, work, type SlackDeps } from '../../context.js';

/** What starts a claim thread reply meant for the customer. */
export const replyMarker = '!reply';

interface ThreadMessage {
  channel?: string;
  thread_ts?: string;
  ts?: string;
  user?: string;
  text?: string;
  subtype?: string;
  bot_id?: string;
}

export function threadReply(deps: SlackDeps) {
  return async function threadReply({
    event,
    context,
  }: SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs): Promise<void> {
    const message = event as ThreadMessage;
    // Only people's replies in a thread; edits, joins and the app's own posts are other subtypes.
    if (message.subtype || message.bot_id || !message.thread_ts || message.thread_ts === message.ts) return;
    if (!message.channel || !message.text?.trim()) return;
    const officer = officerOf(context);
    const card = { channel: message.channel, ts: message.thread_ts };
    const text = unescapeSlack(message.text.trim());
    await work(deps, { channel: message.channel, user: officer.slackUserId }, async () => {
      const handoff = await deps.handoffs.byCard(card);
      if (handoff) {
        await deps.handoffs.officerMessage({ reference: handoff.reference, actor: actorOf(officer), text });
        return undefined;
      }
      if (!text.toLowerCase().startsWith(replyMarker)) return undefined;
      const number = await deps.approvals.claimByCard(card);
      if (!number) return undefined;
      const reply = text.slice(replyMarker.length).trim();
      if (!reply) return `Write the message after ${replyMarker}.`;
      await deps.approvals.replyInThread({ claimNumber: number, actor: actorOf(officer), text: reply });
      return `Sent to the customer of ${number}.`;
    });
  };
}

/** Slack escapes `&`, `<` and `>` in message text; the customer reads them as typed. */
function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

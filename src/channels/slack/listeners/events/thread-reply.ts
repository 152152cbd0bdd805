/**
 * Officers writing in a card's thread. In a handoff's thread, the replies of the officer who took the
 * conversation over go to the customer (a reply starting with `!note` stays internal, as do other
 * officers' replies). In a claim's thread, only a reply starting with the reply marker (`!reply`) goes
 * to the customer; everything else stays among officers. Files shared with a reply (`file_share`)
 * follow the same rules: only when the reply goes to the customer are they fetched from Slack, checked,
 * stored and sent as signed links. Events are acknowledged by Bolt itself.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { actorOf, officerOf, work, type SlackDeps } from '../../context.js';
import { sharedFilesOf, storeSharedFiles, type SharedFile } from '../../thread-files.js';

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
  files?: unknown;
}

export function threadReply(deps: SlackDeps) {
  return async function threadReply({
    event,
    context,
  }: SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs): Promise<void> {
    const message = event as ThreadMessage;
    // Only people's replies in a thread, with or without files; edits, joins and the app's own posts
    // are other subtypes.
    const withFiles = message.subtype === 'file_share';
    if ((message.subtype && !withFiles) || message.bot_id) return;
    if (!message.thread_ts || message.thread_ts === message.ts || !message.channel) return;
    if (!message.text?.trim() && !withFiles) return;
    const officer = officerOf(context);
    const card = { channel: message.channel, ts: message.thread_ts };
    const text = unescapeSlack((message.text ?? '').trim());
    await work(deps, { channel: message.channel, user: officer.slackUserId }, async () => {
      const shared = withFiles ? sharedFilesOf(message.files) : [];
      const actor = actorOf(officer);
      const handoff = await deps.handoffs.byCard(card);
      if (handoff) {
        const reference = handoff.reference;
        if (shared.length > 0 && !(await deps.handoffs.reaches({ reference, actor, text }))) return undefined;
        if (!text && shared.length === 0) return undefined;
        const files = await storeSharedFiles(deps, shared);
        await deps.handoffs.officerMessage({ reference, actor, text, files });
        return undefined;
      }
      if (!text.toLowerCase().startsWith(replyMarker)) return undefined;
      const number = await deps.approvals.claimByCard(card);
      if (!number) return undefined;
      const reply = text.slice(replyMarker.length).trim();
      if (!reply && shared.length === 0) return `Write the message after ${replyMarker}.`;
      const files = await storeSharedFiles(deps, shared);
      await deps.approvals.replyInThread({ claimNumber: number, actor, text: reply, files });
      return `Sent to the customer of ${number}${filesSaid(shared)}.`;
    });
  };
}

/** How the confirmation names the files that went along. */
function filesSaid(shared: SharedFile[]): string {
  if (shared.length === 0) return '';
  return shared.length === 1 ? ' with 1 file' : ` with ${shared.length} files`;
}

/** Slack escapes `&`, `<` and `>` in message text; the customer reads them as typed. */
function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * Delivers the outbox's `slack` route: posts a claim's card to the approvals channel the first time
 * (recording its `ts` on the claim) and updates it in place afterwards, and posts the claim's messages
 * into the card's thread. The card is always built from the claim as it is now, so rows delivered late
 * or twice show the latest state.
 */
import { z } from 'zod';
import type { ApprovalService } from '../../domain/approvals.js';
import type { HandoffService } from '../../domain/handoff.js';
import type { Delivered, RouteSender } from '../../notifications/dispatcher.js';
import {
  claimCardTemplate,
  claimThreadTemplate,
  handoffCardTemplate,
  handoffThreadTemplate,
} from '../../notifications/slack-route.js';
import type { SlackApi } from './api.js';
import { claimCardBlocks } from './blocks/claim-card.js';
import { handoffCardBlocks } from './blocks/handoff-card.js';
import { clip, escape, maxSectionText } from './blocks/text.js';

/** Options of {@link slackCardSender}. */
export interface SlackCardSenderOptions {
  api: SlackApi;
  approvals: ApprovalService;
  approvalsChannel: string;
  handoffs: Pick<HandoffService, 'cardById' | 'recordCard'>;
  supportChannel: string;
  fileUrl(fileId: string): string;
}

const cardPayload = z.object({ number: z.string(), post: z.boolean().default(false) });
const threadPayload = z.object({ number: z.string(), at: z.iso.datetime() });
const handoffCardPayload = z.object({ request: z.string(), post: z.boolean().default(false) });
const handoffThreadPayload = z.object({ request: z.string(), at: z.iso.datetime() });

export function slackCardSender(options: SlackCardSenderOptions): RouteSender {
  // One claim's rows one at a time in this process, so two first rows never post two cards.
  const queues = new Map<string, Promise<unknown>>();
  const serially = <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const run = (queues.get(key) ?? Promise.resolve()).then(task, task);
    const settled = run.catch(() => undefined);
    queues.set(key, settled);
    void settled.then(() => {
      if (queues.get(key) === settled) queues.delete(key);
    });
    return run;
  };

  async function card(payload: unknown): Promise<Delivered> {
    const { number, post } = cardPayload.parse(payload);
    return serially(number, async () => {
      const current = await options.approvals.card(number);
      const { text, blocks } = claimCardBlocks(current, { fileUrl: options.fileUrl });
      if (current.slackCard) {
        const updated = await options.api.update({ ...current.slackCard, text, blocks });
        return { channel: 'slack', conversationId: updated.channel, providerMessageId: updated.ts };
      }
      if (!post) return { channel: 'slack', conversationId: 'none', providerMessageId: 'no card yet' };
      const posted = await options.api.postMessage({ channel: options.approvalsChannel, text, blocks });
      await options.approvals.recordCard(number, posted);
      return { channel: 'slack', conversationId: posted.channel, providerMessageId: posted.ts };
    });
  }

  async function thread(payload: unknown): Promise<Delivered> {
    const { number, at } = threadPayload.parse(payload);
    return serially(number, async () => {
      const current = await options.approvals.card(number);
      const message = current.claim.messages.find((entry) => entry.at.toISOString() === at);
      if (!current.slackCard || !message) {
        return { channel: 'slack', conversationId: 'none', providerMessageId: 'no card yet' };
      }
      const author =
        message.from === 'customer'
          ? `${current.customerName} (customer)`
          : `${(await options.approvals.officer(message.author))?.name ?? 'An officer'} → customer`;
      const posted = await options.api.postMessage({
        channel: current.slackCard.channel,
        threadTs: current.slackCard.ts,
        text: clip(`*${escape(author)}:* ${escape(message.text)}`, maxSectionText),
      });
      return { channel: 'slack', conversationId: posted.channel, providerMessageId: posted.ts };
    });
  }

  async function handoffCard(payload: unknown): Promise<Delivered> {
    const { request, post } = handoffCardPayload.parse(payload);
    return serially(request, async () => {
      const current = await options.handoffs.cardById(request);
      const { text, blocks } = handoffCardBlocks(current);
      if (current.slackCard) {
        const updated = await options.api.update({ ...current.slackCard, text, blocks });
        return { channel: 'slack', conversationId: updated.channel, providerMessageId: updated.ts };
      }
      if (!post) return { channel: 'slack', conversationId: 'none', providerMessageId: 'no card yet' };
      const posted = await options.api.postMessage({ channel: options.supportChannel, text, blocks });
      await options.handoffs.recordCard(current.reference, posted);
      return { channel: 'slack', conversationId: posted.channel, providerMessageId: posted.ts };
    });
  }

  async function handoffThread(payload: unknown): Promise<Delivered> {
    const { request, at } = handoffThreadPayload.parse(payload);
    return serially(request, async () => {
      const current = await options.handoffs.cardById(request);
      const message = current.messages.find((entry) => entry.at.toISOString() === at);
      // Until the card is posted its thread does not exist: a failure, so the row is tried again.
      if (!current.slackCard) throw new Error('the handoff card is not posted yet');
      if (!message) return { channel: 'slack', conversationId: 'none', providerMessageId: 'no message' };
      const posted = await options.api.postMessage({
        channel: current.slackCard.channel,
        threadTs: current.slackCard.ts,
        text: clip(`*Customer:* ${escape(message.text)}`, maxSectionText),
      });
      return { channel: 'slack', conversationId: posted.channel, providerMessageId: posted.ts };
    });
  }

  return {
    route: 'slack',
    async deliver(row) {
      if (row.template === claimCardTemplate) return card(row.payload);
      if (row.template === claimThreadTemplate) return thread(row.payload);
      if (row.template === handoffCardTemplate) return handoffCard(row.payload);
      if (row.template === handoffThreadTemplate) return handoffThread(row.payload);
      throw new Error(`no Slack delivery for ${row.template}`);
    },
  };
}

/**
 * Delivers the service requests' rows of the outbox's `slack` route: posts a request's card to the
 * approvals channel the first time (recording its `ts` on the request) and updates it in place after.
 * Built from the request as it is now, so rows delivered late or twice show the latest state.
 */
import { z } from 'zod';
import type { RequestService } from '../../domain/requests.js';
import type { Delivered } from '../../notifications/dispatcher.js';
import { requestCardTemplate } from '../../notifications/request-slack-route.js';
import type { SlackApi } from './api.js';
import { requestCardBlocks } from './blocks/request-card.js';

/** Options of {@link requestCardSender}. */
export interface RequestCardSenderOptions {
  api: SlackApi;
  requests: Pick<RequestService, 'card' | 'recordCard'>;
  approvalsChannel: string;
}

const cardPayload = z.object({ number: z.string(), post: z.boolean().default(false) });

/** The delivery of request cards, for the `slack` route's sender to hand its rows to. */
export function requestCardSender(options: RequestCardSenderOptions) {
  // One request's rows one at a time in this process, so two first rows never post two cards.
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

  return {
    handles: (template: string) => template === requestCardTemplate,
    async deliver(payload: unknown): Promise<Delivered> {
      const { number, post } = cardPayload.parse(payload);
      return serially(number, async () => {
        const current = await options.requests.card(number);
        const { text, blocks } = requestCardBlocks(current);
        if (current.slackCard) {
          const updated = await options.api.update({ ...current.slackCard, text, blocks });
          return { channel: 'slack', conversationId: updated.channel, providerMessageId: updated.ts };
        }
        if (!post) return { channel: 'slack', conversationId: 'none', providerMessageId: 'no card yet' };
        const posted = await options.api.postMessage({ channel: options.approvalsChannel, text, blocks });
        await options.requests.recordCard(number, posted);
        return { channel: 'slack', conversationId: posted.channel, providerMessageId: posted.ts };
      });
    },
  };
}

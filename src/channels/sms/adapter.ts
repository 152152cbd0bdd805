/**
 * The botbuilder adapter of the SMS channel: a text message runs through the standard middleware and
 * the bot like any other turn, and what the bot sends during the turn is collected, rendered for a
 * phone (see `render.ts`) and sent when the turn ends, through {@link SmsOutbound} (which reads the
 * consent ledger first). "1" answers the first choice the last reply offered; "MORE" sends the rest of
 * a reply that did not fit. A conversation is the customer's number with ours, under a keyed hash.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ActivityTypes,
  BotAdapter,
  TurnContext,
  type Activity,
  type Attachment,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import { setChannelSource } from '../../bot/channel-source.js';
import { setClientKey } from '../../bot/client-key.js';
import { setIdentityHint, type IdentityHint } from '../../bot/identity-hint.js';
import { setLooseFilesHandler } from '../../bot/loose-files.js';
import type { SmsClaimFiles } from './claim-files.js';
import { SmsRefusedError, type SmsOutbound } from './outbound.js';
import { pageOf, planMessages, renderActivity } from './render.js';
import type { Choice, ConversationState, SmsStore } from './store.js';

/** The bot logic a turn runs, e.g. `(context) => bot.run(context)`. */
export type TurnLogic = (context: TurnContext) => Promise<void>;

/** The channel id of SMS turns. */
export const smsChannelId = 'sms';

const delayType = 'delay';
const defaultDelayMs = 1000;
const moreWord = 'MORE';

/** An inbound text message, checked and parsed by the webhook. */
export interface InboundSms {
  messageSid: string;
  from: string;
  to: string;
  text: string;
  attachments: Attachment[];
  /** The sender's number, a hint where it is on file (see `src/bot/identity-hint.ts`). */
  hint?: IdentityHint;
  /** When the consent ledger was read and allowed texting the sender (`performance.now()`). */
  consentReadAt?: number;
}

/** What a turn's sends collect until the turn ends. */
interface Collected {
  texts: string[];
  choices: Choice[];
  /** What the conversation held when the turn began (unset in proactive turns). */
  loaded?: { choices: Choice[]; more: string[] };
  /** The bot gave the turn's files to the channel's handler rather than to a dialog. */
  loose?: boolean;
  /** When the ledger was read for the message the turn answers. */
  consentReadAt?: number;
}

const collectedKey = Symbol('insuralink.sms.collected');

export class SmsAdapter extends BotAdapter {
  constructor(
    private readonly options: {
      outbound: SmsOutbound;
      store: SmsStore;
      /** Where files texted outside any dialog go (the customer's open claim). */
      claimFiles?: SmsClaimFiles;
      now?: () => Date;
    },
  ) {
    super();
  }

  /**
   * Runs one inbound message (or answers "MORE" / a choice number) and sends the replies; `state` is
   * what the conversation held when the message was recorded (`SmsStore.receive`).
   */
  async processInbound(message: InboundSms, logic: TurnLogic, state: ConversationState): Promise<void> {
    const conversation = this.options.outbound.conversationId(message.from, message.to);
    const readAt = message.consentReadAt;
    const typed = message.text.trim();
    if (typed.toUpperCase() === moreWord && state.more.length > 0 && message.attachments.length === 0) {
      const page = pageOf(state.more);
      await this.options.store.saveConversation(conversation, { more: page.more }, this.now());
      await this.deliver(message.from, page.now, readAt);
      return;
    }
    const choice = /^\d{1,2}$/.test(typed) ? state.choices[Number(typed) - 1] : undefined;
    if (state.pending && this.options.claimFiles && message.attachments.length === 0) {
      // Files wait for "which claim": this answer attaches them, anything else lets them go.
      const reply = await this.options.claimFiles.answer(conversation, state.pending, choice?.value ?? typed);
      if (reply) {
        const plan = planMessages([reply], []);
        await this.options.store.saveConversation(conversation, { choices: [], more: plan.more }, this.now());
        await this.deliver(message.from, plan.now, readAt);
        return;
      }
    }
    const activity: Partial<Activity> = {
      type: ActivityTypes.Message,
      id: message.messageSid,
      channelId: smsChannelId,
      serviceUrl: smsChannelId,
      timestamp: this.now(),
      conversation: { id: conversation, isGroup: false, conversationType: 'personal', name: '' },
      from: { id: message.from, name: '', role: 'user' },
      recipient: { id: message.to, name: '', role: 'bot' },
      text: choice ? choice.value : message.text,
      ...(message.attachments.length > 0 ? { attachments: message.attachments } : {}),
    };
    const context = this.turn(activity);
    this.collected(context).loaded = { choices: state.choices, more: state.more };
    this.collected(context).consentReadAt = readAt;
    // The conversation id is a keyed hash already: nothing personal is kept as the client key.
    setClientKey(context, conversation);
    if (message.hint) setIdentityHint(context, message.hint);
    const { claimFiles } = this.options;
    if (claimFiles) {
      setLooseFilesHandler(context, (turn, customer) => {
        this.collected(turn).loose = true;
        return claimFiles.handler(turn, customer);
      });
    }
    await this.runMiddleware(context, logic);
    const collected = this.collected(context);
    if (claimFiles && (state.watch || (message.attachments.length > 0 && !collected.loose))) {
      // Said with the turn's own replies, before the choices they end with.
      const offer = await claimFiles.afterTurn(
        conversation,
        state.watch,
        collected.loose ? [] : message.attachments,
      );
      if (offer) collected.texts.push(offer);
    }
    await this.flush(context);
  }

  override async sendActivities(
    context: TurnContext,
    activities: Partial<Activity>[],
  ): Promise<ResourceResponse[]> {
    const collected = this.collected(context);
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      if (activity.type === delayType) {
        await sleep(typeof activity.value === 'number' ? activity.value : defaultDelayMs);
      } else {
        const reply = renderActivity(activity);
        if (reply) {
          if (reply.text) collected.texts.push(reply.text);
          // A phone shows one list: the latest offer is what numbers mean.
          if (reply.choices.length > 0) collected.choices = reply.choices;
        }
      }
      responses.push({ id: '' });
    }
    return responses;
  }

  override updateActivity(): Promise<void> {
    return Promise.reject(new Error('a sent text message cannot be changed'));
  }

  override deleteActivity(): Promise<void> {
    return Promise.reject(new Error('a sent text message cannot be deleted'));
  }

  /** Proactive turn into an SMS conversation; what `logic` sends goes out when it returns. */
  override async continueConversation(
    reference: Partial<ConversationReference>,
    logic: TurnLogic,
  ): Promise<void> {
    if (!reference.conversation?.id || !reference.user?.id || !reference.bot?.id) {
      throw new Error('continueConversation: an SMS reference needs conversation, user and bot');
    }
    const activity = TurnContext.applyConversationReference(
      { type: ActivityTypes.Event, name: 'ContinueConversation' },
      { ...reference, channelId: smsChannelId },
      true,
    );
    const context = this.turn(activity);
    await this.runMiddleware(context, logic);
    await this.flush(context);
  }

  override async continueConversationAsync(
    _botAppIdOrClaimsIdentity: unknown,
    reference: Partial<ConversationReference>,
    logicOrAudience: TurnLogic | string,
    maybeLogic?: TurnLogic,
  ): Promise<void> {
    const logic = typeof logicOrAudience === 'function' ? logicOrAudience : maybeLogic;
    if (!logic) throw new Error('continueConversationAsync: logic is required');
    await this.continueConversation(reference, logic);
  }

  private turn(activity: Partial<Activity>): TurnContext {
    const context = new TurnContext(this, activity);
    setChannelSource(context, 'sms');
    context.turnState.set(collectedKey, { texts: [], choices: [] } satisfies Collected);
    return context;
  }

  private collected(context: TurnContext): Collected {
    const collected = context.turnState.get(collectedKey) as Collected | undefined;
    if (!collected) throw new Error('not an SMS turn');
    return collected;
  }

  /** Sends what the turn collected and remembers its choices and the rest of a long reply. */
  private async flush(context: TurnContext): Promise<void> {
    const { texts, choices, loaded, consentReadAt } = this.collected(context);
    if (texts.length === 0 && choices.length === 0) return;
    const conversation = context.activity.conversation.id;
    const plan = planMessages(texts, choices);
    // Most replies offer what the last one did (or nothing) and fit: then there is nothing to write.
    const unchanged =
      loaded !== undefined &&
      plan.more.length === 0 &&
      loaded.more.length === 0 &&
      sameChoices(loaded.choices, choices);
    if (!unchanged) {
      await this.options.store.saveConversation(conversation, { choices, more: plan.more }, this.now());
    }
    await this.deliver(context.activity.from.id, plan.now, consentReadAt);
  }

  private async deliver(to: string, messages: string[], consentReadAt: number | undefined): Promise<void> {
    try {
      await this.options.outbound.sendSeries({ to, ...(consentReadAt ? { consentReadAt } : {}) }, messages);
    } catch (error) {
      // An opted-out number gets nothing; that is not a failure of the turn.
      if (!(error instanceof SmsRefusedError)) throw error;
    }
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

function sameChoices(a: Choice[], b: Choice[]): boolean {
  return (
    a.length === b.length &&
    a.every((choice, i) => choice.title === b[i]!.title && choice.value === b[i]!.value)
  );
}

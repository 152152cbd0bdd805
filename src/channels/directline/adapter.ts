/**
 * The botbuilder adapter of the self-hosted Direct Line channel: incoming activities run through the
 * standard middleware pipeline and the bot; what the bot sends is stored (history, watermarks) and pushed
 * to the conversation's open streams. Activities pass through as the bot wrote them, so typing
 * indicators, suggested actions and Adaptive Card attachments reach Web Chat unchanged.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ActivityTypes,
  BotAdapter,
  TurnContext,
  type Activity,
  type ChannelAccount,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import { setChannelSource } from '../../bot/channel-source.js';
import { setClientKey } from '../../bot/client-key.js';
import { asksForSensitiveInput } from '../../bot/sensitive-input.js';
import { activityId, unstoredActivityId, type ConversationStore } from './store.js';

/** The bot logic a turn runs, e.g. `(context) => bot.run(context)`. */
export type TurnLogic = (context: TurnContext) => Promise<void>;

/** The channel id the real service uses; bots and state keys rely on it. */
export const directLineChannelId = 'directline';

/** The pseudo-activity a bot sends to pause between messages; it is never delivered. */
const delayType = 'delay';
/** An invoke's answer: HTTP channels return it in the response; Direct Line 3.0 clients have no use for it. */
const invokeResponseType = 'invokeResponse';
/** A `delay` activity without a value waits this long, as in the Bot Framework adapters. */
const defaultDelayMs = 1000;

/** Runs turns for Direct Line conversations and delivers what the bot sends (see the module comment). */
export class DirectLineAdapter extends BotAdapter {
  /**
   * @param store where bot activities are kept (and published from, in watermark order)
   * @param publishUnstored pushes an activity that is streamed but never stored (typing)
   * @param bot the bot's account, `from` of everything the bot sends
   */
  constructor(
    private readonly store: ConversationStore,
    private readonly publishUnstored: (conversationId: string, activity: Partial<Activity>) => void,
    readonly bot: ChannelAccount,
  ) {
    super();
  }

  /**
   * Runs one incoming activity through the middleware and `logic`; errors go to `onTurnError`.
   * `clientKey` identifies the caller from the connection (see `src/bot/client-key.ts`).
   */
  async processActivity(activity: Partial<Activity>, logic: TurnLogic, clientKey?: string): Promise<void> {
    const context = this.turn(activity);
    if (clientKey) setClientKey(context, clientKey);
    await this.runMiddleware(context, logic);
  }

  override async sendActivities(
    _context: TurnContext,
    activities: Partial<Activity>[],
  ): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      if (activity.type === delayType) {
        await sleep(typeof activity.value === 'number' ? activity.value : defaultDelayMs);
        responses.push({ id: '' });
        continue;
      }
      // Invoke responses answer the caller, and traces (dialog state dumps among them) are for the
      // Emulator only: like Azure's Direct Line, never hand either to a client.
      if (activity.type === invokeResponseType || activity.type === ActivityTypes.Trace) {
        responses.push({ id: '' });
        continue;
      }
      responses.push({ id: await this.deliver(activity) });
    }
    return responses;
  }

  override updateActivity(): Promise<void> {
    return Promise.reject(new Error('Direct Line clients cannot receive updates of sent activities'));
  }

  override deleteActivity(): Promise<void> {
    return Promise.reject(new Error('Direct Line clients cannot receive deletions of sent activities'));
  }

  /** Proactive turn: `logic` gets a context whose sends reach the referenced conversation. */
  override async continueConversation(
    reference: Partial<ConversationReference>,
    logic: TurnLogic,
  ): Promise<void> {
    const conversationId = reference.conversation?.id;
    if (!conversationId || !(await this.store.find(conversationId))) {
      throw new Error('continueConversation: unknown Direct Line conversation');
    }
    const activity = TurnContext.applyConversationReference(
      { type: ActivityTypes.Event, name: 'ContinueConversation' },
      { ...reference, bot: reference.bot ?? this.bot, channelId: directLineChannelId },
      true,
    );
    await this.runMiddleware(this.turn(activity), logic);
  }

  /** Same as {@link continueConversation}; the identity and audience do not apply to this channel. */
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

  /** A turn of this channel: its source is Direct Line, whatever the activity says. */
  private turn(activity: Partial<Activity>): TurnContext {
    const context = new TurnContext(this, activity);
    setChannelSource(context, 'directline');
    return context;
  }

  private async deliver(activity: Partial<Activity>): Promise<string> {
    const conversationId = activity.conversation?.id;
    if (!conversationId) throw new Error('a Direct Line activity needs conversation.id');
    const outgoing: Partial<Activity> = {
      ...activity,
      channelId: directLineChannelId,
      from: activity.from ?? this.bot,
      timestamp: new Date(),
    };
    // The real service streams typing but never keeps it in the history that polling reads.
    if (activity.type === ActivityTypes.Typing) {
      const id = unstoredActivityId(conversationId, 'typing');
      this.publishUnstored(conversationId, { ...outgoing, id });
      return id;
    }
    const build = (seq: number): Partial<Activity> => ({ ...outgoing, id: activityId(conversationId, seq) });
    // An id the bot chose is a delivery key (a notification's): sending it again stores it once, and
    // as it answers nothing, it leaves alone whether the customer's next message is personal input.
    // Other messages say whether the customer's next one answers a prompt for personal input.
    const { activity: stored } = activity.id
      ? await this.store.append(conversationId, build, { by: 'bot', id: activity.id })
      : activity.type === ActivityTypes.Message
        ? await this.store.appendFromBot(conversationId, build, asksForSensitiveInput(activity))
        : await this.store.append(conversationId, build);
    return stored.id ?? '';
  }
}

import { ConversationState, type StoreItem, type TurnContext } from 'botbuilder';
import { channelSourceOf } from './channel-source.js';

/**
 * Conversation state saved with optimistic concurrency. botbuilder's `BotState.saveChanges` always
 * writes with `eTag: '*'`, so of two turns of one conversation running at once (two app instances, say)
 * the later save silently wins. This class saves with the eTag the state was read with instead: the
 * later save fails with the storage's precondition error and the earlier turn's state stands.
 *
 * The storage must hand the new eTag back on the written item (as `MongoStorage` does), so that saving
 * twice in one turn is not taken for a conflict with itself.
 *
 * State is keyed by the turn's channel source (see `channel-source.ts`), never by the activity's own
 * `channelId`: a caller on one channel that names another channel's conversation gets a state of its own.
 * Direct Line keys keep the shape botbuilder gives them (`directline/conversations/<id>/`).
 */
export class ConcurrentConversationState extends ConversationState {
  /** Per turn: the state as last read or saved, to skip saving what did not change. */
  private readonly saved = Symbol('ConcurrentConversationState.saved');

  override getStorageKey(context: TurnContext): string | undefined {
    const conversationId = context.activity.conversation?.id;
    if (!conversationId) throw new Error('missing activity.conversation.id');
    return `${channelSourceOf(context)}/conversations/${conversationId}/`;
  }

  override async load(context: TurnContext, force = false): Promise<StoreItem> {
    const reading = force || this.get(context) === undefined;
    const state = (await super.load(context, force)) as StoreItem;
    if (reading) context.turnState.set(this.saved, snapshot(state));
    return state;
  }

  override async saveChanges(context: TurnContext, force = false): Promise<void> {
    const state = this.get(context) as StoreItem | undefined;
    if (!state) return;
    const current = snapshot(state);
    if (!force && current === context.turnState.get(this.saved)) return;
    const key = await this.storageKey(context);
    await this.storage.write({ [key]: state });
    context.turnState.set(this.saved, current);
  }
}

/** The state's content without its eTag (which every save changes), as JSON: storage holds it as JSON too. */
function snapshot(state: StoreItem): string {
  const { eTag: _eTag, ...content } = state;
  return JSON.stringify(content);
}

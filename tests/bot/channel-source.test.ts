import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryStorage, TestAdapter, type TurnContext } from 'botbuilder';
import {
  channelSourceMiddleware,
  MissingChannelSourceError,
  type ChannelSource,
} from '../../src/bot/channel-source.js';
import { ConcurrentConversationState } from '../../src/bot/state.js';

/** One turn of conversation `conversationId` that claims `channelId`, through an adapter of `source`. */
async function turn(
  state: ConcurrentConversationState,
  source: ChannelSource | undefined,
  channelId: string,
  conversationId: string,
  logic: (context: TurnContext) => Promise<void>,
): Promise<void> {
  const reference = TestAdapter.createConversation(conversationId);
  reference.channelId = channelId;
  const errors: unknown[] = [];
  const adapter = new TestAdapter(async (context) => {
    await logic(context);
    await state.saveChanges(context);
  }, reference);
  adapter.onTurnError = async (_context, error) => {
    errors.push(error);
  };
  if (source) adapter.use(channelSourceMiddleware(source));
  await adapter.send('hi').startTest();
  if (errors.length > 0) throw errors[0];
}

describe('conversation state per channel source', () => {
  test("is keyed by the adapter's source, whatever channelId the activity claims", async () => {
    const storage = new MemoryStorage();
    const state = new ConcurrentConversationState(storage);
    const secret = state.createProperty<string>('secret');
    await turn(state, 'directline', 'directline', 'conv-1', (context) => secret.set(context, 'web customer'));

    let seen: string | undefined = 'unread';
    await turn(state, 'azure', 'directline', 'conv-1', async (context) => {
      seen = await secret.get(context);
      await secret.set(context, 'connector caller');
    });
    assert.equal(seen, undefined, 'a connector turn naming Direct Line reads nothing of its state');

    const stored = await storage.read(['directline/conversations/conv-1/', 'azure/conversations/conv-1/']);
    assert.equal((stored['directline/conversations/conv-1/'] as { secret?: string }).secret, 'web customer');
    assert.equal((stored['azure/conversations/conv-1/'] as { secret?: string }).secret, 'connector caller');

    await turn(state, 'directline', 'msteams', 'conv-1', async (context) => {
      seen = await secret.get(context);
    });
    assert.equal(seen, 'web customer', 'the claimed channelId plays no part');
  });

  test('a turn whose adapter declared no source is refused rather than keyed by its body', async () => {
    const state = new ConcurrentConversationState(new MemoryStorage());
    const property = state.createProperty<string>('anything');
    await assert.rejects(
      turn(state, undefined, 'directline', 'conv-2', async (context) => {
        await property.get(context);
      }),
      MissingChannelSourceError,
    );
  });
});

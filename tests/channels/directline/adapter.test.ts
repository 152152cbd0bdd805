import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ActivityTypes, type Activity, type TurnContext } from 'botbuilder';
import { DirectLineAdapter } from '../../../src/channels/directline/adapter.js';
import { ConversationStore } from '../../../src/channels/directline/store.js';
import { startTestDatabase, type TestDatabase } from '../../support/db.js';
import { referenceTo } from './harness.js';

describe('DirectLineAdapter', () => {
  let db: TestDatabase;
  let store: ConversationStore;
  let adapter: DirectLineAdapter;
  const stored: { conversationId: string; activity: Partial<Activity>; seq: number }[] = [];
  const streamedOnly: Partial<Activity>[] = [];
  const bot = { id: 'insuralink', name: 'InsuraLink', role: 'bot' };

  before(async () => {
    db = await startTestDatabase();
    store = new ConversationStore(db.connection, (conversationId, json, seq) =>
      stored.push({ conversationId, activity: JSON.parse(json) as Partial<Activity>, seq }),
    );
    await store.init();
    adapter = new DirectLineAdapter(store, (_id, activity) => streamedOnly.push(activity), bot);
  });
  after(async () => {
    await db.stop();
  });

  function incoming(conversationId: string, text: string): Partial<Activity> {
    return {
      type: ActivityTypes.Message,
      id: `${conversationId}|from-the-user`,
      channelId: 'directline',
      conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
      from: { id: 'dl_user', name: '', role: 'user' },
      recipient: bot,
      text,
    };
  }

  test('middleware sees the turn; typing is streamed only, delays, traces and invoke responses are never sent', async () => {
    await store.create('conv-a', 'dl_user');
    const seen: string[] = [];
    adapter.use(async (context: TurnContext, next) => {
      seen.push(context.activity.text ?? '');
      await next();
    });
    await adapter.processActivity(incoming('conv-a', 'hi'), async (context) => {
      const ids = await context.sendActivities([
        { type: ActivityTypes.Typing },
        { type: 'delay', value: 5 },
        { type: ActivityTypes.Message, text: 'first' },
        { type: 'invokeResponse', value: { status: 200 } },
        { type: ActivityTypes.Trace, name: 'BotState', value: { dialogStack: ['secret'] } },
        { type: ActivityTypes.Message, text: 'second' },
      ]);
      assert.equal(ids.length, 6);
    });
    assert.deepEqual(seen, ['hi']);
    assert.deepEqual(
      streamedOnly.map((activity) => activity.type),
      ['typing'],
    );
    const replies = stored.filter((entry) => entry.conversationId === 'conv-a');
    assert.deepEqual(
      replies.map(({ activity, seq }) => [
        activity.text,
        seq,
        activity.id,
        activity.replyToId,
        activity.from?.id,
      ]),
      [
        ['first', 1, 'conv-a|0000001', 'conv-a|from-the-user', 'insuralink'],
        ['second', 2, 'conv-a|0000002', 'conv-a|from-the-user', 'insuralink'],
      ],
    );
    const history = await store.since('conv-a', 0);
    assert.deepEqual(
      history.activities.map((activity) => activity.text),
      ['first', 'second'],
    );
    assert.equal(history.watermark, 2);
  });

  test('proactive turns reach known conversations only', async () => {
    await store.create('conv-b', 'dl_user');
    await adapter.continueConversationAsync('app-id', referenceTo('conv-b'), async (context) => {
      await context.sendActivity('Your claim was approved.');
    });
    assert.equal(stored.at(-1)?.activity.text, 'Your claim was approved.');
    assert.equal(stored.at(-1)?.conversationId, 'conv-b');
    await assert.rejects(
      adapter.continueConversation(referenceTo('nope'), async () => {}),
      /unknown Direct Line conversation/,
    );
  });

  test('a client key is stored once; a retry gets the first activity back', async () => {
    await store.create('conv-c', 'dl_user');
    const first = await store.append(
      'conv-c',
      (seq) => ({ type: 'message', text: 'x', id: `conv-c|${seq}` }),
      { by: 'client', id: 'k1' },
    );
    const retry = await store.append(
      'conv-c',
      (seq) => ({ type: 'message', text: 'x', id: `conv-c|${seq}` }),
      { by: 'client', id: 'k1' },
    );
    assert.equal(first.duplicate, false);
    assert.equal(retry.duplicate, true);
    assert.equal(retry.activity.id, first.activity.id);
    assert.equal((await store.since('conv-c', 0)).activities.length, 1);
  });

  test("a bot's delivery key is kept apart from client keys and found again", async () => {
    await store.create('conv-k', 'dl_user');
    const build = (seq: number) => ({ type: 'message', text: 'x', id: `conv-k|${seq}` });
    await store.append('conv-k', build, { by: 'client', id: 'n1' });
    const bot = await store.append('conv-k', build, { by: 'bot', id: 'n1' });
    assert.equal(bot.duplicate, false, 'a client cannot take a delivery key by choosing the same id');
    assert.equal(await store.findByKey('conv-k', { by: 'bot', id: 'n1' }), bot.activity.id);
    assert.equal(await store.findByKey('conv-k', { by: 'bot', id: 'n2' }), undefined);
  });
});

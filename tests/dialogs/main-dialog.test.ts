import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InsuraLinkBot } from '../../src/bot/insuralink-bot.js';
import { startHarness, suggestionsOf, textOf, verifyAsJordan, type Harness } from './harness.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness.stop();
});

describe('MainDialog', () => {
  it('greets a new conversation with the menu', async () => {
    const chat = harness.conversation();
    const replies = await chat.say({
      type: 'conversationUpdate',
      membersAdded: [{ id: 'user1', name: 'User1' }],
    });
    assert.equal(replies.length, 1);
    assert.match(textOf(replies), /InsuraLink assistant/);
    assert.deepEqual(suggestionsOf(replies), [
      'Show my policies',
      'Claim status',
      'File a claim',
      'Benefits',
      'Pay my premium',
      'Ask a question',
      'Talk to a person',
    ]);
  });

  for (const [item, says] of [
    ['Benefits', /Requesting benefits in this chat isn't available yet/],
  ] as const) {
    it(`says plainly what is not available yet and offers a person: ${item}`, async () => {
      const chat = harness.conversation();
      const replies = await chat.say(item);
      assert.match(textOf(replies), says);
      assert.deepEqual(suggestionsOf(replies), ['Talk to a person', 'Show my policies', 'Ask a question']);
      assert.equal(await harness.db.models.supportRequests.countDocuments({ conversationId: chat.id }), 0);
    });
  }

  for (const item of [
    'Claim status',
    'File a claim',
    'where is my claim CLM-000123 at?',
    'my basement flooded',
  ]) {
    it(`takes a claim request to identity verification first: ${item}`, async () => {
      const replies = await harness.conversation().say(item);
      assert.match(textOf(replies), /confirm who you are/);
    });
  }

  it('records one support request per conversation, however often the customer asks', async () => {
    const chat = harness.conversation();
    const first = textOf(await chat.say('Talk to a person'));
    const second = textOf(await chat.say('can I speak to a real person'));
    const reference = /reference is (SR-\d{6})/.exec(first)?.[1];
    assert.ok(reference);
    assert.ok(second.includes(reference));
    assert.equal(await harness.db.models.supportRequests.countDocuments({ conversationId: chat.id }), 1);
    const other = textOf(await harness.conversation().say('Talk to a person'));
    assert.ok(!other.includes(reference));
  });

  it('shows help with the menu', async () => {
    const replies = await harness.conversation().say('help');
    assert.match(textOf(replies), /Here is what I can do/);
    assert.equal(suggestionsOf(replies).length, 7);
  });

  it('invites a question, then answers it from the knowledge base', async () => {
    const chat = harness.conversation();
    assert.match(textOf(await chat.say('Ask a question')), /what would you like to know/);
    assert.match(textOf(await chat.say('what is a deductible')), /A deductible is/);
  });

  it('greets a verified customer by name', async () => {
    const chat = harness.conversation();
    await verifyAsJordan(chat);
    assert.match(textOf(await chat.say('hello')), /^Hi Jordan/);
  });
});

describe('MainDialog with a failing recognizer', () => {
  let bot: InsuraLinkBot;
  before(() => {
    bot = harness.newBot({
      recognizer: {
        recognize: () => Promise.reject(new Error('recognizer unavailable')),
      },
    });
  });

  it('falls back to the local recognizer', async () => {
    const chat = harness.conversation({ bot });
    assert.match(textOf(await chat.say('show my policies please')), /policy number .* or the phone number/);
  });
});

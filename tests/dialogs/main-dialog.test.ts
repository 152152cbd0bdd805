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
      'Manage my policy',
      'Pay my premium',
      'Ask a question',
      'Talk to a person',
    ]);
  });

  it('offers the policy changes under "Manage my policy"', async () => {
    const replies = await harness.conversation().say('Manage my policy');
    assert.deepEqual(suggestionsOf(replies), [
      'Add or remove a dependent',
      'Renew a policy',
      'Upgrade my plan',
      'My requests',
    ]);
  });

  for (const item of [
    'Claim status',
    'File a claim',
    'where is my claim CLM-000123 at?',
    'my basement flooded',
    'Benefits',
    'I need a rental car',
    'status of BEN-000001',
    'Add or remove a dependent',
    'RENEW HOM-300400',
    'Upgrade my plan',
  ]) {
    it(`takes a request about their own affairs to identity verification first: ${item}`, async () => {
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
    assert.equal(suggestionsOf(replies).length, 8);
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

describe('MainDialog small talk, questions about people and signing out', () => {
  const supportRequests = (chat: { id: string }) =>
    harness.db.models.supportRequests.countDocuments({ conversationId: chat.id });

  for (const [message, reply] of [
    ['thanks, bye', /^Goodbye, and take care!/],
    ['thank you!', /^You're welcome!/],
    ['ok', /^OK\./],
    ['how are you?', /^I'm doing well/],
  ] as const) {
    it(`answers small talk briefly, without a handoff offer: ${message}`, async () => {
      const chat = harness.conversation();
      const replies = await chat.say(message);
      assert.match(textOf(replies), reply);
      assert.doesNotMatch(textOf(replies), /reliable answer|person from our team/);
      assert.ok(!suggestionsOf(replies).includes('Yes'));
      assert.equal(await supportRequests(chat), 0);
    });
  }

  it('reminds a signed-in customer saying goodbye that they can log out', async () => {
    const chat = harness.conversation();
    await verifyAsJordan(chat);
    assert.match(textOf(await chat.say('bye')), /say "log out"/);
  });

  it('answers a question about people, and hands off only on a request for one', async () => {
    const chat = harness.conversation();
    for (const question of [
      'what can this chat do, when should I talk to a human?',
      'are you a bot?',
      'is there a person',
    ]) {
      const replies = await chat.say(question);
      assert.match(textOf(replies), /automated chat, not a person/);
      assert.match(textOf(replies), /Talk to one when/);
      assert.ok(suggestionsOf(replies).includes('Talk to a person'));
    }
    assert.equal(await supportRequests(chat), 0);
    assert.match(textOf(await chat.say('can I talk to a human?')), /reference is SR-/);
    assert.equal(await supportRequests(chat), 1);
  });

  it('answers a question about people at a prompt, then asks the question again', async () => {
    const chat = harness.conversation();
    await chat.say('Show my policies');
    const replies = await chat.say('am I talking to a bot?');
    assert.match(textOf(replies), /automated chat/);
    assert.match(textOf(replies.slice(-1)), /policy number/);
    assert.match(textOf(await chat.say('AUT-100200')), /date of birth/);
  });

  for (const words of ['log out', 'sign out', 'forget me']) {
    it(`ends the verification for the conversation and says so: ${words}`, async () => {
      const chat = harness.conversation();
      await verifyAsJordan(chat);
      assert.equal(await harness.domain.conversations.isLinked('directline', chat.id), true);
      const replies = await chat.say(words);
      assert.match(textOf(replies), /You're signed out, Jordan/);
      assert.equal(await harness.domain.conversations.isLinked('directline', chat.id), false);
      // Recorded with the conversation: another instance of the app reading it sees no customer either.
      const other = harness.conversation({ id: chat.id, bot: harness.newBot() });
      assert.match(textOf(await other.say('show my policies')), /confirm who you are/);
    });
  }

  it('signs out in the middle of a dialog', async () => {
    const chat = harness.conversation();
    await verifyAsJordan(chat);
    await harness.db.models.claimDrafts.deleteMany({});
    assert.match(textOf(await chat.say('File a claim')), /Which policy/);
    assert.match(textOf(await chat.say('log me out')), /You're signed out/);
    assert.match(textOf(await chat.say('File a claim')), /confirm who you are/);
  });

  it('says so when nobody is signed in', async () => {
    assert.match(textOf(await harness.conversation().say('log out')), /not signed in here/);
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

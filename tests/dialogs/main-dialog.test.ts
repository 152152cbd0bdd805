import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, suggestionsOf, textOf, type Harness } from './harness.js';

describe('MainDialog', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness.stop();
  });

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
      'Ask a question',
      'Talk to a person',
    ]);
  });
});

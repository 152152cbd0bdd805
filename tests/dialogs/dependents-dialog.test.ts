/**
 * Dependents in conversation: adding a child to a health policy (the date of birth asked as personal
 * input and kept out of the bot's state), the refusal of a child too old for it and of a policy that is
 * not the customer's, and removing a dependent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asksForSensitiveInput } from '../../src/bot/sensitive-input.js';
import {
  startHarness,
  suggestionsOf,
  textOf,
  verifyAsJordan,
  type Conversation,
  type Harness,
} from './harness.js';

describe('DependentsDialog', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness.stop();
  });

  async function verified(): Promise<Conversation> {
    const chat = harness.conversation();
    assert.match(textOf(await verifyAsJordan(chat)), /you're verified/);
    return chat;
  }

  it('adds a child to a health policy as a request for an officer, the date of birth kept out of state', async () => {
    const chat = await verified();
    let replies = await chat.say('I want to add my daughter to my health policy');
    assert.match(textOf(replies), /Which policy is it for\?/);
    replies = await chat.say('HLT-500600');
    assert.match(textOf(replies), /On HLT-500600 now: Casey Rivera \(spouse\), Sam Rivera \(child\)\./);
    assert.match(textOf(replies), /full name/);
    assert.deepEqual(suggestionsOf(await chat.say('Alex Rivera')), ['Spouse', 'Partner', 'Child', 'Other']);
    replies = await chat.say('Child');
    assert.match(textOf(replies), /add Alex Rivera \(child\) to HLT-500600; an officer approves/);
    replies = await chat.say('Yes');
    assert.match(textOf(replies), /date of birth/);
    assert.ok(asksForSensitiveInput(replies.at(-1)!), 'the date of birth is asked as personal input');
    const text = textOf(await chat.say('2011-02-03'));
    const number = /(DEP-\d{6})/.exec(text)?.[1];
    assert.ok(number, text);
    assert.match(text, /It goes to our team because: Dependent changes are decided by an officer\./);
    const request = await harness.domain.requests.getByNumber(number);
    assert.equal(request.dependent?.name, 'Alex Rivera');
    const stored = JSON.stringify(await harness.db.connection.collection('botstate').find().toArray());
    assert.doesNotMatch(stored, /2011-02-03/);
    assert.doesNotMatch(
      JSON.stringify(await harness.db.connection.collection('benefitrequests').findOne({ number })),
      /2011-02-03/,
    );
  });

  it('refuses a child who is 26 or older on a health policy, saying why', async () => {
    const chat = await verified();
    await chat.say('add a dependent');
    await chat.say('HLT-500600');
    await chat.say('Add a dependent');
    await chat.say('Jamie Rivera');
    await chat.say('Child');
    await chat.say('yes');
    const replies = await chat.say('1990-05-05');
    assert.match(
      textOf(replies),
      /I can't send that request: Children can be covered on a health policy until they turn 26; this child is \d+\./,
    );
    assert.deepEqual(suggestionsOf(replies), ['Talk to a person', 'Show my policies']);
  });

  it('refuses a policy that is not theirs', async () => {
    const chat = await verified();
    const replies = await chat.say('add my son to policy HLT-500700');
    assert.match(textOf(replies), /that isn't one/);
  });

  it('removes a dependent the customer picks from the list', async () => {
    const chat = await verified();
    let replies = await chat.say('remove my spouse from my policy');
    replies = await chat.say('AUT-100200');
    assert.match(textOf(replies), /Who should be removed\?/);
    assert.deepEqual(suggestionsOf(replies), ['Casey Rivera']);
    replies = await chat.say('Casey Rivera');
    assert.match(textOf(replies), /remove Casey Rivera from AUT-100200/);
    const text = textOf(await chat.say('yes'));
    const number = /(DEP-\d{6})/.exec(text)?.[1];
    assert.ok(number, text);
    assert.deepEqual((await harness.domain.requests.getByNumber(number)).dependent?.action, 'remove');
  });
});

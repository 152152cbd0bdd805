/**
 * Upgrades in conversation: the other plans of the line at the same insurer with what they add, never a
 * price; the choice filed for an officer; none offered where the insurer has no other plan.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  startHarness,
  suggestionsOf,
  textOf,
  verifyAsJordan,
  type Conversation,
  type Harness,
} from './harness.js';

describe('UpgradeDialog', () => {
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

  it('shows the plans with what they add, without a price, and files the choice for an officer', async () => {
    const chat = await verified();
    let replies = await chat.say('I want to upgrade my auto policy AUT-100200');
    const text = textOf(replies);
    assert.match(text, /Auto Premier: Auto Standard with higher limits/);
    assert.match(text, /Adds or raises: .*New car replacement \(limit \$60,000\)/);
    assert.match(text, /New benefits: Diminished value cover/);
    assert.match(text, /The new premium is set by our team/);
    assert.doesNotMatch(text, /premium (?:of|is) \$/i);
    assert.deepEqual(suggestionsOf(replies), ['Auto Premier', 'Keep my plan']);
    replies = await chat.say('Auto Premier');
    assert.match(textOf(replies), /They will set the new premium/);
    const filed = textOf(await chat.say('yes'));
    const number = /(UPG-\d{6})/.exec(filed)?.[1];
    assert.ok(number, filed);
    assert.match(filed, /An upgrade is priced and decided by an officer/);
    const request = await harness.domain.requests.getByNumber(number);
    assert.equal(request.upgrade?.to.name, 'Auto Premier');
    assert.equal(request.status, 'requested');
  });

  it('says so when the insurer has no other plan of the line', async () => {
    const chat = await verified();
    assert.match(textOf(await chat.say('upgrade HOM-300400')), /no other plan to move HOM-300400 to/);
  });

  it('refuses a policy that is not theirs', async () => {
    const chat = await verified();
    assert.match(textOf(await chat.say('upgrade AUT-100300')), /only upgrade one of your active policies/);
  });
});

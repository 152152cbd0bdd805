/**
 * Renewal in conversation: RENEW from a reminder on a policy in its window, accepted by rule on the same
 * terms; changes go to an officer; too early, and a policy not theirs, are refused with the reason.
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

const dayMs = 86_400_000;

describe('RenewalDialog', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
    // The auto policy is far from its end; the home policy ends in 40 days (the demo data).
    await harness.db.models.policies.updateOne(
      { number: 'AUT-100200' },
      { $set: { endDate: new Date(Date.now() + 200 * dayMs) } },
    );
  });
  after(async () => {
    await harness.stop();
  });

  async function verified(): Promise<Conversation> {
    const chat = harness.conversation();
    assert.match(textOf(await verifyAsJordan(chat)), /you're verified/);
    return chat;
  }

  it('refuses to renew before the window opens, saying when it does', async () => {
    const chat = await verified();
    const text = textOf(await chat.say('RENEW AUT-100200'));
    assert.match(text, /too early to renew AUT-100200: it ends on .*, and renewal opens 60 days before, on /);
  });

  it('refuses a policy that is not theirs', async () => {
    const chat = await verified();
    assert.match(textOf(await chat.say('renew REN-800150')), /only renew one of your own policies/);
  });

  it('asks for changes and sends them to an officer', async () => {
    const chat = await verified();
    let replies = await chat.say('renew my policy');
    assert.match(
      textOf(replies),
      /HOM-300400 \(Home Plus\) ends on .*Would you like to renew it on the same terms, or ask for changes\?/,
    );
    assert.deepEqual(suggestionsOf(replies), ['Renew as it is', 'Ask for changes']);
    replies = await chat.say('Ask for changes');
    assert.match(textOf(replies), /What would you like to change\?/);
    const text = textOf(await chat.say('Raise the personal property limit'));
    const number = /(RNW-\d{6})/.exec(text)?.[1];
    assert.ok(number, text);
    assert.match(text, /Changes to the terms are decided by an officer/);
    const card = await harness.domain.requests.card(number);
    await harness.domain.requests.decide({
      number,
      actor: { type: 'officer', id: 'U0DEMOAVERY', channel: 'slack' },
      shownState: card.state,
      decision: 'deny',
      reason: 'Please call us about the higher limit',
    });
  });

  it('renews on the same terms at once when the policy is in good standing', async () => {
    const before = await harness.db.models.policies.findOne({ number: 'HOM-300400' }).lean();
    const chat = await verified();
    await chat.say('RENEW HOM-300400');
    const text = textOf(await chat.say('Renew as it is'));
    const number = /(RNW-\d{6})/.exec(text)?.[1];
    assert.ok(number, text);
    assert.match(text, /is approved.*HOM-300400 now runs a further term on the same terms/s);
    const after = await harness.db.models.policies.findOne({ number: 'HOM-300400' }).lean();
    assert.equal(after!.startDate.getTime(), before!.endDate.getTime());
  });
});

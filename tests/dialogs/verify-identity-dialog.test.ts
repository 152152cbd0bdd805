import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConversationState, MemoryStorage } from 'botbuilder';
import { DialogTurnStatus } from 'botbuilder-dialogs';
import { DialogTestClient } from 'botbuilder-testing';
import { VerifyIdentityDialog } from '../../dialogs/verify-identity-dialog.js';
import type { VerifiedCustomer } from '../../src/bot/session.js';
import { demoCustomer } from '../../src/db/seed.js';
import { startHarness, suggestionsOf, textOf, type Conversation, type Harness } from './harness.js';
import { channelSourceMiddleware } from '../../src/bot/channel-source.js';
import { asksForSensitiveInput } from '../../src/bot/sensitive-input.js';

const identifierPrompt = /policy number .* or the phone number on your account/;
const dobPrompt = /what is your date of birth/i;
const mismatch = "Sorry, those details don't match our records.";

describe('VerifyIdentityDialog', () => {
  let harness: Harness;
  /** Moves the bot's clock (verification memory) forward. */
  let offsetMs = 0;

  before(async () => {
    harness = await startHarness({ now: () => new Date(Date.now() + offsetMs) });
  });
  after(async () => {
    await harness.stop();
  });

  async function verify(chat: Conversation, identifier: string, dateOfBirth: string): Promise<string> {
    assert.match(textOf(await chat.say('Show my policies')), identifierPrompt);
    assert.match(textOf(await chat.say(identifier)), dobPrompt);
    return textOf(await chat.say(dateOfBirth));
  }

  /** A seeded customer other than Jordan: their id, first policy number, phone and date of birth. */
  async function otherCustomer(index: number) {
    const rows = await harness.db.models.customers
      .find({ phone: { $ne: demoCustomer.phone } })
      .sort({ phone: 1 })
      .limit(index + 1)
      .lean();
    const row = rows[index]!;
    const profile = await harness.domain.customers.getProfile(row._id.toString());
    const groups = await harness.domain.policies.listForCustomer(profile.id);
    return {
      id: profile.id,
      firstName: profile.firstName,
      phone: profile.phone,
      dateOfBirth: profile.dateOfBirth,
      policyNumber: groups[0]!.policies[0]!.number,
    };
  }

  for (const dateOfBirth of ['1988-04-12', '04/12/1988', 'April 12, 1988']) {
    it(`verifies by policy number and a date of birth written as ${dateOfBirth}`, async () => {
      const reply = await verify(harness.conversation(), demoCustomer.policies.auto, dateOfBirth);
      assert.match(reply, /Thank you, Jordan, you're verified/);
      assert.match(reply, /AUT-100200/);
    });
  }

  it('verifies by phone in a national format', async () => {
    const reply = await verify(harness.conversation(), '(555) 555-0123', 'I was born on 12 April 1988');
    assert.match(reply, /you're verified/);
  });

  it('takes the number and the date of birth in one message', async () => {
    const chat = harness.conversation();
    await chat.say('Show my policies');
    assert.match(textOf(await chat.say('my number is 555 555 0123, born 04/12/1988')), /you're verified/);
  });

  it('uses the number and date of birth of the message that starts verification', async () => {
    const chat = harness.conversation();
    const replies = await chat.say('AUT-100200 1988-04-12');
    assert.doesNotMatch(textOf(replies), identifierPrompt);
    assert.match(textOf(replies), /Thank you, Jordan, you're verified/);
    assert.match(JSON.stringify(replies), /AUT-100200/);
  });

  it('takes a number from the opening request and asks only for the date of birth', async () => {
    const chat = harness.conversation();
    assert.match(
      textOf(await chat.say('show my policy HOM 300400')),
      /Along with the number you gave, what is your date of birth/,
    );
    assert.match(textOf(await chat.say('1988/04/12')), /you're verified/);
  });

  it('does not take the date of a claim request for a date of birth', async () => {
    const chat = harness.conversation();
    const reply = textOf(await chat.say('file a claim on AUT-100200, it happened on 2026-01-05'));
    assert.match(reply, /Along with the number you gave, what is your date of birth/);
    // Nothing was tried with the incident date: no failure is counted for the conversation.
    const failures = await harness.db.models.verificationAttempts
      .findById(`conversation:directline:${chat.id}`)
      .lean();
    assert.equal(failures?.failures ?? 0, 0);
    assert.match(textOf(await chat.say('1988-04-12')), /you're verified/);
  });

  it('reads a policy number with a space and a year-first date with slashes', async () => {
    const reply = await verify(harness.conversation(), 'AUT 100200', '1988/04/12');
    assert.match(reply, /you're verified/);
  });

  it('reads numeric dates in the order of the customer locale', async () => {
    const british = harness.conversation({ locale: 'en-GB' });
    assert.match(await verify(british, demoCustomer.policies.auto, '12/04/1988'), /you're verified/);
    const dotted = harness.conversation({ locale: 'de-DE' });
    assert.match(await verify(dotted, demoCustomer.policies.auto, '12.04.1988'), /you're verified/);
  });

  it('asks whether the day or the month came first when the locale does not settle it, naming no date', async () => {
    const chat = harness.conversation({ locale: null });
    await chat.say('Show my policies');
    await chat.say(demoCustomer.policies.auto);
    const question = await chat.say('04/12/1988');
    assert.match(textOf(question), /Did you write the day first .* or the month first/);
    assert.deepEqual(suggestionsOf(question), ['Day first', 'Month first']);
    // The question is personal too: the channel keeps no copy of the answer, and it names no date.
    assert.ok(question.every((reply) => asksForSensitiveInput(reply)));
    assert.doesNotMatch(JSON.stringify(question), /1988|April|December/);
    assert.match(textOf(await chat.say('Month first')), /you're verified/);
  });

  it('asks about a dotted date in a month-first locale, and takes the day-first answer', async () => {
    const chat = harness.conversation({ locale: 'en-US' });
    await chat.say('Show my policies');
    await chat.say(demoCustomer.policies.auto);
    assert.match(textOf(await chat.say('12.04.1988')), /day first .* or the month first/);
    assert.match(textOf(await chat.say('the day comes first')), /you're verified/);
  });

  it('reads the wrong order as a mismatch, like any wrong date of birth', async () => {
    const chat = harness.conversation({ locale: null });
    await chat.say('Show my policies');
    await chat.say(demoCustomer.policies.auto);
    await chat.say('04/12/1988');
    assert.match(textOf(await chat.say('Day first')), new RegExp(mismatch));
  });

  it('keeps asking, without counting a failure, until it gets something that can be a policy number or date', async () => {
    const chat = harness.conversation();
    await chat.say('Show my policies');
    assert.match(textOf(await chat.say('my dog ate it')), /three letters and six digits/);
    await chat.say('aut100200');
    assert.match(textOf(await chat.say('sometime in spring')), /for example 1980-01-31/);
    assert.match(textOf(await chat.say('1988-04-12')), /you're verified/);
  });

  it('answers an unknown policy number exactly as a wrong date of birth', async () => {
    const unknown = await verify(harness.conversation(), 'ZZZ-999999', '1988-04-12');
    const wrongDob = await verify(harness.conversation(), demoCustomer.policies.auto, '1990-01-01');
    assert.ok(unknown.startsWith(mismatch));
    assert.equal(unknown, wrongDob);
    assert.doesNotMatch(unknown, /Jordan|exist|not found|unknown/i);

    // Asked again in the same message, with the offer of a person as a button.
    const chat = harness.conversation();
    await chat.say('Show my policies');
    await chat.say('ZZZ-999998');
    const again = await chat.say('1988-04-12');
    assert.equal(again.length, 1);
    assert.match(textOf(again), identifierPrompt);
    assert.deepEqual(suggestionsOf(again), ['Talk to a person']);
  });

  it('remembers the verification for the conversation, and forgets it after 30 idle minutes', async () => {
    const chat = harness.conversation();
    assert.match(await verify(chat, demoCustomer.policies.home, '1988-04-12'), /verified/);
    assert.match(textOf(await chat.say('Show my policies')), /Here are your policies, Jordan/);
    offsetMs += 31 * 60 * 1000;
    try {
      assert.match(textOf(await chat.say('Show my policies')), identifierPrompt);
    } finally {
      offsetMs = 0;
    }
  });

  it('locks the conversation after three failures and offers a person, without locking the customer out', async () => {
    const other = await otherCustomer(0);
    const chat = harness.conversation({ clientKey: 'address:203.0.113.7' });
    const first = await verify(chat, other.policyNumber, '1901-01-01');
    assert.match(first, /you have 2 more tries/);
    assert.match(textOf(await chat.say(other.policyNumber)), dobPrompt);
    assert.match(textOf(await chat.say('1901-01-02')), /you have 1 more try/);
    assert.match(textOf(await chat.say(other.policyNumber)), dobPrompt);
    const locked = await chat.say('1901-01-03');
    assert.match(textOf(locked), /paused for 15 minutes/);
    assert.ok(suggestionsOf(locked).includes('Talk to a person'));

    // The locked conversation is told at once, without being asked for details again.
    assert.match(textOf(await chat.say('Show my policies')), /paused/);

    // The customer, in their own conversation, is not kept out by someone else's failures.
    const own = harness.conversation({ clientKey: 'address:198.51.100.2' });
    assert.match(await verify(own, other.phone, other.dateOfBirth), /you're verified/);
    assert.equal(await harness.db.models.notifications.countDocuments({ recipient: other.id }), 0);
  });

  it('locks the customer after failures from three clients and tells them by SMS', async () => {
    const other = await otherCustomer(1);
    for (const [i, client] of ['address:203.0.113.1', 'address:203.0.113.2'].entries()) {
      const chat = harness.conversation({ clientKey: client });
      assert.match(await verify(chat, other.policyNumber, `1901-01-0${i + 1}`), /more tr(y|ies)/);
    }
    const third = harness.conversation({ clientKey: 'address:203.0.113.3' });
    assert.match(await verify(third, other.policyNumber, '1901-01-03'), /paused for 15 minutes/);

    const stored = await harness.db.models.verificationAttempts.findById(`customer:${other.id}`).lean();
    assert.ok(stored?.lockedUntil && stored.lockedUntil.getTime() > Date.now());
    // The right details, by phone this time, from a client that never failed: still locked.
    const fresh = await verify(
      harness.conversation({ clientKey: 'address:198.51.100.2' }),
      other.phone,
      other.dateOfBirth,
    );
    assert.match(fresh, /paused for \d+ minutes/);
    assert.doesNotMatch(fresh, /verified|don't match/);

    const outbox = await harness.db.models.notifications.find({ recipient: other.id }).lean();
    assert.deepEqual(
      outbox.map((row) => [row.route, row.template, row.payload]),
      [['sms', 'verification.locked', {}]],
    );
    const audit = await harness.domain.audit.listForRecord('customers', other.id);
    assert.ok(audit.some((entry) => entry.action === 'customer.verification_locked'));
  });

  it('locks a conversation that tries three different identities', async () => {
    const chat = harness.conversation();
    assert.match(await verify(chat, 'QQQ-100001', '1970-01-01'), /2 more tries/);
    await chat.say('QQQ-100002');
    await chat.say('1970-01-01');
    await chat.say('QQQ-100003');
    assert.match(textOf(await chat.say('1970-01-01')), /paused for 15 minutes/);
  });

  it('keeps the number given in conversation state only sealed until the date of birth arrives', async () => {
    const chat = harness.conversation();
    await chat.say('Show my policies');
    assert.match(textOf(await chat.say(demoCustomer.phone)), dobPrompt);
    const state = JSON.stringify(await harness.db.connection.collection('botstate').find().toArray());
    assert.ok(state.includes('sealedIdentifier'));
    assert.ok(!state.includes(demoCustomer.phone.slice(2)), 'no phone in the stored state');
    assert.match(textOf(await chat.say(demoCustomer.dateOfBirth)), /you're verified/);
  });

  it('shows help at a step and carries on where it was', async () => {
    const chat = harness.conversation();
    await chat.say('Show my policies');
    await chat.say(demoCustomer.policies.health);
    const help = textOf(await chat.say('help'));
    assert.match(help, /confirm who you are/);
    assert.match(help, /say "cancel"/);
    assert.match(help, dobPrompt);
    assert.match(textOf(await chat.say('04/12/1988')), /you're verified/);
  });

  it('cancels at a step and returns to the menu', async () => {
    const chat = harness.conversation();
    await chat.say('Show my policies');
    await chat.say(demoCustomer.policies.health);
    const cancelled = await chat.say('start over');
    assert.match(textOf(cancelled), /let's start over/);
    assert.ok(suggestionsOf(cancelled).includes('Show my policies'));
    // The date of birth prompt is gone: the next message is a new request.
    assert.doesNotMatch(textOf(await chat.say('hi')), /verified|date of birth/);
  });

  it('ends with the verified customer as its result, run on its own', async () => {
    const state = new ConversationState(new MemoryStorage());
    const client = new DialogTestClient(
      'test',
      new VerifyIdentityDialog(harness.dialogDependencies(state)),
      undefined,
      [channelSourceMiddleware('directline')],
      state,
    );
    assert.match((await client.sendActivity('hi'))?.text ?? '', identifierPrompt);
    assert.match((await client.sendActivity('HLT-500600'))?.text ?? '', dobPrompt);
    assert.match((await client.sendActivity('April 12 1988'))?.text ?? '', /you're verified/);
    assert.equal(client.dialogTurnResult.status, DialogTurnStatus.complete);
    const customer = client.dialogTurnResult.result as VerifiedCustomer;
    assert.equal(customer.firstName, 'Jordan');
    assert.equal(customer.customerId, (await harness.domain.customers.findByPhone(demoCustomer.phone))?.id);
  });

  it('records a support request when the customer asks for a person at a step', async () => {
    const chat = harness.conversation();
    await chat.say('Show my policies');
    const reply = await chat.say('I want to talk to a human');
    const text = textOf(reply);
    assert.match(text, /join this chat|opened a ticket/);
    const reference = /reference is (SR-\d{6})/.exec(text)?.[1];
    assert.ok(reference);
    const request = await harness.db.models.supportRequests.findOne({ number: reference }).lean();
    assert.equal(request?.conversationId, chat.id);
    // The channel that served the conversation, as its adapter declared it, not the activity's claim.
    assert.equal(request?.channel, 'directline');
    assert.equal(request?.reason, 'customer_request');
    assert.equal(request?.status, 'open');
    // Whoever answers can reply in this very conversation.
    const stored = request?.reference as { channelId?: string; conversation?: { id?: string } } | undefined;
    assert.equal(stored?.channelId, 'test');
    assert.equal(stored?.conversation?.id, chat.id);
    assert.ok(request && request.respondBy.getTime() > Date.now());
    // The dialog ended: a policy number now is a request of its own (verification starts afresh,
    // with the number taken), not an answer to the prompt.
    const afresh = textOf(await chat.say('AUT-100200'));
    assert.match(afresh, /confirm who you are\. Along with the number you gave/);
    assert.doesNotMatch(afresh, /^Thanks\. And what/);
  });
});

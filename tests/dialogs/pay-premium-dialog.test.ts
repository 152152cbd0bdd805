import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { renderActivity } from '../../src/channels/sms/render.js';
import { createStripeCheckout } from '../../src/payments/stripe.js';
import { StripeSandbox } from '../../src/sandbox/stripe/index.js';
import { demoCustomer } from '../../src/db/seed.js';
import { startHarness, suggestionsOf, textOf, type Conversation, type Harness } from './harness.js';

const dayMs = 86_400_000;

/** Starts paying as the demo customer: the request, then verification; resolves with the last turn. */
async function payAsJordan(chat: Conversation, request = 'pay my premium') {
  await chat.say(request);
  await chat.say(demoCustomer.policies.auto);
  return chat.say(demoCustomer.dateOfBirth);
}

describe('PayPremiumDialog without a payment provider', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
  });
  after(() => harness.stop());

  it('verifies first, shows what is due per policy and asks which one to pay', async () => {
    const chat = harness.conversation();
    const first = await chat.say('Pay my premium');
    assert.match(textOf(first), /confirm who you are\. What is your policy number .* or the phone number/);
    const replies = await payAsJordan(harness.conversation());
    const text = textOf(replies);
    assert.match(text, /you're verified/);
    assert.match(text, /AUT-100200 \(Auto[^)]*, Northwind Mutual\): \$142\.50 due /);
    assert.match(text, /HLT-500600 \([^)]*Fabrikam Health\): \$415\.75 due /);
    assert.match(text, /HOM-300400 \([^)]*\): nothing due now; next \$1,680(\.00)? on /);
    assert.deepEqual(suggestionsOf(replies).sort(), ['AUT-100200', 'HLT-500600']);
  });

  it("gives the insurer's own payment instructions with the amount, due date and grace period", async () => {
    const chat = harness.conversation();
    await payAsJordan(chat);
    const text = textOf(await chat.say('AUT-100200'));
    const auto = await harness.db.models.policies.findOne({ number: 'AUT-100200' }).lean();
    const due = auto!.nextDueDate!;
    const words = (date: Date) =>
      date.toLocaleDateString('en-US', { month: 'long', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
    assert.match(text, /The premium of \$142\.50 for AUT-100200 is due on/);
    assert.ok(text.includes(words(due)), text);
    assert.ok(text.includes(`grace period until ${words(new Date(due.getTime() + 30 * dayMs))}`), text);
    assert.match(text, /To pay Northwind Mutual: Pay online at https:\/\/northwind\.example\.com\/pay/);
    assert.doesNotMatch(text, /sandbox\/pay/);
  });

  it('answers "how much do I owe" for a verified customer, and the menu button starts it too', async () => {
    const chat = harness.conversation();
    await payAsJordan(chat);
    const owed = textOf(await chat.say('how much do I owe?'));
    assert.match(owed, /Here is what is due on your policies/);
    assert.match(owed, /\$142\.50 due/);
    const menu = textOf(await chat.say('Pay my premium'));
    assert.match(menu, /Which one would you like to pay\?/);
    // The answer may be written loosely, and anything else is a new request.
    assert.match(textOf(await chat.say('hlt500600')), /The premium of \$415\.75 for HLT-500600 is due on/);
    await chat.say('Pay my premium');
    assert.match(textOf(await chat.say('claim status')), /CLM-000123/);
  });

  it('refuses a policy that is not theirs exactly as one that does not exist', async () => {
    const jordan = await harness.db.models.policies.findOne({ number: 'AUT-100200' }).lean();
    const other = await harness.db.models.policies
      .findOne({ holder: { $ne: jordan!.holder }, status: 'active' })
      .lean();
    assert.ok(other);
    const chat = harness.conversation();
    await payAsJordan(chat);
    const theirs = await chat.say(`pay ${other.number}`);
    const missing = await chat.say('pay ZZZ-999999');
    assert.match(textOf(theirs), /^I couldn't find a policy with that number on your account\./);
    assert.equal(textOf(theirs), textOf(missing));
    assert.doesNotMatch(textOf(theirs), new RegExp(other.number));
    assert.ok(!textOf(theirs).includes(String(other.premium.amount)));
    assert.deepEqual(suggestionsOf(theirs).sort(), [
      'AUT-100200',
      'HLT-500600',
      'HOM-300400',
      'Talk to a person',
    ]);
  });

  it('says when nothing is due, and when the grace period is over', async () => {
    const chat = harness.conversation();
    await payAsJordan(chat);
    const home = textOf(await chat.say('pay HOM-300400'));
    assert.match(home, /^Nothing is due on HOM-300400 yet: the next premium of \$1,680(\.00)? is due on /);

    const health = await harness.db.models.policies.findOne({ number: 'HLT-500600' }).lean();
    try {
      await harness.db.models.policies.updateOne(
        { _id: health!._id },
        { $set: { status: 'lapsed', nextDueDate: new Date(Date.now() - 45 * dayMs) } },
      );
      const lapsed = await chat.say('pay HLT-500600');
      assert.match(textOf(lapsed), /grace period of HLT-500600 ended on .*has lapsed/);
      assert.deepEqual(suggestionsOf(lapsed), ['Talk to a person', 'Show my policies']);

      await harness.db.models.policies.updateOne(
        { _id: health!._id },
        { $set: { status: 'active', nextDueDate: new Date(Date.now() - 10 * dayMs) } },
      );
      const overdue = textOf(await chat.say('pay HLT-500600'));
      assert.match(overdue, /was due on .*cover continues through the grace period, until/);
      assert.match(overdue, /To pay Fabrikam Health:/);
    } finally {
      await harness.db.models.policies.updateOne(
        { _id: health!._id },
        { $set: { status: health!.status, nextDueDate: health!.nextDueDate } },
      );
    }
  });
});

describe('PayPremiumDialog with Stripe (the stand-in)', () => {
  let harness: Harness;
  let sandbox: StripeSandbox;
  before(async () => {
    sandbox = new StripeSandbox({
      pageUrl: () => 'http://insuralink.test',
      webhookUrl: () => 'http://127.0.0.1:9/unused',
      logger: pino({ level: 'silent' }),
    });
    await sandbox.listen();
    harness = await startHarness({
      checkout: createStripeCheckout({
        secretKey: sandbox.secretKey,
        apiBaseUrl: () => sandbox.apiBaseUrl(),
        successUrl: () => 'http://insuralink.test/?payment=success',
        cancelUrl: () => 'http://insuralink.test/?payment=cancelled',
      }),
    });
  });
  after(async () => {
    await harness.stop();
    await sandbox.close();
  });

  it('sends a payment link for the amount due, as text and as a button, and asks for no card details', async () => {
    const chat = harness.conversation();
    const replies = await payAsJordan(chat, 'pay AUT-100200');
    const [session] = sandbox.list();
    assert.ok(session);
    assert.equal(session.amount_total, 14250);
    assert.equal(session.metadata.policyNumber, 'AUT-100200');
    const text = textOf(replies);
    assert.match(text, /The premium of \$142\.50 for AUT-100200 is due on .*grace period until/);
    assert.match(text, /Pay it securely on the payment page; the link is valid until/);
    assert.match(text, /Never type card details in this chat/);
    const card = replies.flatMap((reply) => reply.attachments ?? [])[0];
    assert.equal(card?.contentType, 'application/vnd.microsoft.card.hero');
    const buttons = (card?.content as { buttons: { type: string; title: string; value: string }[] }).buttons;
    assert.deepEqual(buttons, [{ type: 'openUrl', title: 'Pay $142.50', value: session.url }]);
    assert.equal((card?.content as { title: string }).title, 'Premium for AUT-100200: $142.50');
    // On a phone the button is written out as the link.
    const sms = renderActivity(replies.at(-1)!);
    assert.ok(sms?.text.includes(`Pay $142.50: ${session.url}`), sms?.text);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { QuestionAnswer } from '../../dialogs/dependencies.js';
import type { PolicyFacts } from '../../src/knowledge/grounded.js';
import type { InsuraLinkBot } from '../../src/bot/insuralink-bot.js';
import { startHarness, suggestionsOf, textOf, verifyAsJordan, type Harness } from './harness.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness.stop();
});

describe('FaqDialog', () => {
  it('answers with the short form, gives the rest on "more", and stores the feedback', async () => {
    const chat = harness.conversation();
    const question = 'what is a deductible?';
    const answer = await chat.say(question);
    assert.match(textOf(answer), /A deductible is the part of a covered loss you pay yourself/);
    assert.doesNotMatch(textOf(answer), /rule of thumb/);
    assert.deepEqual(suggestionsOf(answer), ['More', 'Yes', 'No']);

    const more = await chat.say('more');
    assert.match(textOf(more), /rule of thumb/);
    assert.doesNotMatch(textOf(more), /A deductible is the part of a covered loss/);
    assert.deepEqual(suggestionsOf(more), ['Yes', 'No']);

    const thanks = await chat.say('yes');
    assert.match(textOf(thanks), /Glad that helped/);
    const stored = await harness.db.models.faqFeedback.find({ conversationId: chat.id }).lean();
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.slug, 'deductible');
    assert.equal(stored[0]?.helpful, true);
    assert.equal(stored[0]?.question, question);
    assert.equal(stored[0]?.channel, 'directline');
  });

  it('stores "not helpful" and records a support request when the customer wants a person', async () => {
    const chat = harness.conversation();
    await chat.say('how does a grace period work');
    const sorry = await chat.say('No');
    assert.match(textOf(sorry), /Would you like a person from our team to follow up/);
    assert.deepEqual(suggestionsOf(sorry), ['Yes', 'No']);
    const handed = textOf(await chat.say('yes please'));
    assert.match(handed, /(join this chat|opened a ticket).*reference is SR-\d{6}/);

    const feedback = await harness.db.models.faqFeedback.findOne({ conversationId: chat.id }).lean();
    assert.equal(feedback?.helpful, false);
    const request = await harness.db.models.supportRequests.findOne({ conversationId: chat.id }).lean();
    assert.equal(request?.reason, 'answer_unhelpful');
    assert.equal(request?.context, `faq:${feedback?.slug}`);
  });

  it('says it does not know an out-of-scope question and offers a person', async () => {
    const chat = harness.conversation();
    const replies = await chat.say('what is the best pizza topping in Naples?');
    assert.match(textOf(replies), /don't have a reliable answer/);
    assert.match(textOf(replies), /Would you like a person from our team to follow up/);
    assert.deepEqual(suggestionsOf(replies), ['Yes', 'No']);
    assert.match(textOf(await chat.say('yes')), /reference is SR-\d{6}/);
    const request = await harness.db.models.supportRequests.findOne({ conversationId: chat.id }).lean();
    assert.equal(request?.reason, 'question_out_of_scope');
    assert.equal(await harness.db.models.faqFeedback.countDocuments({ conversationId: chat.id }), 0);
  });

  it('declining the offer of a person returns to the menu without a request', async () => {
    const chat = harness.conversation();
    await chat.say('what is the best pizza topping in Naples?');
    const replies = await chat.say('no');
    assert.match(textOf(replies), /anything else/);
    assert.ok(suggestionsOf(replies).includes('Talk to a person'));
    assert.equal(await harness.db.models.supportRequests.countDocuments({ conversationId: chat.id }), 0);
  });

  it("puts the verified customer's own coverages beside the article when the question is about their policy", async () => {
    const question = 'does my auto policy cover a rental car?';
    const anonymous = textOf(await harness.conversation().say(question));
    assert.doesNotMatch(anonymous, /Your Auto Standard policy/);
    const chat = harness.conversation();
    await verifyAsJordan(chat);
    const replies = await chat.say(question);
    const text = textOf(replies);
    const policy = await harness.domain.policies.getByNumber('AUT-100200');
    assert.match(text, /Your Auto Standard policy AUT-100200 has: /);
    for (const coverage of policy.coverages)
      assert.ok(text.includes(`${coverage.name} (limit $`), coverage.name);
    assert.deepEqual(suggestionsOf(replies), ['More', 'Yes', 'No']);
  });

  it('treats a new question instead of feedback as a new question', async () => {
    const chat = harness.conversation();
    await chat.say('what is a deductible?');
    const next = await chat.say('what is a grace period?');
    assert.match(textOf(next), /grace period/i);
    assert.deepEqual(suggestionsOf(next).slice(-2), ['Yes', 'No']);
    assert.equal(await harness.db.models.faqFeedback.countDocuments({ conversationId: chat.id }), 0);
  });

  it('hands over to a person from the feedback prompt too', async () => {
    const chat = harness.conversation();
    await chat.say('what is a deductible?');
    assert.match(textOf(await chat.say('agent')), /reference is SR-\d{6}/);
    const request = await harness.db.models.supportRequests.findOne({ conversationId: chat.id }).lean();
    assert.equal(request?.reason, 'customer_request');
  });
});

describe('FaqDialog with a grounded answerer', () => {
  let bot: InsuraLinkBot;
  const asked: { question: string; policy?: PolicyFacts }[] = [];
  before(() => {
    bot = harness.newBot({
      answerer: {
        async answer(question, options): Promise<QuestionAnswer> {
          asked.push({ question, ...(options?.policy ? { policy: options.policy } : {}) });
          return {
            slug: 'deductible',
            title: 'What a deductible is',
            answer: 'You pay the first part of a loss.',
          };
        },
      },
    });
  });

  it('shows the written answer, and the whole article on "more"', async () => {
    const chat = harness.conversation({ bot });
    assert.match(textOf(await chat.say('is a deductible per claim?')), /You pay the first part of a loss/);
    assert.deepEqual(asked.at(-1), { question: 'is a deductible per claim?' });
    const more = textOf(await chat.say('more'));
    assert.match(more, /A deductible is the part of a covered loss/);
    assert.match(more, /rule of thumb/);
  });

  it("gives the answerer the facts of the verified customer's policy the question is about, and only then", async () => {
    const chat = harness.conversation({ bot });
    await verifyAsJordan(chat, 'HOM-300400');

    await chat.say('does my car insurance cover rental cars?');
    const facts = asked.at(-1)?.policy;
    assert.equal(facts?.policyNumber, 'AUT-100200');
    assert.equal(facts?.type, 'auto');
    assert.ok(facts && facts.coverages.length > 0);
    assert.deepEqual(Object.keys(facts).sort(), ['coverages', 'policyNumber', 'status', 'type']);

    // Which of three policies "my policy" means is unclear: no facts rather than the wrong ones.
    await chat.say('is hail damage covered by my policy?');
    assert.equal(asked.at(-1)?.policy, undefined);
  });
});

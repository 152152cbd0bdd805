import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadKnowledgeBase } from '../../src/knowledge/load.js';
import { knowledgeBaseDir } from '../../src/knowledge/paths.js';
import { createKnowledgeSource, KnowledgeIndex } from '../../src/knowledge/retrieval.js';
import type { Article } from '../../src/knowledge/types.js';

let articles: Article[];
let source: KnowledgeIndex;

before(async () => {
  articles = await loadKnowledgeBase(knowledgeBaseDir());
  source = createKnowledgeSource(articles);
});

/** Situations and wordings customers use, with the topic that answers each. */
const inScope: readonly (readonly [string, string])[] = [
  ['my car got towed after an accident, what now?', 'auto-coverage-types'],
  ['my basement flooded last night, am I covered?', 'flood-earthquake'],
  ['water came into my basement after heavy rain, is that covered', 'flood-earthquake'],
  ['someone broke into my apartment and took my laptop', 'renters-insurance'],
  ['I want to quit my policy and get the money back', 'cancel-policy'],
  ['how do I terminate my homeowners contract', 'cancel-policy'],
  ['what happens if I pay my premium two weeks late', 'grace-period'],
  ['my policy lapsed because I forgot to pay, can I get it back?', 'lapse-reinstatement'],
  ['my husband passed away, how do I collect his life insurance', 'life-payout'],
  ['my friend crashed my car while borrowing it', 'other-drivers'],
  ['the other driver had no insurance and hit me', 'uninsured-motorist'],
  ['does my vehicle insurance cover a rental when I travel', 'rental-car'],
  ['the insurer turned down my claim, can I fight it', 'claim-denied-appeal'],
  ['I lost my job, can I keep my health insurance', 'cobra'],
  ['my doctor wants to do surgery, do I need approval first', 'prior-authorization'],
  ['can my wife drive my car under my insurance', 'other-drivers'],
  ['how do I get a copy of my declarations page for the bank', 'proof-of-insurance'],
  ['can I see all my policies from different companies in one place', 'multiple-insurers'],
  ['how do I stop getting text reminders', 'sms-reminders'],
  ['can I talk to a real person please', 'talk-to-human'],
  ['I want to delete all my personal data', 'privacy-data'],
  ['what is a deductable', 'deductible'],
  ['how do I cancle my policy', 'cancel-policy'],
  ['whats the diffrence between term and whole life', 'life-policy-types'],
  ['is my laptop covered if it gets stolen from my apartment', 'renters-insurance'],
  ['i had a baby last week', 'add-dependent'],
  ['a tornado damaged my house', 'homeowners-coverage'],
  ['i backed into a pole with my car', 'auto-coverage-types'],
];

/** Questions no article answers: prices, companies, states, taxes, legal advice, treatments, small talk. */
const outOfScope: readonly string[] = [
  'how much does car insurance cost for a 20 year old',
  'what is the best insurer for home insurance',
  'is State Farm cheaper than Allstate',
  'what are the car insurance laws in Ohio',
  'can I deduct my premiums on my tax return',
  'should I sue the other driver',
  'who won the football game yesterday',
  'recommend a good pizza place',
  'does my plan cover acupuncture for back pain',
  'what is a good recipe for lasagna',
  "what's the weather in paris",
  'what stocks should i buy',
  'is allstate better than geico',
  'how much life insurance do i need',
];

describe('KnowledgeIndex', () => {
  for (const [question, slug] of inScope) {
    it(`answers "${question}" with ${slug}`, () => {
      const answer = source.answer(question);
      assert.equal(answer.slug, slug, JSON.stringify(source.explain(question).signals));
      assert.equal(answer.title, source.article(slug)?.title);
      assert.equal(answer.answer, source.article(slug)?.summary);
      assert.equal(answer.matches[0]?.slug, slug);
      assert.equal(answer.score, answer.matches[0]?.score);
    });
  }

  for (const question of outOfScope) {
    it(`refuses "${question}"`, () => {
      const explanation = source.explain(question);
      assert.equal(explanation.answer.slug, null, JSON.stringify(explanation.signals));
      assert.equal(explanation.answer.title, null);
      assert.equal(explanation.answer.answer, null);
      assert.ok(explanation.refusal !== null && explanation.refusal.length > 0);
    });
  }

  it('refuses a question that names only insurance in general', () => {
    for (const question of ['tell me about insurance', 'what does my policy cover', 'insurance coverage']) {
      const explanation = source.explain(question);
      assert.equal(explanation.answer.slug, null, question);
      assert.match(explanation.refusal ?? '', /insurance in general/);
      assert.ok(explanation.answer.matches.length > 0);
    }
  });

  it('refuses an empty or meaningless question without matches', () => {
    for (const question of ['', '   ', '?!', 'what is it']) {
      const answer = source.answer(question);
      assert.equal(answer.slug, null);
      assert.deepEqual(answer.matches, []);
      assert.equal(answer.score, 0);
    }
  });

  it('ranks candidates best first, within the limit', () => {
    const matches = source.search('how long do I have to report a claim after a storm', 3);
    assert.equal(matches.length, 3);
    assert.equal(matches[0]?.slug, 'claim-deadline');
    const scores = matches.map((match) => match.score);
    assert.deepEqual(
      scores,
      [...scores].sort((a, b) => b - a),
    );
  });

  it('gives access to every article by slug, in slug order', () => {
    const slugs = source.articles().map((article) => article.slug);
    assert.deepEqual(slugs, [...slugs].sort());
    assert.equal(slugs.length, articles.length);
    assert.equal(source.article('deductible')?.slug, 'deductible');
    assert.equal(source.article('no-such-topic'), undefined);
  });

  it('answers a question about taxes only from an article about taxes', () => {
    assert.equal(source.answer('will the death benefit my kids receive be taxed').slug, 'life-payout');
    assert.equal(source.answer('can I write off my car insurance deductible on my taxes').slug, null);
  });
});

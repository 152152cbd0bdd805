import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scopeCues } from '../../src/knowledge/scope.js';
import { synonymGroups } from '../../src/knowledge/synonyms.js';
import { Analyzer, normalize } from '../../src/knowledge/text.js';

const corpus = [
  'Cancelling a policy: you can cancel at any time and get a refund of unused premium.',
  'Flood damage in a flooded basement is excluded from most homeowners policies.',
  'Your vehicle is covered for collision and comprehensive losses; the beneficiary receives the payout.',
];
const analyzer = new Analyzer(corpus);
const same = (a: string, b: string): void =>
  assert.deepEqual(analyzer.terms(a), analyzer.terms(b), `${a} ~ ${b}`);

describe('Analyzer', () => {
  it('drops stop words and conversational fillers', () => {
    assert.deepEqual(analyzer.terms('Can you please tell me what it means?'), []);
  });

  it('stems inflections to one term', () => {
    same('flooded', 'flooding');
    same('cancelled', 'cancelling');
    same('policies', 'policy');
  });

  it('rewrites synonyms to one canonical term, on both sides', () => {
    same('my automobile', 'the car');
    same('vehicle', 'auto');
    same('house', 'homeowners');
    same('quit', 'cancel');
    same('terminate', 'cancellation');
    same('illness', 'sick');
  });

  it('matches phrases, also with small words in between, and keeps product names whole', () => {
    same('pre-existing condition', 'preexisting condition');
    same('my wife passed away', 'spouse death');
    same('I lost my job', 'job loss');
    assert.equal(analyzer.terms('long-term care').length, 1);
    same('long-term care', 'nursing home');
    assert.notDeepEqual(analyzer.terms('Medicare Part A'), analyzer.terms('Medicare Part B'));
  });

  it('corrects misspellings against the articles, but not real words that merely are absent', () => {
    assert.equal(analyzer.correct('cancle'), 'cancel');
    assert.equal(analyzer.correct('basment'), 'basement');
    assert.equal(analyzer.correct('benificiary'), 'beneficiary');
    same('benificiaries', 'beneficiaries');
    assert.equal(analyzer.correct('broker'), 'broker');
    assert.equal(analyzer.correct('arson'), 'arson');
    same('my basment flodded', 'basement flooded');
  });

  it('normalises case, accents, curly apostrophes and possessives', () => {
    assert.equal(normalize('Someone Else\u2019s CAFÉ'), 'someone else cafe');
  });
});

describe('synonym groups', () => {
  it('give every entry one meaning', () => {
    const owner = new Map<string, string>();
    for (const group of synonymGroups) {
      for (const entry of group) {
        const key = normalize(entry);
        assert.equal(owner.get(key) ?? group[0], group[0], `"${entry}" is in two groups`);
        owner.set(key, group[0] ?? '');
      }
    }
  });
});

describe('scopeCues', () => {
  it('flags prices, named companies, states, taxes, legal matters, other products and shopping advice', () => {
    assert.deepEqual(scopeCues('How much would a policy for my truck cost?'), ['price']);
    assert.deepEqual(scopeCues('Is Geico any good for a first car?'), ['company']);
    assert.deepEqual(scopeCues('Rules for uninsured drivers in New Jersey'), ['region']);
    assert.deepEqual(scopeCues('Are my premiums tax deductible?'), ['tax']);
    assert.deepEqual(scopeCues('Should I get a lawyer after the crash?'), ['legal']);
    assert.deepEqual(scopeCues('Can my HSA pay for glasses?'), ['product']);
    assert.deepEqual(scopeCues('Which is the best insurer for renters?'), ['advice']);
    assert.deepEqual(scopeCues('Where can I buy travel cover?'), ['advice']);
    assert.deepEqual(scopeCues('Can you recommend a good agent near me?'), ['advice']);
  });

  it('leaves ordinary insurance questions alone', () => {
    assert.deepEqual(scopeCues('How much coverage do renters usually carry?'), []);
    assert.deepEqual(scopeCues('How much will I pay out of pocket in a year at most?'), []);
    assert.deepEqual(scopeCues('When is the best time to switch plans?'), []);
    assert.deepEqual(scopeCues('My roof leaked after the storm, what should I do?'), []);
    assert.deepEqual(scopeCues('Will the policy pay the cost of a hotel while my house is repaired?'), []);
    assert.deepEqual(scopeCues('My mortgage company needs proof of insurance'), []);
    assert.deepEqual(scopeCues('After my divorce, how do I take my ex off my plan?'), []);
    assert.deepEqual(scopeCues('Where can I find my policy documents?'), []);
    assert.deepEqual(scopeCues('I am moving from Texas to Ohio, how do I update my address?'), []);
    assert.deepEqual(scopeCues('Why is my premium so expensive this year?'), []);
    assert.deepEqual(scopeCues('What do you recommend I do after a crash?'), []);
  });
});

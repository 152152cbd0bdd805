import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { money, policyDetailsView, policyListText } from '../../src/bot/cards.js';
import type { PolicyDetails } from '../../src/domain/policies.js';

const policy: PolicyDetails = {
  id: 'p1',
  number: 'REN-123456',
  lineOfBusiness: 'renters',
  typeName: 'Renters Basic',
  status: 'lapsed',
  premium: { amount: 18.5, currency: 'USD', frequency: 'monthly' },
  startDate: new Date('2026-01-01T00:00:00Z'),
  endDate: new Date('2027-01-01T00:00:00Z'),
  insurer: { id: 'i1', code: 'NWM', name: 'Northwind Mutual' },
  policyType: { id: 't1', code: 'renters-basic', name: 'Renters Basic' },
  holderId: 'c1',
  coverages: [{ name: 'Personal property', limit: 30000, deductible: 500 }],
  dependents: [],
  documents: [],
};

describe('policy cards', () => {
  it('leaves out what a policy does not have, in the card and in the text', () => {
    const { card, text } = policyDetailsView(policy, [], 15);
    assert.equal(card.version, '1.5');
    assert.equal(card.actions, undefined);
    const titles = card.body.filter((element) => element.type === 'TextBlock').map((element) => element.text);
    assert.ok(!titles.includes('Dependents') && !titles.includes('Documents'));
    assert.doesNotMatch(text, /Dependents|Documents|Next due|Claims line/);
    assert.match(text, /^Renters Basic: REN-123456\nInsurer: Northwind Mutual\nStatus: Lapsed\n/);
    assert.match(text, /Premium: \$18\.50 monthly/);
    assert.match(text, /Term: January 1, 2026 to January 1, 2027/);
    assert.match(text, /\n\nCoverages:\n- Personal property: limit \$30,000, deductible \$500$/);
  });

  it('formats amounts in their currency, with cents only when there are some', () => {
    assert.equal(money(1680, 'USD'), '$1,680');
    assert.equal(money(1680.5, 'USD'), '$1,680.50');
    assert.equal(money(99.99, 'EUR'), '€99.99');
  });

  it('lists policies under their insurer', () => {
    const text = policyListText([
      {
        insurer: { id: 'i1', code: 'NWM', name: 'Northwind Mutual' },
        policies: [policy, { ...policy, number: 'REN-654321', status: 'active' }],
      },
      { insurer: { id: 'i2', code: 'CON', name: 'Contoso Insurance' }, policies: [policy] },
    ]);
    assert.equal(
      text,
      'Northwind Mutual\n- REN-123456: Renters Basic (lapsed)\n- REN-654321: Renters Basic (active)\n\n' +
        'Contoso Insurance\n- REN-123456: Renters Basic (lapsed)',
    );
  });
});

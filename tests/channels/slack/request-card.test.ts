/** The service-request card as pure Block Kit: within Slack's limits, customer text escaped, no date of birth. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestCardBlocks } from '../../../src/channels/slack/blocks/request-card.js';
import type { RequestCard } from '../../../src/domain/requests.js';

const at = new Date('2026-06-15T12:00:00Z');

function card(request: Partial<RequestCard['request']>): RequestCard {
  return {
    request: {
      id: 'x',
      number: 'DEP-000007',
      kind: 'dependent',
      title: 'Add Alex Rivera (child)',
      policyNumber: 'HLT-500600',
      customerId: 'c',
      details: '',
      status: 'requested',
      requiresApproval: true,
      rules: [
        { rule: 'policy_status', passed: true, text: 'Policy must be active (it is active)' },
        { rule: 'approval_required', passed: false, text: 'Dependent changes are decided by an officer' },
      ],
      decisions: [{ to: 'requested', actor: { type: 'customer', id: 'c' }, at }],
      createdAt: at,
      updatedAt: at,
      dependent: { action: 'add', name: 'Alex Rivera', relationship: 'child', age: 16 },
      ...request,
    },
    customerName: 'Jordan Rivera',
    policy: {
      number: 'HLT-500600',
      insurer: 'Fabrikam Health',
      typeName: 'Health Choice PPO',
      status: 'active',
      currency: 'USD',
    },
    state: 'requested:1',
  };
}

describe('request card', () => {
  it('shows a dependent by name, relationship and age, and the rule that did not pass first', () => {
    const { text, blocks } = requestCardBlocks(card({}));
    assert.equal(text, 'Dependent change DEP-000007 (Add Alex Rivera (child)): Waiting for a decision');
    const json = JSON.stringify(blocks);
    assert.match(json, /Alex Rivera, child, age 16/);
    assert.ok(json.indexOf('❌ Dependent changes') < json.indexOf('✅ Policy must be active'));
    const actions = blocks.find((block) => block.type === 'actions');
    assert.ok(actions && 'elements' in actions);
    assert.deepEqual(
      actions.elements.map((element) => ('action_id' in element ? element.action_id : '')),
      ['request_approve', 'request_deny', 'request_request_info'],
    );
    assert.deepEqual(JSON.parse(String('value' in actions.elements[0]! ? actions.elements[0].value : '')), {
      n: 'DEP-000007',
      s: 'requested:1',
    });
  });

  it('stays within Slack limits and escapes what the customer wrote, and has no buttons once decided', () => {
    const { blocks } = requestCardBlocks(
      card({
        kind: 'benefit',
        number: 'BEN-000042',
        title: 'Roadside assistance',
        details: `<!channel> ${'x'.repeat(5000)}`,
        benefit: { location: 'A & B <road>' },
        status: 'denied',
        dependent: undefined,
      } as Partial<RequestCard['request']>),
    );
    assert.ok(blocks.length <= 50);
    for (const block of blocks) {
      if (block.type === 'section' && block.text) assert.ok(block.text.text.length <= 3000);
    }
    const json = JSON.stringify(blocks);
    assert.match(json, /&lt;!channel&gt;/);
    assert.match(json, /A &amp; B &lt;road&gt;/);
    assert.ok(!blocks.some((block) => block.type === 'actions'));
  });
});

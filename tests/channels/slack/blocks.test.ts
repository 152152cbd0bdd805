/** The card builder stays within Slack's limits, with 20 attachments and the longest texts a claim takes. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { claimCardBlocks } from '../../../src/channels/slack/blocks/claim-card.js';
import { packLines } from '../../../src/channels/slack/blocks/text.js';
import type { ClaimCard } from '../../../src/domain/approvals.js';
import { blockProblem } from '../../../src/sandbox/slack/workspace.js';

const long = (n: number) => 'x'.repeat(n);

function card(overrides: Partial<ClaimCard['claim']> & Record<string, unknown> = {}): ClaimCard {
  const at = new Date('2026-11-20T10:00:00Z');
  return {
    claim: {
      id: 'c1',
      number: 'CLM-000777',
      policyNumber: 'AUT-100200',
      customerId: 'cust',
      incidentDate: at,
      type: 'water_damage',
      description: `Pipe <burst> & flooded ${long(3990)}`,
      location: long(300),
      amountClaimed: 1234.5,
      currency: 'USD',
      status: 'in_review',
      attachments: Array.from({ length: 20 }, (_, i) => ({
        fileId: `f${i}`,
        name: `${long(250)}-${i}.jpg`,
        contentType: 'image/jpeg',
        size: 1000,
        uploadedAt: at,
      })),
      statusHistory: [],
      messages: [],
      checklist: [],
      riskSignals: [],
      createdAt: at,
      updatedAt: at,
      ...overrides,
    } as ClaimCard['claim'],
    customerName: 'Jordan Rivera',
    policy: {
      number: 'AUT-100200',
      insurer: { id: 'i', code: 'NWM', name: 'Northwind Mutual' },
      policyType: { id: 't', code: 'AUTO', name: 'Auto' },
      coverages: Array.from({ length: 30 }, (_, i) => ({
        name: `${long(200)} ${i}`,
        limit: 10000,
        deductible: 500,
      })),
    },
    approvals: [],
    state: 'in_review:0:-',
  };
}

describe('claim card blocks', () => {
  test('20 attachments and long texts stay within 50 blocks and 3,000 characters a section', () => {
    const { blocks, text } = claimCardBlocks(card(), {
      fileUrl: (id) => `https://example.test/files/${id}?sig=${long(100)}`,
    });
    assert.ok(blocks.length <= 50, `${blocks.length} blocks`);
    assert.equal(blockProblem(blocks), undefined);
    const all = JSON.stringify(blocks);
    for (let i = 0; i < 20; i++) assert.ok(all.includes(`/files/f${i}?`), `attachment ${i} is linked`);
    assert.match(all, /Pipe &lt;burst&gt; &amp; flooded/, 'customer text is escaped');
    assert.match(text, /CLM-000777/);
  });

  test('the claim’s checklist and risk signals show on the card', () => {
    const plain = JSON.stringify(claimCardBlocks(card(), { fileUrl: (id) => id }).blocks);
    assert.match(plain, /Risk signals\*\\nNone found\./);
    const rich = JSON.stringify(
      claimCardBlocks(
        card({
          checklist: [
            { code: 'police_report', label: 'Police report', satisfied: false },
            { code: 'photos', label: 'Photos', satisfied: true },
          ],
          riskSignals: [
            { code: 'early_claim', message: 'The claim was filed two days after the policy started.' },
            { code: 'photo_before_incident', message: 'Photos were taken before the incident date.' },
          ],
        }),
        { fileUrl: (id) => id },
      ).blocks,
    );
    assert.match(rich, /⬜ Police report/);
    assert.match(rich, /✅ Photos/);
    assert.match(rich, /two days after the policy started/);
    assert.match(rich, /taken before the incident date/);
  });

  test('a decided claim has no buttons; a pending approval asks a supervisor', () => {
    const decided = claimCardBlocks(card({ status: 'approved' }), { fileUrl: (id) => id }).blocks;
    assert.ok(!decided.some((block) => block.type === 'actions'));
    const pending = card();
    pending.approvals = [
      {
        decision: 'approve',
        officer: { slackUserId: 'U1', name: 'Avery Chen' },
        amount: 1000,
        at: new Date(),
      },
    ];
    const blocks = JSON.stringify(claimCardBlocks(pending, { fileUrl: (id) => id }).blocks);
    assert.match(blocks, /a supervisor must confirm/);
    assert.match(blocks, /Approve \(supervisor\)/);
  });

  test('packLines never makes a text over the limit', () => {
    const texts = packLines([long(5000), 'a', long(2999), 'b'], 3000);
    assert.ok(texts.every((entry) => entry.length <= 3000));
    assert.equal(texts.length, 4);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { photoWithExif } from '../../src/cli/bench/jpeg.js';
import { demoCustomer, demoOfficers } from '../../src/db/seed.js';
import type { Actor, ClaimView } from '../../src/domain/index.js';
import {
  startHarness,
  suggestionsOf,
  textOf,
  verifyAsJordan,
  type Conversation,
  type Harness,
} from './harness.js';

const officer: Actor = { type: 'officer', id: demoOfficers[1].slackUserId, channel: 'slack' };

describe('ClaimStatusDialog', () => {
  let harness: Harness;
  let jordanId: string;
  before(async () => {
    harness = await startHarness();
    jordanId = (await harness.domain.customers.findByPhone(demoCustomer.phone))!.id;
  });
  after(async () => {
    await harness.stop();
  });

  async function verified(): Promise<Conversation> {
    const chat = harness.conversation();
    assert.match(textOf(await verifyAsJordan(chat)), /you're verified/);
    return chat;
  }

  async function fileTheft(): Promise<ClaimView> {
    return harness.domain.claims.file(
      {
        customerId: jordanId,
        policyNumber: demoCustomer.policies.auto,
        incidentDate: new Date(Date.now() - 2 * 86_400_000),
        type: 'theft',
        description: 'Laptop stolen from the car',
        amountClaimed: 1200,
      },
      { type: 'customer', id: jordanId, channel: 'directline' },
    );
  }

  it('shows one claim with its timeline, the missing documents and the next step', async () => {
    const claim = await fileTheft();
    const chat = await verified();
    const replies = await chat.say(`status of ${claim.number}`);
    const text = textOf(replies);
    assert.match(
      text,
      new RegExp(`Claim ${claim.number} on AUT-100200: theft, \\$1,200\\. Status: in review\\.`),
    );
    assert.match(text, /Timeline:\n- .*: filed\n- .*: in review/);
    assert.match(text, /Documents still needed: The police report\./);
    assert.match(text, /Next: A claims officer is reviewing it/);
    assert.deepEqual(suggestionsOf(replies), ['Add documents', 'Withdraw the claim', 'Talk to a person']);
  });

  it('lists the claims when there are several, and answers a claim of someone else as one that does not exist', async () => {
    const chat = await verified();
    let replies = await chat.say('where is my claim');
    assert.match(textOf(replies), /Here are your claims:/);
    assert.ok(suggestionsOf(replies).includes('CLM-000123'));
    replies = await chat.say('CLM-000123');
    assert.match(textOf(replies), /Claim CLM-000123 on AUT-100200: collision/);

    const someoneElses = await harness.db.models.claims.findOne({ customer: { $ne: jordanId } }).lean();
    const other = textOf(await (await verified()).say(`status of ${someoneElses!.number}`));
    const missing = textOf(await (await verified()).say('status of CLM-999999'));
    assert.match(other, /I couldn't find a claim with that number on your account/);
    assert.equal(other, missing);
  });

  it('withdraws a claim no officer has looked at yet', async () => {
    const claim = await fileTheft();
    const chat = await verified();
    await chat.say(`status of ${claim.number}`);
    let replies = await chat.say('Withdraw the claim');
    assert.match(textOf(replies), /Withdraw claim .*\? It will be closed/);
    replies = await chat.say('yes');
    assert.match(textOf(replies), new RegExp(`Claim ${claim.number} is withdrawn`));
    assert.equal((await harness.domain.claims.getByNumber(claim.number)).status, 'closed');
  });

  it('does not offer withdrawal once an officer is on it', async () => {
    const claim = await fileTheft();
    await harness.domain.claims.assign(claim.number, demoOfficers[0].slackUserId, officer);
    const replies = await (await verified()).say(`status of ${claim.number}`);
    assert.ok(!suggestionsOf(replies).includes('Withdraw the claim'));
    await assert.rejects(harness.domain.claims.withdraw(claim.number, { type: 'customer', id: jordanId }));
  });

  it("answers an officer's request for information with text and a file, back to review", async () => {
    const claim = await fileTheft();
    await harness.domain.claims.transition(
      claim.number,
      'info_requested',
      officer,
      'Which laptop model was it?',
    );
    await harness.domain.claims.addMessage(claim.number, 'Which laptop model was it?', officer);
    const chat = await verified();
    let replies = await chat.say(`status of ${claim.number}`);
    assert.match(textOf(replies), /The claims officer asks: "Which laptop model was it\?"/);
    assert.equal(suggestionsOf(replies)[0], 'Answer the question');
    await chat.say('Answer the question');
    const stored = await harness.files.save({ name: 'receipt.jpg', data: photoWithExif({ variant: 40 }) });
    replies = await chat.say({
      type: 'message',
      text: 'A 2023 ThinkPad X1; receipt attached',
      attachments: [
        { contentType: 'image/jpeg', contentUrl: harness.files.signedUrl(stored.id), name: 'receipt.jpg' },
      ],
    });
    // The police report is still wanted, and a photo could be a photographed report: the bot asks.
    assert.match(textOf(replies), /What is receipt\.jpg\?/);
    assert.deepEqual(suggestionsOf(replies), ['The police report', 'Something else']);
    replies = await chat.say('Something else');
    assert.match(textOf(replies), /back in review/);
    const after = await harness.domain.claims.getByNumber(claim.number);
    assert.equal(after.status, 'in_review');
    assert.equal(after.messages.at(-1)?.text, 'A 2023 ThinkPad X1; receipt attached');
    assert.equal(after.attachments.at(-1)?.fileId, stored.id);
    assert.equal(after.attachments.at(-1)?.checklistItem, 'other');
    assert.equal(after.checklist[0]?.satisfied, false);
  });

  it('adds documents to an open claim and ticks them off the checklist', async () => {
    const claim = await fileTheft();
    const chat = await verified();
    await chat.say(`status of ${claim.number}`);
    await chat.say('Add documents');
    const report = await harness.files.save({
      name: 'police-report.pdf',
      data: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'),
    });
    const replies = await chat.say({
      type: 'message',
      attachments: [
        {
          contentType: 'application/pdf',
          contentUrl: harness.files.signedUrl(report.id),
          name: 'police-report.pdf',
        },
      ],
    });
    assert.match(textOf(replies), /Added 1 file .*Every required document is in/);
    const after = await harness.domain.claims.getByNumber(claim.number);
    assert.deepEqual(
      after.checklist.map((item) => item.satisfied),
      [true],
    );
  });

  it('asks what an added document is when several are still wanted', async () => {
    const claim = await harness.domain.claims.file(
      {
        customerId: jordanId,
        policyNumber: demoCustomer.policies.health,
        incidentDate: new Date(Date.now() - 5 * 86_400_000),
        type: 'hospital_stay',
        description: 'Two nights after knee surgery',
        amountClaimed: 8200,
        details: { provider: "St. David's Medical Center" },
      },
      { type: 'customer', id: jordanId, channel: 'directline' },
    );
    const chat = await verified();
    await chat.say(`status of ${claim.number}`);
    await chat.say('Add documents');
    const scan = await harness.files.save({
      name: 'scan-7.pdf',
      data: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n% scan 7\n'),
    });
    let replies = await chat.say({
      type: 'message',
      attachments: [
        { contentType: 'application/pdf', contentUrl: harness.files.signedUrl(scan.id), name: 'scan-7.pdf' },
      ],
    });
    assert.match(textOf(replies), /What is scan-7\.pdf\?/);
    assert.deepEqual(suggestionsOf(replies), [
      'The itemised bill',
      'The discharge summary',
      'Something else',
    ]);
    replies = await chat.say('The itemised bill');
    assert.match(textOf(replies), /Added 1 file to CLM-\d{6}\. Still needed: The discharge summary\./);
    const after = await harness.domain.claims.getByNumber(claim.number);
    assert.equal(after.attachments[0]?.checklistItem, 'itemised_bill');
  });
});

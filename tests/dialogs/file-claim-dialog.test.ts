import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Activity } from 'botbuilder';
import { photoWithExif } from '../../src/cli/bench/jpeg.js';
import type { LineOfBusiness } from '../../src/db/models/index.js';
import {
  startHarness,
  suggestionsOf,
  textOf,
  verifyAsJordan,
  type Conversation,
  type Harness,
} from './harness.js';
import { tinyPdf } from '../support/samples.js';

describe('FileClaimDialog', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness.stop();
  });

  /** A conversation verified as Jordan, with no claim left half-filed unless `keepDraft`. */
  async function verified(keepDraft = false): Promise<Conversation> {
    if (!keepDraft) await harness.db.models.claimDrafts.deleteMany({});
    const chat = harness.conversation();
    assert.match(textOf(await verifyAsJordan(chat)), /you're verified/);
    return chat;
  }

  async function photo(name: string, variant: number): Promise<Partial<Activity>> {
    const stored = await harness.files.save({
      name,
      data: photoWithExif({ capturedAt: new Date(), variant, make: 'Apple', model: 'iPhone 13' }),
    });
    return {
      type: 'message',
      attachments: [
        { contentType: stored.contentType, contentUrl: harness.files.signedUrl(stored.id), name },
      ],
    };
  }

  it('files an auto collision from a free-text account, with the coverage in plain terms', async () => {
    const chat = await verified();
    let replies = await chat.say('File a claim');
    assert.match(textOf(replies), /Which policy/);
    assert.deepEqual(suggestionsOf(replies).sort(), ['AUT-100200', 'HLT-500600', 'HOM-300400']);
    replies = await chat.say('AUT-100200');
    assert.match(textOf(replies), /What happened to the car/);
    assert.ok(suggestionsOf(replies).includes('Broken or cracked glass'));
    replies = await chat.say('someone hit my car in a parking lot');
    assert.match(textOf(replies), /collision with another vehicle or an object. Is that right/);
    replies = await chat.say('yes');
    assert.match(textOf(replies), /When did it happen/);
    replies = await chat.say('yesterday');
    assert.match(textOf(replies), /what time/);
    replies = await chat.say('around 3:30 pm');
    assert.match(textOf(replies), /Where did it happen/);
    replies = await chat.say('Congress Ave & 6th St, Austin');
    // The account given at the start is the description, so it is not asked again.
    assert.match(textOf(replies), /police/);
    replies = await chat.say('no');
    assert.match(textOf(replies), /anyone else involved/);
    replies = await chat.say('Sam Lee, Acme Insurance, plate ABC123');
    assert.match(textOf(replies), /anyone hurt/);
    replies = await chat.say('no');
    assert.match(textOf(replies), /how much is the repair/);
    replies = await chat.say('$2,400');
    assert.match(
      textOf(replies),
      /Your Collision coverage has a \$500 deductible, so on a \$2,400 repair you would receive up to \$1,900\./,
    );
    assert.match(textOf(replies), /Still needed: Photos of the damage/);
    replies = await chat.say(await photo('dent.jpg', 1));
    assert.match(textOf(replies), /1 file so far/);
    assert.doesNotMatch(textOf(replies), /Still needed/);
    replies = await chat.say('done');
    const card = replies.flatMap((reply) => reply.attachments ?? [])[0];
    assert.equal(card?.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.match(textOf(replies), /Amount: \$2,400/);
    assert.match(textOf(replies), /Coverage: Collision: limit \$35,000, deductible \$500/);
    assert.deepEqual(suggestionsOf(replies), ['Submit', 'Change']);
    replies = await chat.say('Submit');
    const text = textOf(replies);
    const number = /claim (CLM-\d{6}) is filed/.exec(text)?.[1];
    assert.ok(number, text);
    assert.match(text, /claims officer will review it/);
    const jordan = await harness.domain.customers.findByPhone('+15555550123');
    const claim = await harness.domain.claims.getForCustomer(jordan!.id, number);
    assert.equal(claim.type, 'collision');
    assert.equal(claim.status, 'in_review');
    assert.equal(claim.details.incidentTime, '15:30');
    assert.equal(claim.attachments[0]?.checklistItem, 'photos');
    assert.equal(claim.attachments[0]?.evidence?.camera, 'Apple iPhone 13');
    assert.ok(claim.checklist.every((item) => item.satisfied));
  });

  /** Today and n days ago, in words the bot reads. */
  function daysAgo(days: number): string {
    return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
  }

  it('files nothing on a policy cancelled between the review and Submit, and says why', async () => {
    const chat = await verified();
    await chat.say('File a claim on AUT-100200');
    await chat.say('Broken or cracked glass');
    for (const answer of [
      daysAgo(2),
      'not sure',
      'I-35 near Round Rock',
      'A stone cracked it',
      'no',
      'no',
      'no',
    ])
      await chat.say(answer);
    await chat.say('420');
    let replies = await chat.say('done');
    assert.deepEqual(suggestionsOf(replies), ['Submit', 'Change']);
    const claimsBefore = await harness.db.models.claims.countDocuments();
    const policies = harness.db.models.policies;
    await policies.updateOne({ number: 'AUT-100200' }, { $set: { status: 'cancelled' } });
    try {
      replies = await chat.say('Submit');
    } finally {
      await policies.updateOne({ number: 'AUT-100200' }, { $set: { status: 'active' } });
    }
    assert.match(textOf(replies), /AUT-100200 is no longer active, so I can't file a claim on it here/);
    assert.ok(suggestionsOf(replies).includes('Talk to a person'), suggestionsOf(replies).join());
    assert.equal(await harness.db.models.claims.countDocuments(), claimsBefore);
  });

  it('approves a small glass claim at once, with the payout after the deductible', async () => {
    const chat = await verified();
    // A customer with no other claim this year: a third claim in twelve months is a risk signal.
    const jordan = await harness.domain.customers.findByPhone('+15555550123');
    await harness.db.models.claims.deleteMany({ customer: jordan!.id });
    await chat.say('File a claim on AUT-100200');
    let replies = await chat.say('Broken or cracked glass');
    assert.match(textOf(replies), /When did it happen/);
    await chat.say(daysAgo(2));
    await chat.say('not sure');
    await chat.say('I-35 near Round Rock');
    await chat.say('A stone cracked the windshield');
    await chat.say('no');
    await chat.say('no');
    await chat.say('no');
    replies = await chat.say('420');
    assert.match(
      textOf(replies),
      /Comprehensive coverage has a \$250 deductible|Comprehensive coverage has a \$\d+ deductible/,
    );
    await chat.say(await photo('windshield.jpg', 2));
    await chat.say('done');
    replies = await chat.say('Submit');
    const filed = /(CLM-\d{6})/.exec(textOf(replies))![1]!;
    assert.deepEqual((await harness.domain.claims.getByNumber(filed)).riskSignals, []);
    assert.match(
      textOf(replies),
      /Approved: \$\d+ after your \$\d+ deductible; payment within 3 business days\./,
      textOf(replies),
    );
    const number = /(CLM-\d{6})/.exec(textOf(replies))![1]!;
    const claim = await harness.domain.claims.getByNumber(number);
    assert.equal(claim.status, 'approved');
    assert.equal(claim.decision?.rule, 'instant-decision-v1');
    assert.equal(claim.statusHistory.at(-1)?.actor.id, 'claims-triage');
    const audit = await harness.domain.audit.listForRecord('claims', claim.id);
    assert.match(String(audit.at(-1)?.details.reason), /instant-decision-v1/);
  });

  it('maps "my basement flooded" to water damage on the home policy, in the words of the line', async () => {
    const chat = await verified();
    let replies = await chat.say('my basement flooded');
    assert.match(textOf(replies), /Which policy/);
    // Named by what it is, not only by its button.
    replies = await chat.say('the home one');
    assert.match(textOf(replies), /water damage from a leak or burst pipe. Is that right/);
    replies = await chat.say('yes');
    assert.match(textOf(replies), /When did it happen/);
  });

  it('asks health claims for the date of service and the provider', async () => {
    const chat = await verified();
    await chat.say('File a claim on HLT-500600');
    let replies = await chat.say('A bill you paid for care');
    assert.match(textOf(replies), /date of service/);
    replies = await chat.say(daysAgo(3));
    assert.match(textOf(replies), /what happened/i);
    replies = await chat.say('Physio session for my knee');
    assert.match(textOf(replies), /Which doctor, clinic or hospital/);
    replies = await chat.say('Austin Physio Clinic');
    assert.match(textOf(replies), /how much is the bill/);
  });

  it('refuses a future date, one before the policy started and one after it ended, each with the reason', async () => {
    const chat = await verified();
    await chat.say('File a claim on AUT-100200');
    await chat.say('Vandalism');
    const future = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    let replies = await chat.say(future);
    assert.match(textOf(replies), /is in the future/);
    replies = await chat.say('2001-01-01');
    assert.match(
      textOf(replies),
      /Your policy AUT-100200 started on .*, so it does not cover something that happened on January 1, 2001/,
    );
    replies = await chat.say('yesterday');
    assert.match(textOf(replies), /what time/);
    const jordan = await harness.domain.customers.findByPhone('+15555550123');
    const [policy] = (await harness.domain.claims.claimablePolicies(jordan!.id)).filter(
      (option) => option.number === 'AUT-100200',
    );
    const { dateProblem } = await import('../../dialogs/file-claim-dialog.js');
    const ended = { ...policy!, endDate: new Date(Date.now() - 10 * 86_400_000) };
    assert.match(dateProblem(daysAgo(2), ended, new Date())!, /ended on .*, before/);
  });

  it('asks which day an ambiguous incident date is when the locale does not say, and takes the month', async () => {
    await harness.db.models.claimDrafts.deleteMany({});
    const chat = harness.conversation({ locale: null });
    assert.match(textOf(await verifyAsJordan(chat)), /you're verified/);
    await chat.say('File a claim on AUT-100200');
    assert.match(textOf(await chat.say('Vandalism')), /When did it happen/);
    // A recent day whose day and month could be swapped.
    const swappable = (days: number) => {
      const day = new Date(Date.now() - days * 86_400_000);
      return day.getUTCDate() <= 12 && day.getUTCDate() !== day.getUTCMonth() + 1;
    };
    let back = 1;
    while (!swappable(back)) back += 1;
    const iso = daysAgo(back);
    const [year, mm, dd] = iso.split('-');
    let replies = await chat.say(`${mm}/${dd}/${year}`);
    assert.match(textOf(replies), /^Did you mean \d{1,2} \w+ \d{4} or \d{1,2} \w+ \d{4}\?$/);
    assert.equal(suggestionsOf(replies).length, 2);
    const monthName = new Date(`${iso}T00:00:00Z`).toLocaleString('en-US', {
      month: 'long',
      timeZone: 'UTC',
    });
    replies = await chat.say(monthName);
    assert.match(textOf(replies), /what time/);
    const jordan = await harness.domain.customers.findByPhone('+15555550123');
    const draft = await harness.domain.claimDrafts.get(jordan!.id);
    assert.equal(draft?.answers.incidentDate, iso);
  });

  it('says plainly when the policy does not cover the type, and still files it', async () => {
    await harness.db.models.policies.updateOne(
      { number: 'HOM-300400' },
      { $pull: { coverages: { name: 'Dwelling' } } },
    );
    const chat = await verified();
    await chat.say('File a claim on HOM-300400');
    await chat.say('Fire or smoke damage');
    await chat.say(daysAgo(1));
    await chat.say('12 Oak Street, Austin');
    await chat.say('A pan caught fire in the kitchen');
    const replies = await chat.say('$3,000');
    assert.match(
      textOf(replies),
      /doesn't include Dwelling coverage, which is what pays for fire or smoke damage/,
    );
    const review = await chat.say('done');
    assert.match(textOf(review), /Coverage: none for fire or smoke damage on this policy/);
    const filed = await chat.say('Submit');
    const number = /(CLM-\d{6})/.exec(textOf(filed))![1]!;
    const claim = await harness.domain.claims.getByNumber(number);
    assert.deepEqual(claim.coverage, { applies: false, name: 'Dwelling' });
    assert.equal(claim.status, 'in_review');
  });

  it('keeps a half-filed claim as a draft and resumes it in a later conversation', async () => {
    const first = await verified();
    await first.say('File a claim on AUT-100200');
    await first.say('Theft of the car or from it');
    await first.say(daysAgo(1));
    const later = await verified(true);
    let replies = await later.say('File a claim');
    assert.match(
      textOf(replies),
      /You started a claim earlier today on AUT-100200 \(theft of the car or from it\)/,
    );
    assert.deepEqual(suggestionsOf(replies), ['Continue', 'Start a new claim']);
    replies = await later.say('Continue');
    // Date is known; the next open question is the time.
    assert.match(textOf(replies), /pick up where you left off/);
    assert.match(textOf(replies), /what time/);
    const again = await verified(true);
    await again.say('File a claim');
    replies = await again.say('Start a new claim');
    assert.match(textOf(replies), /Which policy/);
  });

  /** A demo customer's claimable policy of `line`, and a conversation verified as its holder. */
  async function verifiedOn(
    line: LineOfBusiness,
  ): Promise<{ chat: Conversation; number: string; holder: string }> {
    await harness.db.models.claimDrafts.deleteMany({});
    const type = await harness.db.models.policyTypes.findOne({ lineOfBusiness: line }).lean();
    const active = { policyType: type!._id, status: 'active' as const };
    // Demo trips mostly lie ahead: one is moved to have started, as a claim needs.
    if (!(await harness.db.models.policies.exists({ ...active, startDate: { $lte: new Date() } }))) {
      await harness.db.models.policies.updateOne(active, {
        $set: { startDate: new Date(Date.now() - 3 * 86_400_000) },
      });
    }
    const policy = await harness.db.models.policies
      .findOne({ ...active, startDate: { $lte: new Date() } })
      .sort({ number: 1 })
      .lean();
    assert.ok(policy, `a current ${line} policy in the demo data`);
    const holder = await harness.db.models.customers.findById(policy.holder).lean();
    const chat = harness.conversation();
    await chat.say('Show my policies');
    await chat.say(policy.number);
    const replies = await chat.say(harness.db.cipher.decrypt(holder!.dateOfBirthEncrypted));
    assert.match(textOf(replies), /you're verified/);
    return { chat, number: policy.number, holder: String(policy.holder) };
  }

  for (const [line, question, types, dateQuestion] of [
    [
      'auto',
      /What happened to the car\?/,
      ['collision', 'glass', 'theft', 'vandalism', 'weather'],
      /When did it happen/,
    ],
    [
      'home',
      /What happened to your home\?/,
      ['water_damage', 'fire', 'theft', 'storm'],
      /When did it happen/,
    ],
    ['health', /What is the claim for\?/, ['reimbursement', 'hospital_stay'], /date of service/],
    ['life', /I am sorry for your loss\. What is the claim for\?/, ['death_benefit'], /date of death/],
    [
      'renters',
      /What happened to your belongings\?/,
      ['theft', 'water_damage', 'fire'],
      /When did it happen/,
    ],
    [
      'travel',
      /What happened on your trip\?/,
      ['trip_cancellation', 'baggage', 'medical_abroad'],
      /On what date/,
    ],
  ] as const) {
    it(`asks what happened in the words of ${line} policies, with the claim types of the policy type`, async () => {
      const { chat, number } = await verifiedOn(line);
      let replies = await chat.say(`File a claim on ${number}`);
      assert.match(textOf(replies), question);
      const type = await harness.db.models.policyTypes.findOne({ lineOfBusiness: line }).lean();
      assert.deepEqual(
        type!.claimTypes.map((claimType) => claimType.code),
        [...types],
      );
      assert.deepEqual(
        suggestionsOf(replies),
        type!.claimTypes.map((claimType) => claimType.name),
      );
      replies = await chat.say(type!.claimTypes[0]!.name);
      assert.match(textOf(replies), dateQuestion);
    });
  }

  it('takes the only claimable policy without asking', async () => {
    const { chat, number, holder } = await verifiedOn('life');
    await harness.db.models.policies.updateMany(
      { holder, number: { $ne: number } },
      { $set: { status: 'cancelled' } },
    );
    const replies = await chat.say('I need to file a claim');
    assert.doesNotMatch(textOf(replies), /Which policy/);
    assert.match(textOf(replies), /I am sorry for your loss/);
  });

  it('keeps help, "talk to a person" and cancel working in the middle of a claim, and keeps the draft', async () => {
    const chat = await verified();
    await chat.say('File a claim on AUT-100200');
    await chat.say('Vandalism');
    let replies = await chat.say('help');
    assert.match(textOf(replies), /I am filing a claim with you/);
    // The question is asked again, and the answer still goes to it.
    replies = await chat.say(daysAgo(1));
    assert.match(textOf(replies), /what time/);
    replies = await chat.say('talk to a person');
    assert.match(textOf(replies), /SR-\d+/);
    const drafts = await harness.domain.claimDrafts.get(
      (await harness.domain.customers.findByPhone('+15555550123'))!.id,
    );
    assert.equal(drafts?.answers.type, 'vandalism');
    assert.equal(drafts?.answers.incidentDate, daysAgo(1));
    const again = await verified(true);
    await again.say('File a claim');
    await again.say('Continue');
    replies = await again.say('cancel');
    assert.match(textOf(replies), /start over\. What would you like to do/);
    // Cancelled mid-way: the answers so far stay as a draft for later.
    replies = await (await verified(true)).say('File a claim');
    assert.match(textOf(replies), /You started a claim/);
  });

  async function document(name: string): Promise<Partial<Activity>> {
    const stored = await harness.files.save({ name, data: Buffer.concat([tinyPdf, Buffer.from(name)]) });
    return {
      type: 'message',
      attachments: [
        { contentType: stored.contentType, contentUrl: harness.files.signedUrl(stored.id), name },
      ],
    };
  }

  it('asks what an uploaded file is when its type cannot tell, and ticks off what the customer says', async () => {
    const chat = await verified();
    await chat.say('File a claim on HLT-500600');
    let replies = await chat.say('A hospital stay');
    assert.match(textOf(replies), /date of service/);
    await chat.say(daysAgo(6));
    await chat.say('Knee surgery, two nights');
    await chat.say("St. David's Medical Center");
    replies = await chat.say('8200');
    assert.match(textOf(replies), /Still needed: The itemised bill; The discharge summary/);
    // Two documents are wanted and a PDF could be either.
    replies = await chat.say(await document('scan-0041.pdf'));
    assert.match(textOf(replies), /What is scan-0041\.pdf\?/);
    assert.deepEqual(suggestionsOf(replies), [
      'The itemised bill',
      'The discharge summary',
      'Something else',
    ]);
    replies = await chat.say('The discharge summary');
    assert.match(textOf(replies), /1 file so far\. Still needed: The itemised bill\. Send more/);
    // One document is still wanted: the next PDF is that one, without asking.
    replies = await chat.say(await document('scan-0042.pdf'));
    assert.doesNotMatch(textOf(replies), /What is/);
    assert.match(textOf(replies), /2 files so far\. Send more/);
    // Nothing is wanted any more: a further photo is kept, untagged, without a question.
    replies = await chat.say(await photo('wristband.jpg', 31));
    assert.match(textOf(replies), /3 files so far\. Send more/);
    assert.doesNotMatch(textOf(replies), /What is/);
    await chat.say('done');
    replies = await chat.say('Submit');
    const number = /(CLM-\d{6})/.exec(textOf(replies))![1]!;
    const claim = await harness.domain.claims.getByNumber(number);
    assert.deepEqual(
      claim.attachments.map((file) => [file.name, file.checklistItem]),
      [
        ['scan-0041.pdf', 'discharge_summary'],
        ['scan-0042.pdf', 'itemised_bill'],
        ['wristband.jpg', undefined],
      ],
    );
    assert.ok(claim.checklist.every((item) => item.satisfied));
  });

  it('asks about a photo when only documents are wanted, and keeps "something else" off the checklist', async () => {
    const chat = await verified();
    await chat.say('File a claim on HLT-500600');
    await chat.say('A hospital stay');
    await chat.say(daysAgo(6));
    await chat.say('Appendix removed');
    await chat.say('Dell Seton');
    await chat.say('5100');
    let replies = await chat.say(await photo('receipt.jpg', 32));
    assert.match(textOf(replies), /What is receipt\.jpg\?/);
    replies = await chat.say('Something else');
    assert.match(textOf(replies), /1 file so far\. Still needed: The itemised bill; The discharge summary/);
    replies = await chat.say(await photo('bill-photo.jpg', 33));
    replies = await chat.say('The itemised bill');
    assert.match(textOf(replies), /2 files so far\. Still needed: The discharge summary\./);
  });

  it('offers only active policies and those in their grace period, as buttons', async () => {
    const { chat, holder } = await verifiedOn('renters');
    const own = await harness.db.models.policies.find({ holder }).sort({ number: 1 }).lean();
    assert.ok(own.length >= 2, 'the renters customer has another policy');
    const [renters, other] = [
      own.find((p) => p.number.startsWith('REN'))!,
      own.find((p) => !p.number.startsWith('REN'))!,
    ];
    const day = 86_400_000;
    // Renters: a premium ten days overdue (in grace). The other: lapsed 45 days ago, past its grace.
    await harness.db.models.policies.updateOne(
      { _id: renters._id },
      { $set: { status: 'active', nextDueDate: new Date(Date.now() - 10 * day) } },
    );
    await harness.db.models.policies.updateOne(
      { _id: other._id },
      { $set: { status: 'lapsed', nextDueDate: new Date(Date.now() - 45 * day) } },
    );
    let replies = await chat.say('File a claim');
    assert.doesNotMatch(textOf(replies), /Which policy/);
    assert.match(textOf(replies), /What happened to your belongings/);
    await harness.db.models.policies.updateOne(
      { _id: other._id },
      { $set: { status: 'active', nextDueDate: new Date(Date.now() + 20 * day) } },
    );
    replies = await chat.say('cancel');
    replies = await chat.say('File a claim');
    assert.match(textOf(replies), /Which policy/);
    assert.deepEqual(suggestionsOf(replies).sort(), [renters.number, other.number].sort());
    await chat.say(renters.number);
    await chat.say('Theft');
    await chat.say(daysAgo(2));
    await chat.say('Our flat, 4th floor');
    await chat.say('Laptop taken from the living room');
    await chat.say('1300');
    await chat.say('done');
    replies = await chat.say('Submit');
    const number = /(CLM-\d{6})/.exec(textOf(replies))![1]!;
    const claim = await harness.domain.claims.getByNumber(number);
    assert.ok(
      claim.riskSignals.some((signal) => signal.code === 'grace_period'),
      JSON.stringify(claim.riskSignals),
    );
  });

  it('changes one answer from the review card and shows the review again', async () => {
    const chat = await verified();
    await chat.say('File a claim on AUT-100200');
    await chat.say('Vandalism');
    await chat.say(daysAgo(3));
    await chat.say('not sure');
    await chat.say('Trinity St, Austin');
    await chat.say('Mirror kicked off overnight');
    await chat.say('no');
    await chat.say('no');
    await chat.say('no');
    await chat.say('700');
    let replies = await chat.say('done');
    assert.match(textOf(replies), /Amount: \$700/);
    replies = await chat.say('Change');
    assert.match(textOf(replies), /What would you like to change/);
    assert.ok(suggestionsOf(replies).includes('Amount'));
    replies = await chat.say('Amount');
    assert.match(textOf(replies), /how much is the repair/);
    replies = await chat.say('950');
    assert.match(textOf(replies), /on a \$950 repair/);
    replies = await chat.say('done');
    assert.match(textOf(replies), /Amount: \$950/);
    assert.deepEqual(suggestionsOf(replies), ['Submit', 'Change']);
  });
});

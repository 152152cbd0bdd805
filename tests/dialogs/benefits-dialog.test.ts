/**
 * Benefits in conversation: the catalogue of the customer's policies, a request by the customer's own
 * words, what each benefit needs, a decision by rule or a referral to an officer with the reason, the
 * refusal of a claim that is not on the policy, and the status of requests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { demoCustomer } from '../../src/db/seed.js';
import {
  startHarness,
  suggestionsOf,
  textOf,
  verifyAsJordan,
  type Conversation,
  type Harness,
} from './harness.js';

describe('BenefitsDialog', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness.stop();
  });

  async function verified(): Promise<Conversation> {
    const chat = harness.conversation();
    assert.match(textOf(await verifyAsJordan(chat)), /you're verified/);
    return chat;
  }

  it('lists the benefits grouped by policy, with what each gives and whether it needs approval', async () => {
    const chat = await verified();
    const replies = await chat.say('what benefits do I have');
    const text = textOf(replies);
    assert.match(
      text,
      /AUT-100200, Auto Standard:\n- Roadside assistance: Towing, jump starts, flat tyres and lockouts, 24\/7\. \(4 a policy year; approved at once within the rules\)/,
    );
    assert.match(
      text,
      /HOM-300400, Home Plus:\n- Emergency repair service: .*\(an officer approves each request\)/,
    );
    assert.match(text, /HLT-500600, Health Choice PPO:/);
    assert.ok(suggestionsOf(replies).includes('Roadside assistance (AUT-100200)'));
    assert.equal(suggestionsOf(replies).at(-1), 'Nothing for now');
  });

  it('takes "roadside assistance" to where the car is and what happened, and approves it by rule', async () => {
    const chat = await verified();
    let text = textOf(await chat.say('I need roadside assistance'));
    assert.match(text, /Roadside assistance on AUT-100200/);
    assert.match(text, /Where do you need the help\?/);
    assert.match(textOf(await chat.say('I-35 northbound at exit 234, Austin')), /What happened/);
    text = textOf(await chat.say('Flat tyre, no spare'));
    const number = /(BEN-\d{6})/.exec(text)?.[1];
    assert.ok(number, text);
    assert.match(text, new RegExp(`Your request ${number} \\(Roadside assistance\\) is approved`));
    const request = await harness.domain.requests.getByNumber(number);
    assert.equal(request.status, 'approved');
    assert.deepEqual(request.benefit, { location: 'I-35 northbound at exit 234, Austin' });
    assert.equal(request.details, 'Flat tyre, no spare');
  });

  it('asks a rental car for its claim and dates, and refuses a claim that is not on the policy', async () => {
    const chat = await verified();
    let replies = await chat.say('I need a rental car');
    assert.match(textOf(replies), /Which claim is it for\?/);
    assert.deepEqual(suggestionsOf(replies), [demoCustomer.claim]);
    assert.match(textOf(await chat.say('CLM-000101')), /From which day to which day/);
    replies = await chat.say('2030-01-10 to 2030-01-14');
    assert.match(textOf(replies), /I couldn't find claim CLM-000101 on your policy AUT-100200/);
    assert.match(textOf(replies), /Which claim is it for\?/);
    const text = textOf(await chat.say(demoCustomer.claim));
    const number = /(BEN-\d{6})/.exec(text)?.[1];
    assert.ok(number, text);
    assert.match(text, /is approved/);
    const request = await harness.domain.requests.getByNumber(number);
    assert.deepEqual(request.benefit, {
      claimNumber: demoCustomer.claim,
      from: new Date('2030-01-10T00:00:00Z'),
      to: new Date('2030-01-14T00:00:00Z'),
      days: 5,
    });
  });

  it('files a benefit that needs an officer, says why, and shows it in the status and the list', async () => {
    const chat = await verified();
    await chat.say('Benefits');
    let text = textOf(await chat.say('Emergency repair service (HOM-300400)'));
    assert.match(text, /Where do you need the help\?/);
    await chat.say('5 Oak Lane, Austin');
    text = textOf(await chat.say('The roof is leaking into the bedroom'));
    const number = /(BEN-\d{6})/.exec(text)?.[1];
    assert.ok(number, text);
    assert.match(
      text,
      /is filed\. It goes to our team because: Emergency repair service is always decided by an officer\./,
    );
    assert.match(text, new RegExp(`"status of ${number}"`));

    text = textOf(await chat.say(`status of ${number}`));
    assert.match(
      text,
      new RegExp(`${number}: Emergency repair service on HOM-300400\nStatus: waiting for a decision\\.`),
    );
    const list = await chat.say('my requests');
    assert.match(textOf(list), new RegExp(`- ${number}: Emergency repair service, waiting for a decision`));
    assert.ok(suggestionsOf(list).includes(number));
  });

  it("shows an officer's question and takes the answer back to them", async () => {
    const chat = await verified();
    const jordan = (await harness.domain.customers.findByPhone(demoCustomer.phone))!;
    const request = await harness.domain.requests.requestBenefit(
      {
        customerId: jordan.id,
        policyNumber: 'HLT-500600',
        benefitCode: 'SPECIALIST_REFERRAL',
        details: 'Dermatologist',
      },
      { type: 'customer', id: jordan.id },
    );
    const card = await harness.domain.requests.card(request.number);
    await harness.domain.requests.decide({
      number: request.number,
      actor: { type: 'officer', id: 'U0DEMOAVERY', channel: 'slack' },
      shownState: card.state,
      decision: 'request_info',
      reason: 'Which clinic?',
    });
    let replies = await chat.say(`status of ${request.number}`);
    assert.match(textOf(replies), /Our team asked: "Which clinic\?"/);
    assert.deepEqual(suggestionsOf(replies), ['Answer the question', 'Talk to a person']);
    await chat.say('Answer the question');
    replies = await chat.say('Skin Clinic on 5th Street');
    assert.match(textOf(replies), /your answer is with our team/);
    assert.equal((await harness.domain.requests.getByNumber(request.number)).status, 'requested');
  });

  it('answers the number of a request that is not theirs as one that does not exist', async () => {
    const chat = await verified();
    const text = textOf(await chat.say('status of BEN-999999'));
    assert.match(text, /couldn't find a request with that number/);
  });
});

/**
 * Service requests: the benefit catalogue and its rules (allowance, days per claim, waiting period,
 * policy status), dependents (who a policy may cover, dates of birth sealed), renewals (the window and
 * good standing) and upgrades (plans of the same line at the same insurer, priced by the officer), each
 * decided by rule or by an officer, with the customer told and the policy changed on approval.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { demoCustomer } from '../../src/db/seed.js';
import { isDomainError, type RequestView } from '../../src/domain/index.js';
import { avery, fixedNow, startSeededDomain, type SeededDomain } from './fixtures.js';

let env: SeededDomain;
before(async () => {
  env = await startSeededDomain();
});
after(async () => {
  await env.db.stop();
});

const dayMs = 86_400_000;
const { auto, home, health } = demoCustomer.policies;

async function card(number: string) {
  return env.services.requests.card(number);
}

async function decide(view: RequestView, decision: 'approve' | 'deny' | 'request_info', extra = {}) {
  const shown = await card(view.number);
  return env.services.requests.decide({
    number: view.number,
    actor: avery,
    shownState: shown.state,
    decision,
    ...extra,
  });
}

async function notices(number: string) {
  const rows = await env.db.models.notifications
    .find({ template: 'request.status', 'payload.number': number })
    .sort({ createdAt: 1 })
    .lean();
  return rows.map((row) => row.payload as { status: string; reason?: string });
}

async function setPolicy(number: string, set: Record<string, unknown>) {
  await env.db.models.policies.updateOne({ number }, { $set: set });
}

describe('benefit catalogue', () => {
  it("lists each of the customer's policies with its benefits, needs and rules", async () => {
    const catalogue = await env.services.requests.benefitCatalogue(env.jordan.id);
    assert.deepEqual(
      catalogue.map((entry) => entry.policyNumber),
      [auto, health, home],
    );
    const autoBenefits = catalogue.find((entry) => entry.policyNumber === auto)!.benefits;
    assert.deepEqual(
      autoBenefits.map((benefit) => [
        benefit.code,
        benefit.requiresApproval,
        benefit.needs,
        benefit.ruleTexts,
      ]),
      [
        ['ROADSIDE', false, ['location', 'what_happened'], ['4 a policy year']],
        ['RENTAL_CAR', false, ['claim', 'dates'], ['up to 30 days per claim']],
        [
          'GLASS_REPAIR',
          false,
          ['what_happened'],
          ['2 a policy year', 'from 30 days after the policy starts'],
        ],
      ],
    );
    await assert.rejects(env.services.requests.catalogueForPolicy(env.other.id, auto), (error) =>
      isDomainError(error, 'not_found'),
    );
  });
});

describe('benefit rules', () => {
  it('approves roadside help within the allowance at once, naming the rules, and tells no one twice', async () => {
    const request = await env.services.requests.requestBenefit(
      {
        customerId: env.jordan.id,
        policyNumber: 'aut-100200',
        benefitCode: 'roadside',
        location: 'I-35 northbound near exit 234',
        details: 'Flat tyre',
      },
      env.jordanActor,
    );
    assert.match(request.number, /^BEN-\d{6}$/);
    assert.equal(request.status, 'approved');
    assert.equal(request.title, 'Roadside assistance');
    assert.deepEqual(request.benefit, { location: 'I-35 northbound near exit 234' });
    assert.deepEqual(
      request.decisions.map((decision) => [decision.to, decision.actor.type]),
      [
        ['requested', 'customer'],
        ['approved', 'system'],
      ],
    );
    assert.match(
      request.decisions[1]!.reason!,
      /all benefit rules passed \(policy_status, annual_allowance\)/,
    );
    const audit = await env.services.audit.listForRecord('benefitrequests', request.id);
    assert.deepEqual(
      audit.map((entry) => [entry.action, entry.actor.type]),
      [
        ['request.file', 'customer'],
        ['request.transition', 'system'],
      ],
    );
    assert.match(String(audit[1]!.details.reason), /annual_allowance/);
    // The customer is told in the conversation itself; no second message follows.
    assert.deepEqual(await notices(request.number), []);
  });

  it('sends the request past the allowance to an officer, naming the rule that did not pass', async () => {
    const ask = () =>
      env.services.requests.requestBenefit(
        {
          customerId: env.jordan.id,
          policyNumber: auto,
          benefitCode: 'ROADSIDE',
          location: 'Home driveway',
          details: 'Battery flat',
        },
        env.jordanActor,
      );
    let last = await ask();
    while (last.status === 'approved') last = await ask();
    assert.equal(last.status, 'requested');
    const failed = last.rules.filter((check) => !check.passed);
    assert.deepEqual(
      failed.map((check) => [check.rule, check.text]),
      [['annual_allowance', '4 a policy year (4 used)']],
    );
    const file = await env.db.models.auditEvents
      .findOne({ action: 'request.file', 'details.number': last.number })
      .lean();
    assert.deepEqual(file?.details.failedRules, ['annual_allowance']);
  });

  it('checks a rental car against the claim: only their own claim, at most 30 days per claim', async () => {
    const base = {
      customerId: env.jordan.id,
      policyNumber: auto,
      benefitCode: 'RENTAL_CAR',
    };
    await assert.rejects(
      env.services.requests.requestBenefit(
        { ...base, claimNumber: 'CLM-000101', from: new Date('2026-06-16'), to: new Date('2026-06-20') },
        env.jordanActor,
      ),
      (error) => isDomainError(error, 'not_found'),
    );
    await assert.rejects(
      env.services.requests.requestBenefit({ ...base, claimNumber: demoCustomer.claim }, env.jordanActor),
      (error) => isDomainError(error, 'validation'),
    );
    const first = await env.services.requests.requestBenefit(
      { ...base, claimNumber: demoCustomer.claim, from: new Date('2026-06-16'), to: new Date('2026-07-05') },
      env.jordanActor,
    );
    assert.equal(first.status, 'approved');
    assert.equal(first.benefit?.days, 20);
    const second = await env.services.requests.requestBenefit(
      { ...base, claimNumber: demoCustomer.claim, from: new Date('2026-07-06'), to: new Date('2026-07-20') },
      env.jordanActor,
    );
    assert.equal(second.status, 'requested');
    assert.deepEqual(
      second.rules.filter((check) => !check.passed).map((check) => check.text),
      ['At most 30 days per claim (20 already, 15 asked)'],
    );
  });

  it('holds a benefit in its waiting period and on a policy not in force for an officer', async () => {
    const policy = await env.db.models.policies.findOne({ number: auto }).lean();
    await setPolicy(auto, { startDate: new Date(fixedNow.getTime() - 10 * dayMs) });
    try {
      const glass = await env.services.requests.requestBenefit(
        { customerId: env.jordan.id, policyNumber: auto, benefitCode: 'GLASS_REPAIR', details: 'A chip' },
        env.jordanActor,
      );
      assert.equal(glass.status, 'requested');
      assert.deepEqual(
        glass.rules.filter((check) => !check.passed).map((check) => check.rule),
        ['waiting_period'],
      );
    } finally {
      await setPolicy(auto, { startDate: policy!.startDate });
    }
    await setPolicy(health, { status: 'lapsed' });
    try {
      const telehealth = await env.services.requests.requestBenefit(
        { customerId: env.jordan.id, policyNumber: health, benefitCode: 'TELEHEALTH' },
        env.jordanActor,
      );
      assert.equal(telehealth.status, 'requested');
      assert.deepEqual(
        telehealth.rules.filter((check) => !check.passed).map((check) => check.text),
        ['Policy must be active (it is lapsed)'],
      );
    } finally {
      await setPolicy(health, { status: 'active' });
    }
  });

  it('lets an officer ask for information, approve or deny, telling the customer each time', async () => {
    const request = await env.services.requests.requestBenefit(
      {
        customerId: env.jordan.id,
        policyNumber: home,
        benefitCode: 'EMERGENCY_REPAIR',
        location: '12 Elm St',
        details: 'Roof leak',
      },
      env.jordanActor,
    );
    assert.equal(request.status, 'requested');
    assert.deepEqual(
      request.rules.map((check) => check.rule),
      ['policy_status', 'approval_required'],
    );
    const shown = await card(request.number);
    await assert.rejects(
      env.services.requests.decide({
        number: request.number,
        actor: env.jordanActor,
        shownState: shown.state,
        decision: 'approve',
      }),
      (error) => isDomainError(error, 'forbidden'),
    );
    await assert.rejects(decide(request, 'request_info'), (error) => isDomainError(error, 'validation'));
    const asked = await decide(request, 'request_info', { reason: 'Is water coming in now?' });
    assert.equal(asked.status, 'info_requested');
    // A decision on the card as it was before is refused.
    await assert.rejects(
      env.services.requests.decide({
        number: request.number,
        actor: avery,
        shownState: shown.state,
        decision: 'approve',
      }),
      (error) => isDomainError(error, 'conflict') && /already sent to the customer/.test(error.message),
    );
    await assert.rejects(
      env.services.requests.answerInfoRequest(env.other.id, request.number, 'yes', {
        type: 'customer',
        id: env.other.id,
      }),
      (error) => isDomainError(error, 'not_found'),
    );
    const answered = await env.services.requests.answerInfoRequest(
      env.jordan.id,
      request.number,
      'Yes, dripping',
      env.jordanActor,
    );
    assert.equal(answered.status, 'requested');
    const approved = await decide(answered, 'approve', { reason: 'A roofer calls within the hour.' });
    assert.equal(approved.status, 'approved');
    assert.deepEqual(await notices(request.number), [
      {
        number: request.number,
        kind: 'benefit',
        status: 'info_requested',
        reason: 'Is water coming in now?',
      },
      {
        number: request.number,
        kind: 'benefit',
        status: 'approved',
        reason: 'A roofer calls within the hour.',
      },
    ]);
    const listed = await env.services.requests.listForCustomer(env.jordan.id);
    assert.ok(listed.some((entry) => entry.number === request.number && entry.status === 'approved'));
    await assert.rejects(env.services.requests.getForCustomer(env.other.id, request.number), (error) =>
      isDomainError(error, 'not_found'),
    );
  });
});

describe('dependents', () => {
  it('refuses who the policy cannot cover and anything on a policy not theirs', async () => {
    const add = (
      policyNumber: string,
      relationship: 'child' | 'spouse',
      dateOfBirth: string,
      customerId = env.jordan.id,
    ) =>
      env.services.requests.requestDependentChange(
        { customerId, policyNumber, action: 'add', name: 'Alex Rivera', relationship, dateOfBirth },
        customerId === env.jordan.id ? env.jordanActor : { type: 'customer', id: customerId },
      );
    await assert.rejects(add(health, 'child', '1999-01-01'), (error) => {
      assert.ok(isDomainError(error, 'validation'));
      assert.match(error.message, /until they turn 26; this child is 27/);
      return true;
    });
    await assert.rejects(
      add(auto, 'child', '2014-01-01'),
      (error) => isDomainError(error, 'validation') && /at least 16/.test(error.message),
    );
    await assert.rejects(add(home, 'spouse', '1990-01-01'), (error) => isDomainError(error, 'validation'));
    await assert.rejects(add(health, 'child', '2010-01-01', env.other.id), (error) =>
      isDomainError(error, 'not_found'),
    );
  });

  it('adds a child on approval, sealing the date of birth and showing only the age', async () => {
    const request = await env.services.requests.requestDependentChange(
      {
        customerId: env.jordan.id,
        policyNumber: health,
        action: 'add',
        name: 'Alex Rivera',
        relationship: 'child',
        dateOfBirth: '2010-03-04',
      },
      env.jordanActor,
    );
    assert.match(request.number, /^DEP-\d{6}$/);
    assert.equal(request.status, 'requested');
    assert.deepEqual(request.dependent, {
      action: 'add',
      name: 'Alex Rivera',
      relationship: 'child',
      age: 16,
    });
    const raw = await env.db.connection.collection('benefitrequests').findOne({ number: request.number });
    assert.doesNotMatch(JSON.stringify(raw), /2010-03-04/);
    assert.equal(env.db.cipher.decrypt(String(raw?.dependent.dateOfBirthEncrypted)), '2010-03-04');
    await assert.rejects(
      env.services.requests.requestDependentChange(
        {
          customerId: env.jordan.id,
          policyNumber: health,
          action: 'add',
          name: 'alex rivera',
          relationship: 'child',
          dateOfBirth: '2010-03-04',
        },
        env.jordanActor,
      ),
      (error) => isDomainError(error, 'conflict'),
    );
    const approved = await decide(request, 'approve');
    assert.equal(approved.status, 'approved');
    const policy = await env.services.policies.getForCustomer(env.jordan.id, health);
    assert.ok(
      policy.dependents.some((entry) => entry.name === 'Alex Rivera' && entry.dateOfBirth === '2010-03-04'),
    );
    const audit = await env.services.audit.listForRecord('policies', policy.id);
    const change = audit.find((entry) => entry.action === 'policy.dependent');
    assert.deepEqual(change?.details, {
      number: health,
      request: request.number,
      action: 'add',
      relationship: 'child',
    });
    assert.deepEqual(
      (await notices(request.number)).map((row) => row.status),
      ['approved'],
    );
  });

  it('removes a dependent on approval, and a denial changes nothing', async () => {
    const remove = await env.services.requests.requestDependentChange(
      { customerId: env.jordan.id, policyNumber: health, action: 'remove', name: 'casey rivera' },
      env.jordanActor,
    );
    assert.deepEqual(remove.dependent, {
      action: 'remove',
      name: 'Casey Rivera',
      relationship: 'spouse',
      age: 36,
    });
    const denied = await decide(remove, 'deny', { reason: 'Please call us to confirm' });
    assert.equal(denied.status, 'denied');
    let policy = await env.services.policies.getForCustomer(env.jordan.id, health);
    assert.ok(policy.dependents.some((entry) => entry.name === 'Casey Rivera'));
    const again = await env.services.requests.requestDependentChange(
      { customerId: env.jordan.id, policyNumber: health, action: 'remove', name: 'Casey Rivera' },
      env.jordanActor,
    );
    await decide(again, 'approve');
    policy = await env.services.policies.getForCustomer(env.jordan.id, health);
    assert.ok(!policy.dependents.some((entry) => entry.name === 'Casey Rivera'));
    await assert.rejects(
      env.services.requests.requestDependentChange(
        { customerId: env.jordan.id, policyNumber: health, action: 'remove', name: 'Nobody' },
        env.jordanActor,
      ),
      (error) => isDomainError(error, 'not_found'),
    );
  });
});

describe('approved changes after a crash', () => {
  it('writes an approval a crash left unwritten at the next start, once', async () => {
    const request = await env.services.requests.requestDependentChange(
      {
        customerId: env.jordan.id,
        policyNumber: auto,
        action: 'add',
        name: 'Drew Rivera',
        relationship: 'other',
        dateOfBirth: '2000-01-01',
      },
      env.jordanActor,
    );
    // The move committed; the process died before the policy was written.
    await env.db.models.benefitRequests.updateOne(
      { number: request.number },
      {
        $set: { status: 'approved' },
        $push: {
          decisions: {
            from: 'requested',
            to: 'approved',
            actor: { type: 'officer', id: avery.id },
            at: fixedNow,
          },
        },
      },
    );
    assert.equal(await env.services.requests.resumeApprovals(), 1);
    // A crash after the policy write but before the request was marked: writing again adds nothing.
    await env.db.models.benefitRequests.updateOne({ number: request.number }, { $unset: { appliedAt: 1 } });
    assert.equal(await env.services.requests.resumeApprovals(), 1);
    assert.equal(await env.services.requests.resumeApprovals(), 0);
    const policy = await env.services.policies.getForCustomer(env.jordan.id, auto);
    assert.equal(policy.dependents.filter((entry) => entry.name === 'Drew Rivera').length, 1);
    const audit = await env.services.audit.listForRecord('policies', policy.id);
    assert.ok(
      audit.some(
        (entry) =>
          entry.action === 'policy.dependent' &&
          entry.details.request === request.number &&
          entry.actor.id === avery.id,
      ),
    );
  });
});

describe('renewals', () => {
  it('opens 60 days before the end date and refuses earlier', async () => {
    const policy = await env.db.models.policies.findOne({ number: auto }).lean();
    await setPolicy(auto, { endDate: new Date(fixedNow.getTime() + 90 * dayMs) });
    try {
      const options = await env.services.requests.renewalOptions(env.jordan.id);
      const autoOption = options.find((option) => option.policyNumber === auto)!;
      assert.equal(autoOption.open, false);
      assert.equal(autoOption.opensOn.toISOString().slice(0, 10), '2026-07-15');
      assert.equal(options.find((option) => option.policyNumber === home)!.open, true);
      await assert.rejects(
        env.services.requests.requestRenewal(
          { customerId: env.jordan.id, policyNumber: auto, sameTerms: true },
          env.jordanActor,
        ),
        (error) => isDomainError(error, 'conflict') && /opens on 2026-07-15/.test(error.message),
      );
    } finally {
      await setPolicy(auto, { endDate: policy!.endDate });
    }
  });

  it('accepts a same-terms renewal in good standing by rule and moves the end date a term on', async () => {
    const before = await env.db.models.policies.findOne({ number: home }).lean();
    const request = await env.services.requests.requestRenewal(
      { customerId: env.jordan.id, policyNumber: home, sameTerms: true },
      env.jordanActor,
    );
    assert.match(request.number, /^RNW-\d{6}$/);
    assert.equal(request.status, 'approved');
    const after = await env.db.models.policies.findOne({ number: home }).lean();
    assert.equal(after!.startDate.getTime(), before!.endDate.getTime());
    assert.equal(
      after!.endDate.getTime() - after!.startDate.getTime(),
      before!.endDate.getTime() - before!.startDate.getTime(),
    );
    const audit = await env.services.audit.listForRecord('policies', String(after!._id));
    assert.ok(
      audit.some((entry) => entry.action === 'policy.renewal' && entry.details.request === request.number),
    );
  });

  it('sends a renewal with an overdue premium, or with changes, to an officer', async () => {
    const policy = await env.db.models.policies.findOne({ number: auto }).lean();
    await setPolicy(auto, {
      endDate: new Date(fixedNow.getTime() + 20 * dayMs),
      nextDueDate: new Date(fixedNow.getTime() - 10 * dayMs),
    });
    try {
      const overdue = await env.services.requests.requestRenewal(
        { customerId: env.jordan.id, policyNumber: auto, sameTerms: true },
        env.jordanActor,
      );
      assert.equal(overdue.status, 'requested');
      assert.deepEqual(
        overdue.rules.filter((check) => !check.passed).map((check) => check.text),
        ['A premium due on 2026-06-05 is overdue'],
      );
      await assert.rejects(
        env.services.requests.requestRenewal(
          { customerId: env.jordan.id, policyNumber: auto, sameTerms: true },
          env.jordanActor,
        ),
        (error) => isDomainError(error, 'conflict') && /already waiting/.test(error.message),
      );
      await decide(overdue, 'deny', { reason: 'Please pay the overdue premium first' });
      const changes = await env.services.requests.requestRenewal(
        { customerId: env.jordan.id, policyNumber: auto, sameTerms: false, changes: 'Raise collision limit' },
        env.jordanActor,
      );
      const approved = await decide(changes, 'approve', { premium: { amount: 158 } });
      assert.equal(approved.status, 'approved');
      assert.deepEqual(approved.newPremium, { amount: 158, currency: 'USD', frequency: 'monthly' });
      const renewed = await env.db.models.policies.findOne({ number: auto }).lean();
      assert.equal(String(renewed!.premium.amount), '158.00');
      assert.match((await notices(changes.number)).at(-1)!.reason!, /New premium \$158\.00 a month/);
    } finally {
      await setPolicy(auto, {
        endDate: policy!.endDate,
        nextDueDate: policy!.nextDueDate,
        startDate: policy!.startDate,
        premium: policy!.premium,
      });
    }
  });
});

describe('upgrades', () => {
  it('offers the other plans of the line at the same insurer with what they add', async () => {
    const plans = await env.services.requests.upgradeOptions(env.jordan.id, auto);
    assert.deepEqual(
      plans.map((plan) => plan.name),
      ['Auto Premier'],
    );
    assert.ok(plans[0]!.addsCoverages.some((coverage) => coverage.name === 'New car replacement'));
    assert.deepEqual(
      plans[0]!.addsBenefits.map((benefit) => benefit.name),
      ['Diminished value cover'],
    );
    assert.deepEqual(await env.services.requests.upgradeOptions(env.jordan.id, home), []);
    await assert.rejects(env.services.requests.upgradeOptions(env.other.id, auto), (error) =>
      isDomainError(error, 'not_found'),
    );
  });

  it('needs the premium from the officer and then moves the policy to the plan', async () => {
    const request = await env.services.requests.requestUpgrade(
      { customerId: env.jordan.id, policyNumber: health, planCode: 'health-choice-plus' },
      env.jordanActor,
    );
    assert.match(request.number, /^UPG-\d{6}$/);
    assert.equal(request.status, 'requested');
    assert.equal(request.title, 'Upgrade to Health Choice Plus PPO');
    await assert.rejects(decide(request, 'approve'), (error) => isDomainError(error, 'validation'));
    const approved = await decide(request, 'approve', { premium: { amount: 560.25 } });
    assert.equal(approved.status, 'approved');
    const policy = await env.services.policies.getForCustomer(env.jordan.id, health);
    assert.equal(policy.policyType.name, 'Health Choice Plus PPO');
    assert.equal(policy.premium.amount, 560.25);
    assert.ok(policy.coverages.some((coverage) => coverage.name === 'Dental care'));
    assert.match((await notices(request.number)).at(-1)!.reason!, /New premium \$560\.25 a month/);
  });
});

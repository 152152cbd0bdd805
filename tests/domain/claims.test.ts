import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClaimStatus } from '../../src/db/models/index.js';
import { demoCustomer, demoOfficers } from '../../src/db/seed.js';
import { claimTransitions } from '../../src/domain/claims.js';
import { isDomainError, type Actor, type ClaimView } from '../../src/domain/index.js';
import { avery, fixedNow, morgan, startSeededDomain, type SeededDomain } from './fixtures.js';

let env: SeededDomain;
before(async () => {
  env = await startSeededDomain();
});
after(async () => {
  await env.db.stop();
});

const system: Actor = { type: 'system', id: 'test' };

async function fileClaim(amountClaimed = 800): Promise<ClaimView> {
  return env.services.claims.create(
    {
      customerId: env.jordan.id,
      policyNumber: demoCustomer.policies.auto,
      incidentDate: new Date('2026-06-10'),
      type: 'Glass_Damage',
      description: 'Windshield cracked by a stone',
      location: 'I-35 near Round Rock',
      amountClaimed,
    },
    env.jordanActor,
  );
}

/** Shortest way from `submitted` to `status` through the table, as [to, actor] steps. */
function pathTo(status: ClaimStatus): ClaimStatus[] {
  const queue: ClaimStatus[][] = [['submitted']];
  while (queue.length > 0) {
    const path = queue.shift()!;
    const last = path.at(-1)!;
    if (last === status) return path.slice(1);
    for (const next of Object.keys(claimTransitions[last]) as ClaimStatus[]) {
      if (!path.includes(next)) queue.push([...path, next]);
    }
  }
  throw new Error(`no path to ${status}`);
}

function actorFor(from: ClaimStatus, to: ClaimStatus): Actor {
  const allowed = claimTransitions[from][to]!;
  // The system first: a claim an officer has moved can no longer be withdrawn by its customer.
  if (allowed.includes('system')) return system;
  return allowed.includes('officer') ? avery : env.jordanActor;
}

async function drive(number: string, status: ClaimStatus): Promise<void> {
  let from: ClaimStatus = 'submitted';
  for (const to of pathTo(status)) {
    await env.services.claims.transition(number, to, actorFor(from, to), `moving to ${to}`);
    from = to;
  }
}

describe('claim filing', () => {
  it('files a claim with a fresh number, history and an audit entry', async () => {
    const claim = await fileClaim();
    assert.match(claim.number, /^CLM-\d{6}$/);
    assert.ok(claim.number > demoCustomer.claim, 'numbers continue after the demo claims');
    assert.equal(claim.status, 'submitted');
    assert.equal(claim.type, 'glass_damage');
    assert.equal(claim.amountClaimed, 800);
    assert.equal(claim.policyNumber, 'AUT-100200');
    assert.deepEqual(claim.statusHistory, [
      {
        to: 'submitted',
        actor: { type: 'customer', id: env.jordan.id },
        reason: 'claim filed',
        at: fixedNow,
      },
    ]);
    const audit = await env.services.audit.listForRecord('claims', claim.id);
    assert.deepEqual(
      audit.map((entry) => [entry.action, entry.actor.type, entry.channel]),
      [['claim.create', 'customer', 'directline']],
    );
  });

  it("refuses a claim on someone else's policy, in the future or outside the policy period", async () => {
    const other = await env.services.policies.listForCustomer(env.other.id);
    const base = {
      customerId: env.jordan.id,
      policyNumber: other[0]!.policies[0]!.number,
      incidentDate: new Date('2026-06-01'),
      type: 'theft',
      description: 'Stolen',
      amountClaimed: 10,
    };
    await assert.rejects(env.services.claims.create(base, env.jordanActor), (error) =>
      isDomainError(error, 'not_found'),
    );
    await assert.rejects(
      env.services.claims.create({ ...base, customerId: env.other.id }, env.jordanActor),
      (error) => isDomainError(error, 'forbidden'),
    );
    const own = { ...base, policyNumber: 'AUT-100200' };
    await assert.rejects(
      env.services.claims.create({ ...own, incidentDate: new Date('2026-07-01') }, env.jordanActor),
      (error) => isDomainError(error, 'validation') && /future/.test(error.message),
    );
    await assert.rejects(
      env.services.claims.create({ ...own, incidentDate: new Date('2001-01-01') }, env.jordanActor),
      (error) => isDomainError(error, 'validation') && /policy period/.test(error.message),
    );
    await assert.rejects(
      env.services.claims.create({ ...own, amountClaimed: -1 }, env.jordanActor),
      (error) => isDomainError(error, 'validation') && /amountClaimed/.test(error.message),
    );
  });

  it('gives 20 concurrent filings 20 distinct numbers', async () => {
    const claims = await Promise.all(Array.from({ length: 20 }, () => fileClaim(100)));
    const numbers = new Set(claims.map((claim) => claim.number));
    assert.equal(numbers.size, 20);
    assert.equal(await env.db.models.claims.countDocuments({ number: { $in: [...numbers] } }), 20);
  });

  it('skips numbers already taken when the counter lags behind the data', async () => {
    const counter = await env.db.models.counters.findById('claim').lean();
    const taken = `CLM-${String(counter!.seq + 1).padStart(6, '0')}`;
    const template = await env.db.models.claims.findOne({ number: demoCustomer.claim }).lean();
    await env.db.models.claims.collection.insertOne({ ...template!, _id: undefined, number: taken } as never);
    const claim = await fileClaim();
    assert.ok(claim.number > taken, `${claim.number} comes after ${taken}`);
  });

  it("files a customer's claim only on an active or in-grace policy, named by the type when undescribed", async () => {
    const filing = {
      customerId: env.jordan.id,
      policyNumber: demoCustomer.policies.auto,
      incidentDate: new Date('2026-06-10'),
      type: 'glass',
      amountClaimed: 300,
    };
    const filed = await env.services.claims.file(filing, env.jordanActor);
    assert.equal(filed.description, 'Broken or cracked glass');
    assert.equal(filed.policyNumber, demoCustomer.policies.auto);
    const policies = env.db.models.policies;
    await policies.updateOne({ number: filing.policyNumber }, { $set: { status: 'cancelled' } });
    try {
      const before = await env.db.models.claims.countDocuments();
      await assert.rejects(env.services.claims.file(filing, env.jordanActor), (error) =>
        isDomainError(error, 'conflict'),
      );
      assert.equal(await env.db.models.claims.countDocuments(), before);
    } finally {
      await policies.updateOne({ number: filing.policyNumber }, { $set: { status: 'active' } });
    }
  });
});

describe('claim status for its customer', () => {
  it('shows the demo claim to Jordan and hides it from anyone else', async () => {
    const claim = await env.services.claims.getForCustomer(env.jordan.id, 'clm-000123');
    assert.equal(claim.status, 'in_review');
    assert.equal(claim.policyNumber, 'AUT-100200');
    assert.equal(claim.assignee?.slackUserId, demoOfficers[0].slackUserId);
    await assert.rejects(env.services.claims.getForCustomer(env.other.id, 'CLM-000123'), (error) =>
      isDomainError(error, 'not_found'),
    );
    const list = await env.services.claims.listForCustomer(env.jordan.id);
    assert.ok(list.some((summary) => summary.number === 'CLM-000123' && summary.status === 'in_review'));
  });
});

describe('claim transitions', () => {
  const edges = (Object.keys(claimTransitions) as ClaimStatus[]).flatMap((from) =>
    (Object.keys(claimTransitions[from]) as ClaimStatus[]).map((to) => [from, to] as const),
  );

  it('covers the whole lifecycle in the table', () => {
    assert.equal(edges.length, 13);
    assert.deepEqual(Object.keys(claimTransitions.closed), []);
  });

  for (const [from, to] of edges) {
    it(`${from} → ${to} is recorded in history and the audit trail with actor and reason`, async () => {
      const claim = await fileClaim();
      await drive(claim.number, from);
      const actor = actorFor(from, to);
      const before = await env.db.models.auditEvents.countDocuments({ 'record.id': claim.id });
      const moved = await env.services.claims.transition(claim.number, to, actor, `because ${to}`);
      assert.equal(moved.status, to);
      assert.deepEqual(moved.statusHistory.at(-1), {
        from,
        to,
        actor: { type: actor.type, id: actor.id },
        reason: `because ${to}`,
        at: fixedNow,
      });
      const audit = await env.services.audit.listForRecord('claims', claim.id);
      assert.equal(audit.length, before + 1);
      const entry = audit.at(-1)!;
      assert.equal(entry.action, 'claim.transition');
      assert.deepEqual(entry.actor, { type: actor.type, id: actor.id });
      assert.deepEqual(entry.details, { number: claim.number, from, to, reason: `because ${to}` });
      assert.equal(entry.at.getTime(), fixedNow.getTime());
    });
  }

  it('refuses to approve a closed claim and writes nothing', async () => {
    const claim = await fileClaim();
    await drive(claim.number, 'closed');
    const auditBefore = await env.db.models.auditEvents.countDocuments({});
    const stored = await env.db.models.claims.collection.findOne({ number: claim.number });
    await assert.rejects(
      env.services.claims.transition(claim.number, 'approved', avery, 'second look'),
      (error) => {
        assert.ok(isDomainError(error, 'invalid_transition'));
        assert.equal(error.message, `claim ${claim.number} cannot move from closed to approved`);
        assert.deepEqual(error.details, { from: 'closed', to: 'approved', allowed: [] });
        return true;
      },
    );
    assert.equal(await env.db.models.auditEvents.countDocuments({}), auditBefore);
    assert.deepEqual(await env.db.models.claims.collection.findOne({ number: claim.number }), stored);
  });

  it('refuses moves the table lacks, such as paying a claim still in review', async () => {
    const claim = await fileClaim();
    await drive(claim.number, 'in_review');
    await assert.rejects(env.services.claims.transition(claim.number, 'paid', avery), (error) =>
      isDomainError(error, 'invalid_transition'),
    );
    await assert.rejects(env.services.claims.transition(claim.number, 'in_review', avery), (error) =>
      isDomainError(error, 'invalid_transition'),
    );
    await assert.rejects(
      env.services.claims.transition(claim.number, 'archived' as ClaimStatus, avery),
      (error) => isDomainError(error, 'validation'),
    );
  });

  it('lets only officers decide, within their approval limit, and requires a reason to deny', async () => {
    const claim = await fileClaim(20_000);
    await drive(claim.number, 'in_review');
    await assert.rejects(env.services.claims.transition(claim.number, 'approved', env.jordanActor), (error) =>
      isDomainError(error, 'forbidden'),
    );
    await assert.rejects(
      env.services.claims.transition(claim.number, 'approved', { type: 'officer', id: 'UNOBODY1' }),
      (error) => isDomainError(error, 'forbidden'),
    );
    await assert.rejects(
      env.services.claims.transition(claim.number, 'approved', avery),
      (error) => isDomainError(error, 'forbidden') && /approval limit/.test(error.message),
    );
    await assert.rejects(
      env.services.claims.transition(claim.number, 'denied', morgan, '  '),
      (error) => isDomainError(error, 'validation') && /reason/.test(error.message),
    );
    const approved = await env.services.claims.transition(claim.number, 'approved', morgan);
    assert.equal(approved.status, 'approved');
  });

  it("does not let a customer act on another customer's claim", async () => {
    const claim = await fileClaim();
    const stranger: Actor = { type: 'customer', id: env.other.id };
    await assert.rejects(env.services.claims.transition(claim.number, 'closed', stranger), (error) =>
      isDomainError(error, 'not_found'),
    );
    await assert.rejects(env.services.claims.addMessage(claim.number, 'hello', stranger), (error) =>
      isDomainError(error, 'not_found'),
    );
    const withdrawn = await env.services.claims.transition(
      claim.number,
      'closed',
      env.jordanActor,
      'changed my mind',
    );
    assert.equal(withdrawn.status, 'closed');
  });
});

describe('assignment, messages and attachments', () => {
  it('assigns to an active officer, threads messages and records each in the audit trail', async () => {
    const claim = await fileClaim();
    const assigned = await env.services.claims.assign(claim.number, demoOfficers[1].slackUserId, avery);
    assert.deepEqual(assigned.assignee, { slackUserId: demoOfficers[1].slackUserId, name: 'Morgan Patel' });
    await assert.rejects(env.services.claims.assign(claim.number, 'UNOBODY1', avery), (error) =>
      isDomainError(error, 'forbidden'),
    );
    await assert.rejects(
      env.services.claims.assign(claim.number, demoOfficers[0].slackUserId, env.jordanActor),
      (error) => isDomainError(error, 'forbidden'),
    );

    await env.services.claims.addMessage(claim.number, 'Could you send a photo?', morgan);
    const answered = await env.services.claims.addMessage(claim.number, 'Sure, attached.', env.jordanActor);
    assert.deepEqual(
      answered.messages.map((message) => [message.from, message.author, message.text]),
      [
        ['officer', demoOfficers[1].slackUserId, 'Could you send a photo?'],
        ['customer', env.jordan.id, 'Sure, attached.'],
      ],
    );
    const attached = await env.services.claims.addAttachment(
      claim.number,
      { fileId: 'f1', name: 'crack.jpg', contentType: 'image/jpeg', size: 1234 },
      env.jordanActor,
    );
    assert.equal(attached.attachments[0]?.name, 'crack.jpg');

    const actions = (await env.services.audit.listForRecord('claims', claim.id)).map((entry) => entry.action);
    assert.deepEqual(actions, [
      'claim.create',
      'claim.assign',
      'claim.message',
      'claim.message',
      'claim.attach',
    ]);
  });

  it('refuses messages on a closed claim and empty messages', async () => {
    const claim = await fileClaim();
    await assert.rejects(env.services.claims.addMessage(claim.number, '   ', env.jordanActor), (error) =>
      isDomainError(error, 'validation'),
    );
    await env.services.claims.transition(claim.number, 'closed', env.jordanActor);
    await assert.rejects(env.services.claims.addMessage(claim.number, 'anyone?', env.jordanActor), (error) =>
      isDomainError(error, 'conflict'),
    );
  });
});

describe('risk signals recorded as a claim is filed', () => {
  const daysBefore = (days: number) => new Date(fixedNow.getTime() - days * 86_400_000);
  const home = (type: string, incidentDate: Date) =>
    env.services.claims.file(
      {
        customerId: env.jordan.id,
        policyNumber: demoCustomer.policies.home,
        incidentDate,
        type,
        description: 'Came home to find the back door forced',
        location: 'At home',
        amountClaimed: 3000,
      },
      env.jordanActor,
    );

  it("flags a claim soon after the claim's coverage was raised, from the policy's coverage history", async () => {
    // The demo data raised Jordan's Personal property cover on HOM-300400 twelve days ago.
    const policy = await env.db.models.policies.findOne({ number: demoCustomer.policies.home }).lean();
    assert.deepEqual(
      policy!.coverageChanges.map((change) => [change.coverage, change.effectiveFrom.toISOString()]),
      [['Personal property', daysBefore(12).toISOString().slice(0, 10) + 'T00:00:00.000Z']],
    );
    const theft = await home('theft', daysBefore(5));
    const signal = theft.riskSignals.find((found) => found.code === 'after_coverage_increase');
    assert.equal(
      signal?.message,
      'The incident is 7 days after the Personal property coverage was increased (within 30 days).',
    );
    assert.equal(theft.status, 'in_review');
    // Filing and the move to review are drained together: both audit entries, in order, none left pending.
    const audit = await env.services.audit.listForRecord('claims', theft.id);
    assert.deepEqual(
      audit.map((entry) => entry.action),
      ['claim.create', 'claim.transition'],
    );
    const row = await env.db.models.claims.findById(theft.id).lean();
    assert.deepEqual(row!.pendingEvents, []);
    // A loss dated before the increase, claimed after it, is flagged too.
    const before = await home('theft', daysBefore(20));
    assert.match(
      before.riskSignals.find((found) => found.code === 'after_coverage_increase')?.message ?? '',
      /^The Personal property coverage was increased 8 days after the incident date/,
    );
    // Water damage falls under Dwelling, which was not raised.
    const water = await home('water_damage', daysBefore(5));
    assert.equal(
      water.riskSignals.some((found) => found.code === 'after_coverage_increase'),
      false,
      JSON.stringify(water.riskSignals),
    );
  });

  const photoAt = (gps: { latitude: number; longitude: number }, name: string) => ({
    fileId: `file-${name}`,
    name,
    contentType: 'image/jpeg',
    size: 2048,
    checklistItem: 'photos',
    evidence: {
      sha256: name
        .padEnd(64, '0')
        .replace(/[^0-9a-f]/g, 'a')
        .slice(0, 64),
      gps,
    },
  });
  const seattle = { latitude: 47.61, longitude: -122.33 };
  const austin = { latitude: 30.265, longitude: -97.748 };

  it('flags a photo far from a real stated place, naming what the place was taken as', async () => {
    const claim = await env.services.claims.file(
      {
        customerId: env.jordan.id,
        policyNumber: demoCustomer.policies.auto,
        incidentDate: daysBefore(3),
        type: 'vandalism',
        description: 'Side mirror smashed overnight',
        location: 'Red River St, Austin, TX',
        amountClaimed: 600,
        attachments: [photoAt(seattle, 'mirror')],
      },
      env.jordanActor,
    );
    assert.match(
      claim.riskSignals.find((signal) => signal.code === 'photo_far_from_location')?.message ?? '',
      /^A photo was taken about 28\d\d km from the stated location \(taken as Austin, TX\)\.$/,
    );
  });

  it("checks a home claim's photos against the customer's address, and again for files added later", async () => {
    const claim = await home('water_damage', daysBefore(4));
    assert.equal(
      claim.riskSignals.some((signal) => signal.code === 'photo_far_from_location'),
      false,
    );
    const near = await env.services.claims.addDocuments(
      claim.number,
      [photoAt(austin, 'ceiling')],
      env.jordanActor,
    );
    assert.equal(
      near.riskSignals.some((signal) => signal.code === 'photo_far_from_location'),
      false,
    );
    const far = await env.services.claims.addDocuments(
      claim.number,
      [photoAt(seattle, 'stain')],
      env.jordanActor,
    );
    assert.match(
      far.riskSignals.find((signal) => signal.code === 'photo_far_from_location')?.message ?? '',
      /taken as the customer's address \(Austin, TX\)/,
    );
    // The file is kept all the same: the signal informs the officer.
    assert.equal(far.attachments.length, 2);
  });

  it('flags a file whose hash is already on another claim, on filing and when added later', async () => {
    const photo = photoAt(austin, 'reused');
    const first = await home('water_damage', daysBefore(9));
    await env.services.claims.addDocuments(first.number, [photo], env.jordanActor);
    const second = await env.services.claims.file(
      {
        customerId: env.jordan.id,
        policyNumber: demoCustomer.policies.auto,
        incidentDate: daysBefore(2),
        type: 'vandalism',
        description: 'Keyed along the side',
        location: 'Austin, TX',
        amountClaimed: 900,
        attachments: [{ ...photo, fileId: 'file-reused-again' }],
      },
      env.jordanActor,
    );
    assert.deepEqual(second.attachments[0]?.evidence?.alsoOnClaims, [first.number]);
    assert.deepEqual(
      second.riskSignals.find((signal) => signal.code === 'duplicate_photo'),
      {
        code: 'duplicate_photo',
        message: `A file identical to one sent with this claim is on ${first.number}.`,
      },
    );
    // A third claim sent the same file is told of both.
    const third = await home('storm', daysBefore(1));
    const again = await env.services.claims.addDocuments(third.number, [photo], env.jordanActor);
    assert.deepEqual(
      [...(again.attachments[0]?.evidence?.alsoOnClaims ?? [])].sort(),
      [first.number, second.number].sort(),
    );
    assert.ok(again.riskSignals.some((signal) => signal.code === 'duplicate_photo'));
  });
});

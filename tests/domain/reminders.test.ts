import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Types } from 'mongoose';
import { claimReminders, policyReminders, premiumReminderKinds } from '../../src/domain/reminders.js';
import { maxSmsLength, renderNotification } from '../../src/notifications/templates.js';
import { nextSendableAt } from '../../src/notifications/sms-pacing.js';
import { day, photosUntilAttached, startReminderWorld, type ReminderWorld } from '../jobs/support.js';

const hour = 60 * 60 * 1000;
let world: ReminderWorld;

before(async () => {
  world = await startReminderWorld();
});
after(async () => {
  await world.db.stop();
});
beforeEach(async () => {
  const { models } = world.db;
  await Promise.all([
    models.policies.deleteMany({}),
    models.claims.deleteMany({}),
    models.reminders.deleteMany({}),
    models.notifications.deleteMany({}),
  ]);
  world.logs.length = 0;
  await world.reach(world.customer, { sms: true, timezone: 'America/New_York' });
});

/** Runs a planning and release pass every `stepMs` from `from` to `to`; resolves with the outbox rows. */
async function walk(from: Date, to: Date, stepMs: number, service = world.service()) {
  for (let at = from.getTime(); at <= to.getTime(); at += stepMs) {
    await service.plan(new Date(at));
    await service.release(new Date(at));
  }
  return world.db.models.notifications.find({}).sort({ nextAttemptAt: 1 }).lean();
}

describe('what is reminded', () => {
  test('a policy calls for its premium, renewal and expiry reminders at their offsets', () => {
    const holder = new Types.ObjectId();
    const found = policyReminders({
      _id: new Types.ObjectId(),
      holder,
      status: 'active',
      nextDueDate: new Date('2026-07-01T00:00:00Z'),
      endDate: new Date('2026-09-01T00:00:00Z'),
    });
    assert.deepEqual(
      found.map((reminder) => `${reminder.kind}@${reminder.dueAt.toISOString()}`),
      [
        'premium_due@2026-06-24T00:00:00.000Z',
        'premium_due@2026-06-30T00:00:00.000Z',
        'premium_overdue@2026-07-02T00:00:00.000Z',
        'renewal@2026-08-02T00:00:00.000Z',
        'renewal@2026-08-25T00:00:00.000Z',
        'policy_expired@2026-09-02T00:00:00.000Z',
      ],
    );
    const cancelled = policyReminders({
      ...found[0]!,
      _id: new Types.ObjectId(),
      holder,
      status: 'cancelled',
      endDate: new Date(),
    });
    assert.deepEqual(cancelled, []);
  });

  test('each reminder of a policy is sent once, on time, with its numbers, amounts and dates', async () => {
    const policy = await world.policy({
      nextDueDate: new Date('2026-07-01T14:00:00Z'),
      endDate: new Date('2026-08-10T14:00:00Z'),
    });
    const number = (await world.db.models.policies.findById(policy).lean())!.number;
    const rows = await walk(new Date('2026-06-01T02:00:00Z'), new Date('2026-08-15T02:00:00Z'), 12 * hour);
    assert.deepEqual(
      rows.map((row) => `${row.template}@${row.nextAttemptAt.toISOString()}`),
      [
        'reminder.premium_due@2026-06-24T14:00:00.000Z',
        'reminder.premium_due@2026-06-30T14:00:00.000Z',
        'reminder.premium_overdue@2026-07-02T14:00:00.000Z',
        'reminder.renewal@2026-07-11T14:00:00.000Z',
        'reminder.renewal@2026-08-03T14:00:00.000Z',
        'reminder.policy_expired@2026-08-11T14:00:00.000Z',
      ],
    );
    assert.ok(rows.every((row) => row.route === 'sms' && row.idempotencyKey.startsWith('reminder:')));
    assert.deepEqual(rows[0]!.payload, {
      number,
      amount: 42.5,
      currency: 'USD',
      dueDate: '2026-07-01',
      days: 7,
    });
    assert.deepEqual(rows[2]!.payload, {
      number,
      amount: 42.5,
      currency: 'USD',
      dueDate: '2026-07-01',
      graceEndDate: '2026-07-31',
    });
    assert.deepEqual(rows[3]!.payload, { number, endDate: '2026-08-10', days: 30 });
    for (const row of rows) {
      const rendered = renderNotification(row.template, row.payload);
      assert.ok(rendered.sms.length <= maxSmsLength);
      assert.ok(rendered.sms.includes(number));
    }
    const renewal = renderNotification(rows[3]!.template, rows[3]!.payload);
    assert.match(renewal.sms, new RegExp(`Reply RENEW ${number}`));
    assert.match(JSON.stringify(renewal.chat), new RegExp(`"value":"renew ${number}"`));
    assert.match(
      renderNotification(rows[2]!.template, rows[2]!.payload).sms,
      /July 31, 2026, the end of the grace period/,
    );
    assert.equal((await world.stored('sent')).length, 6);
  });

  test('missing claim documents: 2 days after filing, then every 5 days, at most 3 times', async () => {
    const filedAt = new Date('2026-06-01T15:00:00Z');
    await world.claim({ filedAt });
    const rows = await walk(
      new Date('2026-06-01T03:00:00Z'),
      new Date('2026-07-10T03:00:00Z'),
      12 * hour,
      world.service({ missingItems: photosUntilAttached }),
    );
    assert.deepEqual(
      rows.map((row) => `${row.template}@${row.nextAttemptAt.toISOString()}`),
      [
        'reminder.missing_documents@2026-06-03T15:00:00.000Z',
        'reminder.missing_documents@2026-06-08T15:00:00.000Z',
        'reminder.missing_documents@2026-06-13T15:00:00.000Z',
      ],
    );
    assert.deepEqual((rows[0]!.payload as { items: string[] }).items, ['photos of the damage']);
    assert.match(
      renderNotification(rows[0]!.template, rows[0]!.payload).sms,
      /waiting for: photos of the damage/,
    );
  });

  test('a request for information starts the document reminders again from its date', async () => {
    await world.claim({
      filedAt: new Date('2026-05-01T15:00:00Z'),
      infoRequestedAt: new Date('2026-06-10T15:00:00Z'),
    });
    const rows = await walk(
      new Date('2026-06-09T03:00:00Z'),
      new Date('2026-06-14T03:00:00Z'),
      12 * hour,
      world.service({ missingItems: photosUntilAttached }),
    );
    assert.deepEqual(
      rows.map((row) => row.nextAttemptAt.toISOString()),
      ['2026-06-12T15:00:00.000Z'],
    );
  });

  test('the claims service having no checklist yet, no claim is reminded by default', async () => {
    const claimId = await world.claim({ filedAt: new Date('2026-06-01T15:00:00Z') });
    const claim = (await world.db.models.claims.findById(claimId).lean())!;
    assert.deepEqual(
      claimReminders(claim, () => []),
      [],
    );
    assert.equal(
      (await walk(new Date('2026-06-03T15:00:00Z'), new Date('2026-06-03T15:00:00Z'), hour)).length,
      0,
    );
  });
});

describe('cancellation', () => {
  test('a payment cancels the pending premium reminders, at planning and at send time', async () => {
    const due = new Date('2026-07-01T14:00:00Z');
    const paid = await world.policy({ nextDueDate: due, endDate: new Date('2027-06-01T14:00:00Z') });
    const paidLate = await world.policy({ nextDueDate: due, endDate: new Date('2027-06-01T14:00:00Z') });
    const service = world.service();
    const before = new Date(due.getTime() - 7 * day - hour);
    await service.plan(before);
    assert.equal((await world.stored('scheduled')).length, 2);

    // Paid: the next premium is due a month later.
    await world.db.models.policies.updateOne(
      { _id: paid },
      { $set: { nextDueDate: new Date(due.getTime() + 30 * day) } },
    );
    const replanned = await service.plan(new Date(before.getTime() + 15 * 60_000));
    assert.equal(replanned.cancelled, 1);
    assert.equal(replanned.scheduled, 0);

    // Paid between the last planning pass and the send: the send finds it pointless.
    await world.db.models.policies.updateOne(
      { _id: paidLate },
      { $set: { nextDueDate: new Date(due.getTime() + 30 * day) } },
    );
    const released = await service.release(new Date(due.getTime() - 7 * day));
    assert.deepEqual(
      released.map((outcome) => outcome.outcome),
      ['cancelled'],
    );
    assert.equal(await world.db.models.notifications.countDocuments(), 0);
    assert.equal((await world.stored('cancelled')).length, 2);
  });

  test('cancelPending: a payment cancels the premium reminders at once, one waiting in the outbox too', async () => {
    // Due at 23:30 in New York: the 7-day reminder waits in the outbox for the morning.
    const due = new Date('2026-07-01T03:30:00Z');
    const policy = await world.policy({ nextDueDate: due, endDate: new Date('2026-07-07T14:00:00Z') });
    const other = await world.policy({ nextDueDate: due, endDate: new Date('2027-06-01T14:00:00Z') });
    const service = world.service();
    const night = new Date(due.getTime() - 7 * day);
    await service.plan(night);
    const released = await service.release(night);
    assert.deepEqual(
      released.map((outcome) => outcome.outcome),
      ['deferred', 'deferred'],
    );
    await service.plan(new Date(due.getTime() - day - hour));
    assert.equal((await world.stored('scheduled')).length, 3, "both 1-day reminders and the renewal's");

    const cancelled = await service.cancelPending({
      kind: premiumReminderKinds,
      subject: { policy: policy.toString() },
      reason: 'premium paid',
    });
    assert.equal(cancelled, 2);
    const mine = await world.db.models.reminders.find({ policy }).sort({ dueAt: 1 }).lean();
    assert.deepEqual(
      mine.map((row) => `${row.kind}:${row.status}:${row.reason ?? ''}`),
      ['premium_due:cancelled:premium paid', 'premium_due:cancelled:premium paid', 'renewal:scheduled:'],
    );
    const rows = await world.db.models.notifications.find({}).lean();
    const recalled = rows.find((row) => row._id.equals(mine[0]!.notification!));
    assert.equal(recalled?.status, 'failed');
    assert.match(recalled?.lastError ?? '', /cancelled: premium paid/);
    assert.deepEqual(
      rows.filter((row) => row.status === 'pending').length,
      1,
      "the other policy's reminder still waits",
    );
    assert.equal(
      await world.db.models.reminders.countDocuments({ policy: other, status: { $ne: 'cancelled' } }),
      2,
    );
    // Asked again, nothing is left to cancel.
    assert.equal(await service.cancelPending({ kind: 'premium_due', subject: { policy } }), 0);
  });

  test('a renewal cancels the renewal reminders and the expiry notice', async () => {
    const end = new Date('2026-07-10T14:00:00Z');
    const policy = await world.policy({ endDate: end });
    const service = world.service();
    await service.plan(new Date(end.getTime() - 7 * day - hour));
    assert.deepEqual(await world.stored('scheduled'), ['renewal@2026-07-03T14:00:00.000Z']);
    await world.db.models.policies.updateOne(
      { _id: policy },
      { $set: { endDate: new Date(end.getTime() + 365 * day) } },
    );
    const rows = await walk(
      new Date(end.getTime() - 7 * day),
      new Date(end.getTime() + 3 * day),
      6 * hour,
      service,
    );
    assert.equal(rows.length, 0);
    assert.deepEqual(await world.stored('cancelled'), ['renewal@2026-07-03T14:00:00.000Z']);
  });

  test('a document that arrives stops the claim reminders', async () => {
    const filedAt = new Date('2026-06-01T15:00:00Z');
    const claim = await world.claim({ filedAt });
    const service = world.service({ missingItems: photosUntilAttached });
    const first = await walk(
      new Date('2026-06-03T15:00:00Z'),
      new Date('2026-06-07T03:00:00Z'),
      12 * hour,
      service,
    );
    assert.equal(first.length, 1);
    await world.db.models.claims.updateOne(
      { _id: claim },
      { $push: { attachments: { fileId: 'f1', name: 'photo.jpg', contentType: 'image/jpeg', size: 10 } } },
    );
    const later = await walk(
      new Date('2026-06-07T15:00:00Z'),
      new Date('2026-06-20T03:00:00Z'),
      12 * hour,
      service,
    );
    assert.equal(later.length, 1);
    assert.deepEqual(await world.stored('cancelled'), ['missing_documents@2026-06-08T15:00:00.000Z']);
  });
});

describe('when and how', () => {
  test('quiet hours: an SMS due at 23:30 local leaves at 8:00 local, in New York and in Los Angeles', async () => {
    const [, west] = await world.db.models.customers
      .find({ _id: { $ne: world.customer } })
      .limit(2)
      .lean();
    await world.reach(west!._id, { sms: true, timezone: 'America/Los_Angeles' });
    // 23:30 on June 15 in each zone, seven days before the premium is due.
    const eastDue = new Date('2026-06-16T03:30:00Z');
    const westDue = new Date('2026-06-16T06:30:00Z');
    await world.policy({
      nextDueDate: new Date(eastDue.getTime() + 7 * day),
      endDate: new Date('2027-06-01T00:00:00Z'),
    });
    await world.policy({
      nextDueDate: new Date(westDue.getTime() + 7 * day),
      endDate: new Date('2027-06-01T00:00:00Z'),
      holder: west!._id,
    });
    const service = world.service();
    await service.plan(eastDue);
    const east = await service.release(eastDue);
    assert.deepEqual(
      east.map((outcome) => [outcome.outcome, outcome.at?.toISOString()]),
      [['deferred', '2026-06-16T12:00:00.000Z']],
    );
    await service.plan(westDue);
    const westOutcomes = await service.release(westDue);
    assert.deepEqual(
      westOutcomes.map((outcome) => [outcome.outcome, outcome.at?.toISOString()]),
      [['deferred', '2026-06-16T15:00:00.000Z']],
    );
    const rows = await world.db.models.notifications.find({}).sort({ nextAttemptAt: 1 }).lean();
    assert.deepEqual(
      rows.map((row) => row.nextAttemptAt.toISOString()),
      ['2026-06-16T12:00:00.000Z', '2026-06-16T15:00:00.000Z'],
    );
  });

  test('quiet hours end at 8:00 and start at 21:00, across a daylight-saving change', () => {
    const zone = 'America/New_York';
    const at = (iso: string) => nextSendableAt(new Date(iso), zone).toISOString();
    assert.equal(at('2026-06-15T11:59:00Z'), '2026-06-15T12:00:00.000Z'); // 7:59 EDT
    assert.equal(at('2026-06-15T12:00:00Z'), '2026-06-15T12:00:00.000Z'); // 8:00 EDT
    assert.equal(at('2026-06-16T00:59:00Z'), '2026-06-16T00:59:00.000Z'); // 20:59 EDT
    assert.equal(at('2026-06-16T01:00:00Z'), '2026-06-16T12:00:00.000Z'); // 21:00 EDT
    assert.equal(at('2026-11-01T04:30:00Z'), '2026-11-01T13:00:00.000Z'); // 0:30 EDT, 8:00 EST
    assert.equal(
      nextSendableAt(new Date('2026-06-15T05:00:00Z'), 'Asia/Tokyo').toISOString(),
      '2026-06-15T05:00:00.000Z',
    );
  });

  test('consent: SMS when opted in, else the web conversation, else skipped', async () => {
    const [a, b] = await world.db.models.customers
      .find({ _id: { $ne: world.customer } })
      .limit(2)
      .lean();
    await world.reach(a!._id, { sms: false, conversation: true });
    await world.reach(b!._id, { sms: false });
    const dueAt = new Date('2026-06-15T15:00:00Z');
    for (const holder of [world.customer, a!._id, b!._id]) {
      await world.policy({
        nextDueDate: new Date(dueAt.getTime() + day),
        endDate: new Date('2027-06-01T00:00:00Z'),
        holder,
      });
    }
    const service = world.service();
    await service.plan(dueAt);
    const outcomes = await service.release(dueAt);
    assert.deepEqual(outcomes.map((outcome) => `${outcome.outcome}:${outcome.route ?? '-'}`).sort(), [
      'sent:conversation',
      'sent:sms',
      'skipped:-',
    ]);
    const rows = await world.db.models.notifications.find({}).lean();
    assert.deepEqual(
      rows.map((row) => `${row.recipient.toString()}:${row.route}`).sort(),
      [`${a!._id.toString()}:conversation`, `${world.customer.toString()}:sms`].sort(),
    );
    assert.equal((await world.stored('skipped')).length, 1);
  });

  test('catch-up: a reminder missed while down is sent late once; one more than a day late is dropped', async () => {
    const dueAt = new Date('2026-06-15T15:00:00Z');
    await world.policy({
      nextDueDate: new Date(dueAt.getTime() + 7 * day),
      endDate: new Date('2027-06-01T00:00:00Z'),
    });
    const service = world.service();
    const late = new Date(dueAt.getTime() + 3 * hour);
    await service.plan(late);
    assert.deepEqual(
      (await service.release(late)).map((outcome) => outcome.outcome),
      ['sent'],
    );
    await service.plan(new Date(late.getTime() + hour));
    assert.deepEqual(await service.release(new Date(late.getTime() + hour)), []);
    assert.equal(await world.db.models.notifications.countDocuments(), 1);

    await world.db.models.policies.deleteMany({});
    await world.db.models.reminders.deleteMany({});
    const policy = await world.policy({
      nextDueDate: new Date(dueAt.getTime() + 7 * day),
      endDate: new Date('2027-06-01T00:00:00Z'),
    });
    const number = (await world.db.models.policies.findById(policy).lean())!.number;
    const tooLate = new Date(dueAt.getTime() + 30 * hour);
    await service.plan(tooLate);
    assert.deepEqual(
      (await service.release(tooLate)).map((outcome) => outcome.outcome),
      ['dropped'],
    );
    assert.equal(await world.db.models.notifications.countDocuments(), 1);
    const dropped = world.logs.filter((line) => line.includes('reminder dropped'));
    assert.equal(dropped.length, 1);
    assert.ok(!dropped[0]!.includes(number), 'no policy number in the log');
  });

  test('two planners at once schedule and queue each reminder once', async () => {
    const dueAt = new Date('2026-06-15T15:00:00Z');
    for (let index = 0; index < 40; index++) {
      await world.policy({
        nextDueDate: new Date(dueAt.getTime() + 7 * day + index * 60_000),
        endDate: new Date('2027-06-01T00:00:00Z'),
      });
    }
    const [a, b] = [world.service(), world.service()];
    const at = new Date(dueAt.getTime() + hour);
    const plans = await Promise.all([a.plan(at), b.plan(at)]);
    assert.equal(plans[0].scheduled + plans[1].scheduled, 40);
    assert.equal(await world.db.models.reminders.countDocuments(), 40);
    const released = await Promise.all([a.release(at), b.release(at)]);
    assert.equal(released[0].length + released[1].length, 40);
    assert.equal(await world.db.models.notifications.countDocuments(), 40);
    assert.equal((await world.stored('sent')).length, 40);
  });
});

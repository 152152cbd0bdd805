/**
 * The handoff SLA job on a fixed clock: two processes' jobs racing on one database escalate an overdue
 * handoff once, under the `handoff-sla` lease, and a pass with nothing overdue takes no lease at all.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseBusinessHours } from '../../src/domain/business-hours.js';
import { MongoHandoffService } from '../../src/domain/handoff.js';
import { createHandoffSlaJob } from '../../src/jobs/index.js';
import { createLogger } from '../../src/log.js';
import { EventRelay } from '../../src/notifications/relay.js';
import { slackConsequences } from '../../src/notifications/slack-route.js';
import { startSeededDomain, type SeededDomain } from '../domain/fixtures.js';

/** Monday 10:00 in New York. */
const asked = new Date('2026-06-15T14:00:00Z');
let clock = asked;
let env: SeededDomain;

before(async () => {
  env = await startSeededDomain();
});
after(async () => {
  await env.db.stop();
});

function process() {
  const now = () => clock;
  const handoffs = new MongoHandoffService({
    models: env.db.models,
    events: new EventRelay({ models: env.db.models, now, consequences: slackConsequences }),
    settings: {
      handoffSlaMinutes: 10,
      hours: parseBusinessHours('Mon-Fri 09:00-17:00', 'America/New_York')!,
      ticketSlaHours: 8,
    },
    now,
  });
  const job = createHandoffSlaJob({
    db: env.db.connection.db!,
    handoffs,
    logger: createLogger('silent'),
    now,
  });
  return { handoffs, job };
}

test('an overdue handoff is escalated once over two racing processes, and an idle pass takes no lease', async () => {
  const one = process();
  const two = process();
  const leases = env.db.connection.collection('jobleases');
  const ticket = await one.handoffs.requestSupport({
    channel: 'directline',
    conversationId: 'sla-conversation',
    reason: 'customer_request',
    reference: { channelId: 'directline', conversation: { id: 'sla-conversation' } },
  });
  assert.equal(ticket.mode, 'live');

  clock = new Date('2026-06-15T14:09:59Z');
  assert.deepEqual(await Promise.all([one.job.runPass(), two.job.runPass()]), [0, 0]);
  assert.equal(await leases.countDocuments({ _id: 'handoff-sla' as never }), 0, 'no lease taken when idle');

  clock = new Date('2026-06-15T14:10:00Z');
  const passes = await Promise.all([one.job.runPass(), two.job.runPass()]);
  assert.equal(
    passes.reduce<number>((sum, escalated) => sum + (escalated ?? 0), 0),
    1,
    `escalated once in total (${JSON.stringify(passes)})`,
  );
  const row = await env.db.models.supportRequests.findById(ticket.id).lean();
  assert.equal(row?.escalatedAt?.toISOString(), '2026-06-15T14:10:00.000Z');
  const waiting = await env.db.models.notifications.countDocuments({
    template: 'handoff.waiting',
    'payload.request': ticket.id,
  });
  assert.equal(waiting, 1);
  assert.deepEqual(await Promise.all([one.job.runPass(), two.job.runPass()]), [0, 0]);
});

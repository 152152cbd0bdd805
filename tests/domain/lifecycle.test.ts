/**
 * The lifecycle helper, table-driven: every move between every pair of statuses, by every kind of
 * actor, for claims and service requests. An allowed move changes the status, appends to the history,
 * and leaves exactly one audit entry (and a notification when someone other than the customer moved
 * it), with nothing left pending; a refused move changes nothing at all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Types } from 'mongoose';
import { benefitRequestStatuses, claimStatuses } from '../../src/db/models/index.js';
import { demoCustomer } from '../../src/db/seed.js';
import { claimTransitions } from '../../src/domain/claims.js';
import { requestTransitions } from '../../src/domain/requests.js';
import { isDomainError, type Actor, type ActorType } from '../../src/domain/index.js';
import type { TransitionTable } from '../../src/domain/lifecycle.js';
import { fixedNow, morgan, startSeededDomain, type SeededDomain } from './fixtures.js';

let env: SeededDomain;
before(async () => {
  env = await startSeededDomain();
});
after(() => env.db.stop());

const actorTypes: ActorType[] = ['customer', 'officer', 'system'];

function actorOf(type: ActorType): Actor {
  if (type === 'customer') return env.jordanActor;
  return type === 'officer' ? morgan : { type: 'system', id: 'tests', channel: 'system' };
}

interface Machine {
  name: string;
  collection: 'claims' | 'benefitrequests';
  statuses: readonly string[];
  table: TransitionTable<string>;
  /** A fresh row forced into `status`; resolves with its number and id. */
  create(status: string): Promise<{ number: string; id: string }>;
  move(number: string, to: string, actor: Actor): Promise<{ status: string }>;
  status(number: string): Promise<string>;
}

const machines: Machine[] = [
  {
    name: 'claim',
    collection: 'claims',
    statuses: claimStatuses,
    table: claimTransitions as TransitionTable<string>,
    async create(status) {
      const claim = await env.services.claims.create(
        {
          customerId: env.jordan.id,
          policyNumber: demoCustomer.policies.auto,
          incidentDate: new Date(fixedNow.getTime() - 86_400_000),
          type: 'glass_damage',
          description: 'a stone cracked the windscreen',
          amountClaimed: 300,
        },
        env.jordanActor,
      );
      await env.db.models.claims.updateOne({ number: claim.number }, { $set: { status } });
      return { number: claim.number, id: claim.id };
    },
    move: (number, to, actor) =>
      env.services.claims.transition(number, to as never, actor, 'because the tests say so'),
    async status(number) {
      return (await env.services.claims.getByNumber(number)).status;
    },
  },
  {
    name: 'service request',
    collection: 'benefitrequests',
    statuses: benefitRequestStatuses,
    table: requestTransitions as TransitionTable<string>,
    async create(status) {
      const request = await env.services.requests.requestBenefit(
        {
          customerId: env.jordan.id,
          policyNumber: demoCustomer.policies.home,
          benefitCode: 'EMERGENCY_REPAIR',
          location: 'the kitchen',
          details: 'a burst pipe under the sink',
        },
        env.jordanActor,
      );
      await env.db.models.benefitRequests.updateOne({ number: request.number }, { $set: { status } });
      return { number: request.number, id: request.id };
    },
    move: (number, to, actor) =>
      env.services.requests.transition(number, to as never, actor, 'because the tests say so'),
    async status(number) {
      return (await env.services.requests.getByNumber(number)).status;
    },
  },
];

async function consequences(collection: string, id: string) {
  const [audit, notifications, row] = await Promise.all([
    env.db.models.auditEvents.countDocuments({ 'record.collection': collection, 'record.id': id }),
    env.db.models.notifications.countDocuments({
      'payload.number': { $exists: true },
      recipient: env.jordan.id,
    }),
    env.db.connection.collection(collection).findOne({ _id: new Types.ObjectId(id) }),
  ]);
  return { audit, notifications, pending: (row?.pendingEvents as unknown[] | undefined)?.length ?? 0 };
}

for (const machine of machines) {
  describe(`${machine.name} lifecycle`, () => {
    for (const from of machine.statuses) {
      for (const to of machine.statuses) {
        const allowed = machine.table[from]?.[to];
        for (const type of actorTypes) {
          const permitted = allowed?.includes(type) ?? false;
          const outcome = permitted ? 'moves' : allowed ? 'forbidden' : 'invalid_transition';
          test(`${from} → ${to} by a ${type}: ${outcome}`, async () => {
            const row = await machine.create(from);
            const before = await consequences(machine.collection, row.id);
            const attempt = machine.move(row.number, to, actorOf(type));
            if (!permitted) {
              await assert.rejects(attempt, (error) => isDomainError(error, outcome as 'forbidden'));
              assert.equal(await machine.status(row.number), from);
              assert.deepEqual(await consequences(machine.collection, row.id), before);
              return;
            }
            assert.equal((await attempt).status, to);
            const afterMove = await consequences(machine.collection, row.id);
            assert.equal(afterMove.audit, before.audit + 1, 'one audit entry');
            assert.equal(afterMove.pending, 0, 'nothing left to drain');
            assert.equal(
              afterMove.notifications,
              before.notifications + (type === 'customer' ? 0 : 1),
              'the customer is told about moves others make',
            );
          });
        }
      }
    }
  });
}

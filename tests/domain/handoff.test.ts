import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isDomainError } from '../../src/domain/errors.js';
import { MongoHandoffService } from '../../src/domain/handoff.js';
import { startSeededDomain, type SeededDomain } from './fixtures.js';

/** A Friday afternoon: the next business day is Monday. */
const friday = new Date('2026-06-12T15:00:00Z');

let env: SeededDomain;
let service: MongoHandoffService;
let requests: SeededDomain['db']['models']['supportRequests'];

before(async () => {
  env = await startSeededDomain();
  requests = env.db.models.supportRequests;
  service = new MongoHandoffService(env.db.models, env.services.audit, () => friday);
});
after(async () => {
  await env.db.stop();
});

describe('MongoHandoffService', () => {
  it('opens a numbered request due the next business day, with an audit entry', async () => {
    const ticket = await service.requestSupport({
      channel: 'DirectLine',
      conversationId: 'conv-a',
      reason: 'customer_request',
      context: 'menu',
    });
    assert.match(ticket.reference, /^SR-\d{6}$/);
    assert.equal(ticket.channel, 'directline');
    assert.equal(ticket.status, 'open');
    assert.equal(ticket.respondBy.toISOString(), '2026-06-15T15:00:00.000Z');
    const audit = await env.services.audit.listForRecord('supportrequests', ticket.id);
    assert.deepEqual(
      audit.map((entry) => [entry.action, entry.actor.type, entry.details.reference]),
      [['support_request.open', 'system', ticket.reference]],
    );
  });

  it('gives the same request to a conversation that asks again, and adds the customer once known', async () => {
    const first = await service.requestSupport({
      channel: 'sms',
      conversationId: 'conv-b',
      reason: 'answer_unhelpful',
    });
    const again = await service.requestSupport({
      channel: 'sms',
      conversationId: 'conv-b',
      reason: 'customer_request',
      customerId: env.jordan.id,
    });
    assert.equal(again.reference, first.reference);
    assert.equal(again.customerId, env.jordan.id);
    assert.equal(await requests.countDocuments({ conversationId: 'conv-b' }), 1);
    assert.equal(
      (await requests.findOne({ conversationId: 'conv-b' }).lean())?.customer?.toString(),
      env.jordan.id,
    );
  });

  it('numbers requests from different conversations apart, and opens a new one once the last is closed', async () => {
    const one = await service.requestSupport({
      channel: 'sms',
      conversationId: 'conv-c',
      reason: 'customer_request',
    });
    const two = await service.requestSupport({
      channel: 'sms',
      conversationId: 'conv-d',
      reason: 'customer_request',
    });
    assert.notEqual(one.reference, two.reference);
    await requests.updateOne({ _id: one.id }, { $set: { status: 'closed' } });
    const three = await service.requestSupport({
      channel: 'sms',
      conversationId: 'conv-c',
      reason: 'customer_request',
    });
    assert.ok(![one.reference, two.reference].includes(three.reference));
  });

  it('refuses a request without a conversation or with an unknown reason', async () => {
    await assert.rejects(
      service.requestSupport({ channel: 'sms', conversationId: ' ', reason: 'customer_request' }),
      (error) => isDomainError(error, 'validation'),
    );
    await assert.rejects(
      service.requestSupport({
        channel: 'sms',
        conversationId: 'conv-e',
        reason: 'whatever' as 'customer_request',
      }),
      (error) => isDomainError(error, 'validation'),
    );
  });
});

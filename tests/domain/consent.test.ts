import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { demoCustomer } from '../../src/db/seed.js';
import { isDomainError, type Actor } from '../../src/domain/index.js';
import { startSeededDomain, type SeededDomain } from './fixtures.js';

let env: SeededDomain;
before(async () => {
  env = await startSeededDomain();
});
after(async () => {
  await env.db.stop();
});

const sms: Actor = { type: 'system', id: 'sms', channel: 'sms' };

describe('SMS consent', () => {
  it('starts from the seeded opt-in for the demo customer', async () => {
    assert.equal(await env.services.consent.smsStatus(demoCustomer.phone), 'opted_in');
    assert.equal(env.jordan.smsConsent, 'opted_in');
  });

  it('records STOP once per inbound message, updates the customer and audits it', async () => {
    const stop = {
      phone: '(555) 555-0123',
      action: 'opt_out',
      source: 'keyword:STOP',
      messageSid: 'SM001',
    } as const;
    assert.equal(await env.services.consent.record(stop, sms), 'opted_out');
    assert.equal(await env.services.consent.record(stop, sms), 'opted_out');
    const history = await env.services.consent.history(demoCustomer.phone);
    assert.deepEqual(
      history.map((entry) => [entry.action, entry.source, entry.customerId]),
      [
        ['opt_in', 'web_form', env.jordan.id],
        ['opt_out', 'keyword:STOP', env.jordan.id],
      ],
    );
    assert.equal((await env.services.customers.getProfile(env.jordan.id)).smsConsent, 'opted_out');
    const audit = await env.db.models.auditEvents.find({ action: 'consent.opt_out' }).lean();
    assert.equal(audit.length, 1);
    assert.deepEqual(audit[0]?.actor, { type: 'system', id: 'sms' });
    assert.equal(audit[0]?.channel, 'sms');

    assert.equal(
      await env.services.consent.record(
        { ...stop, action: 'opt_in', source: 'keyword:START', messageSid: 'SM002' },
        sms,
      ),
      'opted_in',
    );
    assert.equal((await env.services.customers.getProfile(env.jordan.id)).smsConsent, 'opted_in');
  });

  it('keeps a late, older record in the history without overriding a newer decision', async () => {
    const phone = '+15555550102';
    await env.services.consent.record(
      { phone, action: 'opt_out', source: 'keyword:STOP', at: new Date('2026-06-10') },
      sms,
    );
    await env.services.consent.record(
      { phone, action: 'opt_in', source: 'web_form', at: new Date('2026-06-01') },
      sms,
    );
    assert.equal(await env.services.consent.smsStatus(phone), 'opted_out');
    const customer = await env.services.customers.findByPhone(phone);
    assert.equal(customer?.smsConsent, 'opted_out');
  });

  it('records numbers that belong to no customer, and refuses what is not a phone', async () => {
    assert.equal(
      await env.services.consent.record(
        { phone: '+15555550999', action: 'opt_out', source: 'keyword:STOP' },
        sms,
      ),
      'opted_out',
    );
    assert.equal(await env.services.consent.smsStatus('+15555550998'), 'unknown');
    await assert.rejects(
      env.services.consent.record({ phone: 'hello', action: 'opt_out', source: 'keyword:STOP' }, sms),
      (error) => isDomainError(error, 'validation'),
    );
  });
});

describe('consent mirrors', () => {
  it('copy an opt-out before it is recorded and again after, an opt-in after, with the time decided', async () => {
    const phone = '+15555550777';
    const seen: [string, string, boolean][] = [];
    env.services.consent.addMirror({
      async copy(copied, reading) {
        // Whether the ledger already holds the decision being copied.
        const recorded = (await env.services.consent.smsStatus(copied)) === reading.state;
        seen.push([copied, reading.state, recorded]);
      },
    });
    const at = new Date('2026-06-01T10:00:00Z');
    await env.services.consent.record(
      { phone: '(555) 555-0777', action: 'opt_out', source: 'officer', at },
      sms,
    );
    await env.services.consent.record({ phone, action: 'opt_in', source: 'web_form' }, sms);
    assert.deepEqual(seen, [
      [phone, 'opted_out', false],
      [phone, 'opted_out', true],
      [phone, 'opted_in', true],
    ]);
    assert.deepEqual(await env.services.consent.smsReading(phone), {
      state: 'opted_in',
      at: (await env.services.consent.history(phone)).at(-1)!.at,
    });
    assert.deepEqual(await env.services.consent.smsReading('+15555550778'), {
      state: 'unknown',
      at: new Date(0),
    });
  });
});

/**
 * "Reply RENEW" over SMS: a renewal reminder's answer starts the renewal dialog on the phone, as it does
 * in chat, and a same-terms renewal in good standing is accepted at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { demoCustomer } from '../../../src/db/seed.js';
import { Phone, startSmsApp, type SmsApp } from './support.js';

let running: SmsApp;

before(async () => {
  running = await startSmsApp({ LOG_LEVEL: 'silent' });
});
after(async () => {
  await running.stop();
});

describe('renewal over SMS', () => {
  test('RENEW with the policy number renews it on the same terms after the identity check', async () => {
    const phone = new Phone(running.sandbox, demoCustomer.phone);
    const [ask] = await phone.text(`RENEW ${demoCustomer.policies.home}`);
    assert.match(ask!, /what is your date of birth\?/i);
    const offered = (await phone.text(demoCustomer.dateOfBirth)).join('\n');
    assert.match(offered, /HOM-300400 \(Home Plus\) ends on/);
    assert.match(offered, /Reply 1 for Renew as it is/);
    const done = (await phone.text('1')).join('\n');
    assert.match(done, /Your request RNW-\d{6} \(Renewal of HOM-300400 on the same terms\) is approved/);
    const requests = await running.app.domain.requests.listForCustomer(
      (await running.app.domain.customers.findByPhone(demoCustomer.phone))!.id,
    );
    assert.equal(requests[0]?.kind, 'renewal');
    assert.equal(requests[0]?.status, 'approved');
  });
});

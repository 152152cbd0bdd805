import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FieldDecryptionError } from '../../src/db/encryption.js';
import { demoCustomer } from '../../src/db/seed.js';
import { isDomainError } from '../../src/domain/index.js';
import { startSeededDomain, type SeededDomain } from './fixtures.js';

let env: SeededDomain;
before(async () => {
  env = await startSeededDomain();
});
after(async () => {
  await env.db.stop();
});

const system = { type: 'system', id: 'test' } as const;

describe('finding customers', () => {
  it('finds the holder of a policy number, in any case', async () => {
    const found = await env.services.customers.findByPolicyNumber(' hom-300400 ');
    assert.equal(found?.id, env.jordan.id);
    assert.equal(found?.firstName, 'Jordan');
    assert.equal(await env.services.customers.findByPolicyNumber('HOM-999999'), null);
  });

  it('finds a customer by phone typed in common formats', async () => {
    for (const phone of [
      '+15555550123',
      '(555) 555-0123',
      '555.555.0123',
      '+1 555 555 0123',
      '1-555-555-0123',
    ]) {
      assert.equal((await env.services.customers.findByPhone(phone))?.id, env.jordan.id, phone);
    }
    assert.equal(await env.services.customers.findByPhone('not a phone'), null);
    assert.equal(await env.services.customers.findByPhone('+15555550000'), null);
  });
});

describe('identity verification', () => {
  it('verifies with a policy number or phone and the right date of birth', async () => {
    const byPolicy = await env.services.customers.verifyIdentity({
      policyNumber: 'AUT-100200',
      dateOfBirth: demoCustomer.dateOfBirth,
    });
    assert.deepEqual(byPolicy.verified && byPolicy.customer.id, env.jordan.id);
    const byPhone = await env.services.customers.verifyIdentity({
      phone: '555-555-0123',
      dateOfBirth: '1988-04-12',
    });
    assert.equal(byPhone.verified, true);
  });

  it('gives the same bare refusal for a wrong date of birth and an unknown policy', async () => {
    assert.deepEqual(
      await env.services.customers.verifyIdentity({ policyNumber: 'AUT-100200', dateOfBirth: '1988-04-13' }),
      { verified: false },
    );
    assert.deepEqual(
      await env.services.customers.verifyIdentity({ policyNumber: 'AUT-999999', dateOfBirth: '1988-04-12' }),
      { verified: false },
    );
    // Another customer's date of birth does not open Jordan's record.
    const otherDob = (await env.services.customers.getProfile(env.other.id)).dateOfBirth;
    assert.deepEqual(
      await env.services.customers.verifyIdentity({ phone: demoCustomer.phone, dateOfBirth: otherDob }),
      { verified: false },
    );
  });

  it('rejects malformed input as a validation error', async () => {
    for (const claim of [
      { policyNumber: 'AUT-100200', dateOfBirth: '12/04/1988' },
      { policyNumber: 'AUT-100200', dateOfBirth: '1988-02-30' },
      { dateOfBirth: '1988-04-12' },
    ]) {
      await assert.rejects(env.services.customers.verifyIdentity(claim), (error) =>
        isDomainError(error, 'validation'),
      );
    }
  });
});

describe('sensitive data at rest', () => {
  it('never stores the date of birth in plain text, and matches it through the blind index', async () => {
    const raw = await env.db.models.customers.collection.findOne({ phone: demoCustomer.phone });
    assert.ok(raw);
    const text = JSON.stringify(raw);
    assert.ok(!text.includes('1988-04-12'));
    assert.ok(!text.includes('1988'));
    assert.equal('dateOfBirth' in raw, false);
    assert.match(String(raw.dateOfBirthEncrypted), /^v1:/);
    const matches = await env.db.models.customers.collection
      .find({ dobHash: env.db.cipher.blindIndex('customer.dateOfBirth', '1988-04-12') })
      .toArray();
    assert.deepEqual(
      matches.map((row) => row.phone),
      [demoCustomer.phone],
    );
  });

  it('decrypts the date of birth only in the profile', async () => {
    const profile = await env.services.customers.getProfile(env.jordan.id);
    assert.equal(profile.dateOfBirth, '1988-04-12');
    assert.equal(profile.email, 'jordan.rivera@example.com');
    assert.equal('dateOfBirth' in env.jordan, false);
  });

  it('registers a customer with sealed date of birth and government id, and refuses a second one with that phone', async () => {
    const created = await env.services.customers.register(
      {
        firstName: 'Rosa',
        lastName: 'Diaz',
        dateOfBirth: '1991-07-04',
        phone: '(555) 555-0177',
        email: 'rosa@example.com',
        governmentId: '123-45-6789',
      },
      system,
    );
    assert.equal(created.phone, '+15555550177');
    assert.equal(created.dateOfBirth, '1991-07-04');
    const raw = await env.db.models.customers.collection.findOne({ phone: '+15555550177' });
    const text = JSON.stringify(raw);
    assert.ok(!text.includes('1991-07-04') && !text.includes('6789'));
    assert.equal(raw?.governmentIdHash, env.db.cipher.blindIndex('customer.governmentId', '123456789'));
    const audit = await env.services.audit.listForRecord('customers', created.id);
    assert.deepEqual(
      audit.map((entry) => entry.action),
      ['customer.register'],
    );
    await assert.rejects(
      env.services.customers.register(
        { firstName: 'Rosa', lastName: 'Twin', dateOfBirth: '1991-07-04', phone: '+15555550177' },
        system,
      ),
      (error) => isDomainError(error, 'conflict'),
    );
  });

  it('surfaces a tampered stored value as a decryption error', async () => {
    const created = await env.services.customers.register(
      { firstName: 'Tam', lastName: 'Per', dateOfBirth: '1970-01-01', phone: '+15555550178' },
      system,
    );
    const raw = await env.db.models.customers.collection.findOne({ phone: '+15555550178' });
    const parts = String(raw?.dateOfBirthEncrypted).split(':');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 0xff;
    const tampered = [...parts.slice(0, 3), body.toString('base64url')].join(':');
    await env.db.models.customers.collection.updateOne(
      { phone: '+15555550178' },
      { $set: { dateOfBirthEncrypted: tampered } },
    );
    await assert.rejects(env.services.customers.getProfile(created.id), FieldDecryptionError);
  });
});

describe('channel identities', () => {
  it('links a channel user to a customer once and finds them by it', async () => {
    const actor = { type: 'customer', id: env.jordan.id, channel: 'directline' } as const;
    await env.services.customers.linkChannelIdentity(
      env.jordan.id,
      { channel: 'DirectLine', id: 'dl_user_1' },
      actor,
    );
    await env.services.customers.linkChannelIdentity(
      env.jordan.id,
      { channel: 'directline', id: 'dl_user_1' },
      actor,
    );
    const profile = await env.services.customers.getProfile(env.jordan.id);
    assert.deepEqual(profile.channelIdentities, [{ channel: 'directline', id: 'dl_user_1' }]);
    assert.equal(
      (await env.services.customers.findByChannelIdentity('directline', 'dl_user_1'))?.id,
      env.jordan.id,
    );
    assert.equal(await env.services.customers.findByChannelIdentity('sms', 'dl_user_1'), null);
    const audit = await env.services.audit.listForRecord('customers', env.jordan.id);
    assert.equal(audit.filter((entry) => entry.action === 'customer.link_channel').length, 1);
  });

  it('reports an unknown or malformed customer id as not found', async () => {
    await assert.rejects(env.services.customers.getProfile('000000000000000000000000'), (error) =>
      isDomainError(error, 'not_found'),
    );
    await assert.rejects(env.services.customers.getProfile('nope'), (error) =>
      isDomainError(error, 'not_found'),
    );
  });
});

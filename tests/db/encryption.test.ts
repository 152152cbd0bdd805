import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createFieldCipher, FieldDecryptionError, sealedValuePattern } from '../../src/db/encryption.js';

const key = randomBytes(32);
const cipher = createFieldCipher(key);

/** Flips one bit of the base64url part at `index` of a sealed value. */
function flip(sealed: string, index: 1 | 2 | 3): string {
  const parts = sealed.split(':');
  const bytes = Buffer.from(parts[index]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join(':');
}

describe('field encryption', () => {
  it('round-trips values, including non-ASCII text', () => {
    for (const value of ['1988-04-12', 'AB 12 34 56 C', 'Zoë Ångström', '']) {
      assert.equal(cipher.decrypt(cipher.encrypt(value)), value);
    }
  });

  it('stores a compact v1 string that never contains the plaintext, with a fresh IV each time', () => {
    const first = cipher.encrypt('1988-04-12');
    const second = cipher.encrypt('1988-04-12');
    assert.match(first, sealedValuePattern);
    assert.ok(!first.includes('1988'));
    assert.notEqual(first, second);
    assert.notEqual(first.split(':')[1], second.split(':')[1]);
  });

  it('refuses a tampered ciphertext, tag or IV with a clear error', () => {
    const sealed = cipher.encrypt('1988-04-12');
    for (const part of [1, 2, 3] as const) {
      assert.throws(
        () => cipher.decrypt(flip(sealed, part)),
        (error: unknown) => {
          assert.ok(error instanceof FieldDecryptionError);
          assert.match(error.message, /cannot be decrypted/);
          return true;
        },
      );
    }
  });

  it('refuses values sealed with another key, truncated values and other formats', () => {
    const sealed = createFieldCipher(randomBytes(32)).encrypt('1988-04-12');
    assert.throws(() => cipher.decrypt(sealed), /tampered value or wrong key/);
    assert.throws(() => cipher.decrypt(sealed.slice(0, 20)), FieldDecryptionError);
    assert.throws(() => cipher.decrypt('1988-04-12'), /unknown format/);
    assert.throws(() => cipher.decrypt(sealed.replace(/^v1/, 'v2')), /unknown format/);
  });

  it('computes a deterministic blind index that depends on key and purpose', () => {
    const hash = cipher.blindIndex('customer.dateOfBirth', '1988-04-12');
    assert.equal(cipher.blindIndex('customer.dateOfBirth', '1988-04-12'), hash);
    assert.notEqual(cipher.blindIndex('customer.dateOfBirth', '1988-04-13'), hash);
    assert.notEqual(cipher.blindIndex('customer.governmentId', '1988-04-12'), hash);
    assert.notEqual(
      createFieldCipher(randomBytes(32)).blindIndex('customer.dateOfBirth', '1988-04-12'),
      hash,
    );
    assert.ok(!hash.includes('1988'));
    assert.equal(cipher.matchesBlindIndex('customer.dateOfBirth', '1988-04-12', hash), true);
    assert.equal(cipher.matchesBlindIndex('customer.dateOfBirth', '1988-04-13', hash), false);
    assert.equal(cipher.matchesBlindIndex('customer.dateOfBirth', '1988-04-12', 'short'), false);
  });

  it('uses separate subkeys: the blind index is not a plain HMAC under the master key', () => {
    const naive = createHmac('sha256', key).update('customer.dateOfBirth').update('\0').update('1988-04-12');
    assert.notEqual(cipher.blindIndex('customer.dateOfBirth', '1988-04-12'), naive.digest('base64url'));
  });

  it('rejects a key that is not 32 bytes', () => {
    assert.throws(() => createFieldCipher(randomBytes(16)), /32 bytes/);
  });
});

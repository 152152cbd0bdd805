/**
 * Field-level encryption of sensitive personal data (date of birth, government ids).
 *
 * Values are sealed with AES-256-GCM and a random 96-bit IV, so equal plaintexts never produce equal
 * ciphertexts; the GCM tag makes any change to the stored value detectable. Because randomised
 * ciphertexts cannot be queried, each sealed field may carry a keyed HMAC-SHA256 "blind index" that
 * supports equality lookups without revealing the value. Encryption and hashing use separate subkeys
 * derived with HKDF, so a leak of one does not weaken the other.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

const version = 'v1';
const ivBytes = 12;
const tagBytes = 16;

/** Seals and opens sensitive field values and computes their blind indexes. */
export interface FieldCipher {
  /** Returns `v1:<iv>:<tag>:<ciphertext>` (base64url parts); a fresh IV each call. */
  encrypt(plaintext: string): string;
  /** Opens a value from `encrypt`; throws `FieldDecryptionError` if it was altered or sealed with another key. */
  decrypt(sealed: string): string;
  /**
   * Keyed hash of a normalised value for equality lookups. `purpose` separates domains, so the same
   * value hashed for two different fields gives unrelated results.
   */
  blindIndex(purpose: string, value: string): string;
  /** Compares a value against a stored blind index in constant time. */
  matchesBlindIndex(purpose: string, value: string, stored: string): boolean;
}

/** A stored value that cannot be opened: tampered with, truncated, or sealed with a different key. */
export class FieldDecryptionError extends Error {
  constructor(reason: string) {
    super(`encrypted field cannot be decrypted: ${reason}`);
    this.name = 'FieldDecryptionError';
  }
}

/** Builds a cipher from the 32-byte `ENCRYPTION_KEY`. */
export function createFieldCipher(masterKey: Buffer): FieldCipher {
  if (masterKey.length !== 32) {
    throw new Error(`encryption key must be 32 bytes, got ${masterKey.length}`);
  }
  const salt = Buffer.from('insuralink-field-encryption');
  const encryptionKey = Buffer.from(hkdfSync('sha256', masterKey, salt, 'aes-256-gcm/v1', 32));
  const hashKey = Buffer.from(hkdfSync('sha256', masterKey, salt, 'hmac-sha256/blind-index/v1', 32));

  const blindIndex = (purpose: string, value: string): string =>
    createHmac('sha256', hashKey).update(purpose).update('\0').update(value).digest('base64url');

  return {
    encrypt(plaintext) {
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv, { authTagLength: tagBytes });
      cipher.setAAD(Buffer.from(version));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [version, iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join(
        ':',
      );
    },

    decrypt(sealed) {
      const parts = sealed.split(':');
      if (parts.length !== 4 || parts[0] !== version) {
        throw new FieldDecryptionError('unknown format');
      }
      const iv = Buffer.from(parts[1] ?? '', 'base64url');
      const tag = Buffer.from(parts[2] ?? '', 'base64url');
      const body = Buffer.from(parts[3] ?? '', 'base64url');
      if (iv.length !== ivBytes || tag.length !== tagBytes) {
        throw new FieldDecryptionError('malformed IV or tag');
      }
      const decipher = createDecipheriv('aes-256-gcm', encryptionKey, iv, { authTagLength: tagBytes });
      decipher.setAAD(Buffer.from(version));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
      } catch {
        throw new FieldDecryptionError('authentication failed (tampered value or wrong key)');
      }
    },

    blindIndex,

    matchesBlindIndex(purpose, value, stored) {
      const expected = Buffer.from(blindIndex(purpose, value));
      const actual = Buffer.from(stored);
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    },
  };
}

/** Looks like a value produced by `FieldCipher.encrypt`; used by schemas to refuse plaintext. */
export const sealedValuePattern = /^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]*$/;

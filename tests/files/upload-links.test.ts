import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UploadLinks } from '../../src/files/upload-links.js';

const customer = '0123456789abcdef01234567';
const tokenOf = (url: string) => url.split('/').pop()!;

describe('upload links', () => {
  test('a link names its claim and customer, and only under the secret it was signed with', () => {
    const links = new UploadLinks({
      secret: 'one-secret-of-sixteen-chars',
      baseUrl: () => 'https://x.example',
    });
    const url = links.url('CLM-000123', customer);
    assert.match(url, /^https:\/\/x\.example\/files\/upload\/000123\.[0-9a-f]{24}\.[0-9a-z]+\.[\w-]{22}$/);
    assert.deepEqual(
      { ...links.verify(tokenOf(url)), expires: undefined },
      { claim: 'CLM-000123', customer, expires: undefined },
    );
    const other = new UploadLinks({ secret: 'another-secret-of-sixteen', baseUrl: () => '' });
    assert.equal(other.verify(tokenOf(url)), undefined);
    // Another claim or customer under the same signature is refused.
    assert.equal(links.verify(tokenOf(url).replace('000123', '000124')), undefined);
    assert.equal(links.verify(tokenOf(url).replace(customer, customer.replace('0', '1'))), undefined);
  });

  test('a link stops working when it expires', () => {
    let now = new Date('2026-06-01T12:00:00Z');
    const links = new UploadLinks({
      secret: 'one-secret-of-sixteen-chars',
      baseUrl: () => '',
      now: () => now,
    });
    const token = tokenOf(links.url('CLM-000123', customer, 3600));
    now = new Date('2026-06-01T12:59:00Z');
    assert.ok(links.verify(token));
    now = new Date('2026-06-01T13:00:01Z');
    assert.equal(links.verify(token), undefined);
  });
});

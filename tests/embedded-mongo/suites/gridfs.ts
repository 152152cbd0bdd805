import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { GridFSBucket } from 'mongodb';
import { openTestDatabase, type TestDatabase } from '../database.js';

describe('GridFS', () => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase('gridfs');
  });
  after(async () => {
    await t.close();
  });

  const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

  test('a 5 MB file uploads in chunks and downloads byte for byte; delete removes files and chunks', async () => {
    const bucket = new GridFSBucket(t.db, { bucketName: 'attachments' });
    const data = randomBytes(5 * 1024 * 1024);
    const upload = bucket.openUploadStream('claim.pdf', { metadata: { claim: 'C-1' } });
    await pipeline(Readable.from([data.subarray(0, 1_000_000), data.subarray(1_000_000)]), upload);

    const [file] = await bucket.find({ filename: 'claim.pdf' }).toArray();
    assert.ok(file);
    assert.equal(file.length, data.length);
    assert.deepEqual(file.metadata, { claim: 'C-1' });
    const chunks = await t.db.collection('attachments.chunks').countDocuments({ files_id: file._id });
    assert.equal(chunks, Math.ceil(data.length / (255 * 1024)));

    const parts: Buffer[] = [];
    for await (const part of bucket.openDownloadStream(file._id)) parts.push(part as Buffer);
    assert.equal(sha(Buffer.concat(parts)), sha(data));

    const ranged: Buffer[] = [];
    for await (const part of bucket.openDownloadStreamByName('claim.pdf', { start: 300_000, end: 300_100 }))
      ranged.push(part as Buffer);
    assert.deepEqual(Buffer.concat(ranged), data.subarray(300_000, 300_100));

    await bucket.delete(file._id);
    assert.equal(await t.db.collection('attachments.files').countDocuments(), 0);
    assert.equal(await t.db.collection('attachments.chunks').countDocuments(), 0);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded-mongo/index.js';
import {
  createFileStore,
  FileRejectedError,
  maxFileBytes,
  type FileStore,
} from '../../src/files/file-store.js';
import { tinyPdf, tinyPng } from '../support/samples.js';

describe('file store', () => {
  let mongo: EmbeddedMongo;
  let client: MongoClient;
  let files: FileStore;

  before(async () => {
    mongo = await startEmbeddedMongo();
    client = await MongoClient.connect(mongo.uri);
    files = createFileStore({
      db: client.db('files'),
      secret: 'a-test-secret-of-some-length',
      baseUrl: () => 'http://x',
    });
  });
  after(async () => {
    await client.close();
    await mongo.stop();
  });

  test('stores a photo and a PDF with their sniffed types and returns the same bytes', async () => {
    const png = await files.save({ name: 'dent.png', data: tinyPng, declaredType: 'image/png' });
    const pdf = await files.save({ name: 'police report.pdf', data: tinyPdf });
    assert.equal(png.contentType, 'image/png');
    assert.equal(pdf.contentType, 'application/pdf');
    assert.equal((await files.find(pdf.id))?.name, 'police report.pdf');
    const chunks: Buffer[] = [];
    for await (const chunk of files.open(png.id)) chunks.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(chunks), tinyPng);
  });

  test('refuses a type outside the allow-list, a disguised file and an oversized one', async () => {
    await assert.rejects(
      files.save({ name: 'run.exe', data: Buffer.from('MZ\x90\x00 not a photo') }),
      (error) => {
        assert.ok(error instanceof FileRejectedError);
        assert.equal(error.status, 415);
        return true;
      },
    );
    await assert.rejects(files.save({ name: 'x.pdf', data: tinyPng, declaredType: 'application/pdf' }), {
      status: 415,
    });
    await assert.rejects(files.save({ name: 'big.png', data: Buffer.alloc(maxFileBytes + 1) }), {
      status: 413,
    });
  });

  test('signed links verify, and a tampered, foreign or expired one does not', async () => {
    const url = new URL(files.signedUrl('64b000000000000000000001', 60));
    const expires = url.searchParams.get('expires')!;
    const signature = url.searchParams.get('signature')!;
    assert.equal(url.pathname, '/files/64b000000000000000000001');
    assert.ok(files.verifyLink('64b000000000000000000001', expires, signature));
    assert.ok(!files.verifyLink('64b000000000000000000002', expires, signature));
    assert.ok(!files.verifyLink('64b000000000000000000001', String(Number(expires) + 1), signature));
    const expired = new URL(files.signedUrl('64b000000000000000000001', -1));
    assert.ok(
      !files.verifyLink(
        '64b000000000000000000001',
        expired.searchParams.get('expires')!,
        expired.searchParams.get('signature')!,
      ),
    );
  });

  test('an unknown or malformed id is simply not found', async () => {
    assert.equal(await files.find('64b000000000000000000009'), undefined);
    assert.equal(await files.find('../../etc/passwd'), undefined);
  });
});

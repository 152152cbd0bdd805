import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { MongoClient } from 'mongodb';
import { photoWithExif } from '../../src/cli/bench/jpeg.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded-mongo/index.js';
import { distanceKm, inspectEvidence } from '../../src/files/evidence.js';
import { createFileStore, FileRejectedError, type FileStore } from '../../src/files/file-store.js';
import { tinyPdf, tinyPng } from '../support/samples.js';

const taken = new Date('2026-06-10T14:30:05Z');
const austin = { latitude: 30.2672, longitude: -97.7431 };

describe('evidence checks', () => {
  test('reads the capture time, position and camera of a JPEG, and hashes its content', async () => {
    const photo = photoWithExif({ capturedAt: taken, gps: austin, make: 'Apple', model: 'iPhone 13' });
    const evidence = await inspectEvidence(photo, 'image/jpeg');
    assert.equal(evidence.sha256, createHash('sha256').update(photo).digest('hex'));
    assert.equal(evidence.capturedAt?.toISOString(), taken.toISOString());
    assert.ok(evidence.gps && distanceKm(evidence.gps, austin) < 0.01, JSON.stringify(evidence.gps));
    assert.equal(evidence.camera, 'Apple iPhone 13');
  });

  test('reads a real camera JPEG: its capture time, GPS position and camera, hashed as sent', async () => {
    const photo = await readFile(new URL('../data/photos/rear-bumper.jpg', import.meta.url));
    const evidence = await inspectEvidence(photo, 'image/jpeg');
    assert.equal(evidence.sha256, createHash('sha256').update(photo).digest('hex'));
    assert.equal(evidence.capturedAt?.toISOString(), '2025-03-14T17:52:09.000Z');
    assert.ok(
      evidence.gps && distanceKm(evidence.gps, { latitude: 30.26498, longitude: -97.74794 }) < 0.01,
      JSON.stringify(evidence.gps),
    );
    assert.equal(evidence.camera, 'Google Pixel 8');
  });

  test('reads southern and western positions with their signs, and a model that repeats the make once', async () => {
    const sydney = { latitude: -33.8688, longitude: 151.2093 };
    const evidence = await inspectEvidence(
      photoWithExif({ gps: sydney, make: 'Canon', model: 'Canon EOS R5' }),
      'image/jpeg',
    );
    assert.ok(evidence.gps && distanceKm(evidence.gps, sydney) < 0.01);
    assert.equal(evidence.camera, 'Canon EOS R5');
    assert.equal(evidence.capturedAt, undefined);
  });

  test('records only the hash for a photo without EXIF, a PDF, or broken metadata', async () => {
    for (const [data, type] of [
      [tinyPng, 'image/png'],
      [tinyPdf, 'application/pdf'],
      [Buffer.from('ffd8ffe1ffff4578696600004d4d002a', 'hex'), 'image/jpeg'],
    ] as const) {
      const evidence = await inspectEvidence(data, type);
      assert.deepEqual(Object.keys(evidence), ['sha256'], type);
    }
  });
});

describe('evidence on the file store save path', () => {
  let mongo: EmbeddedMongo;
  let client: MongoClient;
  let files: FileStore;

  before(async () => {
    mongo = await startEmbeddedMongo();
    client = await MongoClient.connect(mongo.uri);
    files = createFileStore({
      db: client.db('evidence'),
      secret: 'a-test-secret-of-some-length',
      baseUrl: () => 'http://files.test',
    });
  });
  after(async () => {
    await client.close();
    await mongo.stop();
  });

  test('stores the evidence with the file and returns it from find', async () => {
    const photo = photoWithExif({ capturedAt: taken, gps: austin, make: 'Google', model: 'Pixel 8' });
    const saved = await files.save({ name: 'dent.jpg', data: photo, declaredType: 'image/jpeg' });
    assert.equal(saved.evidence?.camera, 'Google Pixel 8');
    const found = await files.find(saved.id);
    assert.deepEqual(found?.evidence, saved.evidence);
    assert.equal(found?.evidence?.capturedAt?.toISOString(), taken.toISOString());
  });

  test('keeps a photo whose metadata says anything at all, and refuses only by size and type', async () => {
    const old = photoWithExif({
      capturedAt: new Date('1999-01-01T00:00:00Z'),
      gps: { latitude: 0, longitude: 0 },
    });
    const saved = await files.save({ name: 'old.jpg', data: old });
    assert.ok(await files.find(saved.id));
    await assert.rejects(
      files.save({ name: 'huge.jpg', data: photoWithExif({ padBytes: 10 * 1024 * 1024 + 1 }) }),
      (error) => error instanceof FileRejectedError && error.status === 413,
    );
  });

  test('names the file of a link it signed, and nothing else', async () => {
    const saved = await files.save({ name: 'p.jpg', data: photoWithExif({ variant: 1 }) });
    const url = files.signedUrl(saved.id, 60);
    assert.equal(files.fileIdOf(url), saved.id);
    const forged = url.replace(/signature=[^&]+/, 'signature=AAAA');
    assert.equal(files.fileIdOf(forged), undefined);
    assert.equal(files.fileIdOf(url.replace('http://files.test', 'http://elsewhere.test')), undefined);
    assert.equal(files.fileIdOf(`http://files.test/files/${saved.id}`), undefined);
    assert.equal(files.fileIdOf('not a url'), undefined);
  });
});

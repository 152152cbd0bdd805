import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded-mongo/index.js';
import { createFileStore, type FileStore } from '../../src/files/file-store.js';
import { createUnattachedFileSweep } from '../../src/files/sweep.js';
import { tinyPdf, tinyPng } from '../support/samples.js';

const hour = 60 * 60 * 1000;

describe('unattached file sweep', () => {
  let mongo: EmbeddedMongo;
  let client: MongoClient;
  let db: Db;
  let files: FileStore;

  before(async () => {
    mongo = await startEmbeddedMongo();
    client = await MongoClient.connect(mongo.uri);
    db = client.db('sweep');
    files = createFileStore({ db, secret: 'a-test-secret-of-some-length', baseUrl: () => 'http://x' });
  });
  after(async () => {
    await client.close();
    await mongo.stop();
  });

  test('a day after upload, chat files no claim references go; claimed ones and documents stay', async () => {
    const unused = await files.save({ name: 'unused.png', data: tinyPng, conversationId: 'conv-a' });
    const claimed = await files.save({ name: 'claimed.pdf', data: tinyPdf, conversationId: 'conv-a' });
    const document = await files.save({ name: 'policy.pdf', data: tinyPdf });
    await db.collection('claims').insertOne({ attachments: [{ fileId: claimed.id, name: 'claimed.pdf' }] });
    const at = (offsetMs: number) => () => new Date(Date.now() + offsetMs);

    assert.equal(await createUnattachedFileSweep({ db, now: at(23 * hour) })(), 0, 'not a day old yet');
    assert.ok(await files.find(unused.id));

    assert.equal(await createUnattachedFileSweep({ db, now: at(25 * hour) })(), 1);
    assert.equal(await files.find(unused.id), undefined);
    assert.equal(
      await db.collection('attachments.chunks').countDocuments({ files_id: new ObjectId(unused.id) }),
      0,
    );
    assert.ok(await files.find(claimed.id), 'a claim uses it');
    assert.ok(await files.find(document.id), 'not sent in a conversation');
    assert.deepEqual(await files.usage('conv-a'), { files: 1, bytes: tinyPdf.length });

    assert.equal(await createUnattachedFileSweep({ db, now: at(25 * hour) })(), 0, 'nothing left to sweep');
  });
});

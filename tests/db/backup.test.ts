import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Binary, Decimal128, Double, Int32, Long, MongoClient, ObjectId } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded-mongo/index.js';
import { backupDatabase, restoreDatabase, RestoreError, type Progress } from '../../src/db/backup.js';

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('backup and restore', () => {
  let mongo: EmbeddedMongo;
  let client: MongoClient;

  before(async () => {
    mongo = await startEmbeddedMongo();
    client = await MongoClient.connect(mongo.uri);
  });
  after(async () => {
    await client.close();
    await mongo.stop();
  });

  const original = {
    _id: new ObjectId(),
    when: new Date('2026-03-01T10:20:30.456Z'),
    amount: Decimal128.fromString('1250.50'),
    count: new Int32(3),
    ratio: new Double(3),
    big: Long.fromString('9007199254740993'),
    bytes: new Binary(Buffer.from([0, 1, 2, 255])),
    nested: { list: [[1, 2], { ref: new ObjectId() }] },
  };

  test('round-trips every type, the indexes and a few thousand documents', async () => {
    const source = client.db('backup_source');
    await source.collection('claims').insertOne(original);
    await source.collection('claims').createIndex({ when: -1 }, { name: 'by_when' });
    await source.collection('policies').createIndex({ number: 1 }, { unique: true, name: 'number_unique' });
    await source
      .collection('policies')
      .insertMany(Array.from({ length: 2500 }, (_, n) => ({ number: `P-${String(n).padStart(6, '0')}` })));

    const out = sink();
    const progress: Progress[] = [];
    assert.equal(await backupDatabase(source, out.stream, (p) => progress.push(p)), 2501);
    assert.deepEqual(progress.at(-1), { collection: 'policies', done: 2500, total: 2500 });
    const text = out.text();
    JSON.parse(text); // one JSON document

    const target = client.db('backup_target');
    assert.equal(await restoreDatabase(target, () => Readable.from([text])), 2501);
    const restored = await target
      .collection('claims')
      .findOne({ _id: original._id }, { promoteValues: false });
    assert.ok(restored);
    assert.ok(restored.count instanceof Int32 && restored.count.value === 3);
    assert.ok(restored.ratio instanceof Double && restored.ratio.value === 3);
    assert.ok(restored.big instanceof Long && restored.big.toString() === '9007199254740993');
    assert.ok(restored.amount instanceof Decimal128 && restored.amount.toString() === '1250.50');
    assert.ok(restored.when instanceof Date && restored.when.getTime() === original.when.getTime());
    assert.ok(restored._id instanceof ObjectId && restored._id.equals(original._id));
    assert.deepEqual(Buffer.from((restored.bytes as Binary).buffer), Buffer.from([0, 1, 2, 255]));
    assert.equal(await target.collection('policies').countDocuments(), 2500);
    const indexes = await target.collection('policies').listIndexes().toArray();
    assert.ok(indexes.some((index) => index.name === 'number_unique' && index.unique === true));
    await assert.rejects(target.collection('policies').insertOne({ number: 'P-000001' }), { code: 11000 });
  });

  test('refuses to overwrite data without force, replaces it with force', async () => {
    const source = client.db('backup_source2');
    await source.collection('notes').insertOne({ text: 'from backup' });
    const out = sink();
    await backupDatabase(source, out.stream);

    const target = client.db('backup_target2');
    await target.collection('notes').insertOne({ text: 'already here' });
    await assert.rejects(
      restoreDatabase(target, () => Readable.from([out.text()])),
      RestoreError,
    );
    assert.equal(await target.collection('notes').countDocuments({ text: 'already here' }), 1);

    await restoreDatabase(target, () => Readable.from([out.text()]), { force: true });
    assert.deepEqual(
      (
        await target
          .collection('notes')
          .find({}, { projection: { _id: 0 } })
          .toArray()
      ).map((n) => n.text),
      ['from backup'],
    );
  });

  test('a truncated or foreign file is refused before anything is touched', async () => {
    const source = client.db('backup_source3');
    await source.collection('notes').insertMany([{ n: 1 }, { n: 2 }]);
    const out = sink();
    await backupDatabase(source, out.stream);
    const text = out.text();

    const target = client.db('backup_target3');
    await target.collection('keep').insertOne({ precious: true });
    for (const broken of [text.slice(0, text.length - 20), '{"hello":"world"}', 'not json at all']) {
      await assert.rejects(
        restoreDatabase(target, () => Readable.from([broken]), { force: true }),
        RestoreError,
      );
      assert.equal(await target.collection('keep').countDocuments(), 1);
    }
  });
});

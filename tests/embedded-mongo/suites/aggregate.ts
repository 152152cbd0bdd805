import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { collectionApi, FLAVOURS, type CrudApi } from '../api.js';
import { openTestDatabase, type TestDatabase } from '../database.js';

describe('aggregation', () => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase('agg');
  });
  after(async () => {
    await t.close();
  });

  const orders = [
    {
      _id: 1,
      customer: 'ann',
      items: [{ sku: 'x', qty: 2, price: 5 }],
      status: 'open',
      at: new Date('2024-01-05'),
    },
    {
      _id: 2,
      customer: 'bob',
      items: [
        { sku: 'x', qty: 1, price: 5 },
        { sku: 'y', qty: 3, price: 2 },
      ],
      status: 'closed',
      at: new Date('2024-02-10'),
    },
    { _id: 3, customer: 'ann', items: [], status: 'closed', at: new Date('2024-02-11') },
  ];

  for (const flavour of FLAVOURS) {
    describe(`aggregation through ${flavour}`, () => {
      // The pipelines only read, so they share one seeded orders collection and its customers.
      let seeded: { api: CrudApi; name: string };
      before(async () => {
        seeded = await collectionApi(t, flavour);
        await seeded.api.insertMany(orders);
        await t.coll(`${seeded.name}_customers`).insertMany([
          { _id: 'ann', city: 'Oslo' },
          { _id: 'bob', city: 'Bergen' },
        ]);
      });
      const run = async (pipeline: Record<string, unknown>[]) => {
        const resolved = JSON.parse(
          JSON.stringify(pipeline).replaceAll('$CUSTOMERS', `${seeded.name}_customers`),
        ) as Record<string, unknown>[];
        return seeded.api.aggregate(resolved);
      };

      test('$match, $unwind, $group with accumulators, $sort', async () => {
        const out = await run([
          { $match: { status: { $in: ['open', 'closed'] } } },
          { $unwind: '$items' },
          {
            $group: {
              _id: '$items.sku',
              qty: { $sum: '$items.qty' },
              revenue: { $sum: { $multiply: ['$items.qty', '$items.price'] } },
              buyers: { $addToSet: '$customer' },
              orders: { $sum: 1 },
            },
          },
          { $sort: { _id: 1 } },
        ]);
        assert.deepEqual(
          out.map((g) => ({ ...g, buyers: (g.buyers as string[]).sort() })),
          [
            { _id: 'x', qty: 3, revenue: 15, buyers: ['ann', 'bob'], orders: 2 },
            { _id: 'y', qty: 3, revenue: 6, buyers: ['bob'], orders: 1 },
          ],
        );
      });

      test('$unwind keeps empty arrays when asked and reports the index', async () => {
        const out = await run([
          { $unwind: { path: '$items', preserveNullAndEmptyArrays: true, includeArrayIndex: 'i' } },
          { $project: { _id: 1, i: 1, sku: '$items.sku' } },
          { $sort: { _id: 1, i: 1 } },
        ]);
        assert.deepEqual(out, [
          { _id: 1, i: 0, sku: 'x' },
          { _id: 2, i: 0, sku: 'x' },
          { _id: 2, i: 1, sku: 'y' },
          { _id: 3, i: null },
        ]);
      });

      test('$lookup by field and by pipeline', async () => {
        const byField = await run([
          { $lookup: { from: '$CUSTOMERS', localField: 'customer', foreignField: '_id', as: 'who' } },
          { $project: { city: { $arrayElemAt: ['$who.city', 0] } } },
          { $sort: { _id: 1 } },
        ]);
        assert.deepEqual(
          byField.map((d) => d.city),
          ['Oslo', 'Bergen', 'Oslo'],
        );
        const byPipeline = await run([
          { $match: { _id: 2 } },
          {
            $lookup: {
              from: '$CUSTOMERS',
              let: { c: '$customer' },
              pipeline: [{ $match: { $expr: { $eq: ['$_id', '$$c'] } } }, { $project: { _id: 0, city: 1 } }],
              as: 'who',
            },
          },
          { $project: { _id: 0, who: 1 } },
        ]);
        assert.deepEqual(byPipeline, [{ who: [{ city: 'Bergen' }] }]);
      });

      test('$facet, $count, $addFields and expressions', async () => {
        const [facets] = await run([
          {
            $addFields: {
              month: { $month: '$at' },
              label: { $concat: ['#', { $toString: '$_id' }, '-', { $toUpper: '$customer' }] },
              size: { $size: '$items' },
              big: { $cond: [{ $gt: [{ $size: '$items' }, 1] }, 'yes', 'no'] },
            },
          },
          {
            $facet: {
              perMonth: [{ $group: { _id: '$month', n: { $sum: 1 } } }, { $sort: { _id: 1 } }],
              total: [{ $count: 'n' }],
              labels: [{ $sort: { _id: 1 } }, { $project: { _id: 0, label: 1, big: 1 } }],
            },
          },
        ]);
        assert.deepEqual(facets, {
          perMonth: [
            { _id: 1, n: 1 },
            { _id: 2, n: 2 },
          ],
          total: [{ n: 3 }],
          labels: [
            { label: '#1-ANN', big: 'no' },
            { label: '#2-BOB', big: 'yes' },
            { label: '#3-ANN', big: 'no' },
          ],
        });
      });

      test('stages that reshape documents leave the stored documents untouched', async () => {
        const { api } = await collectionApi(t, flavour);
        await api.insertMany([{ _id: 1, a: { b: 1 }, tags: ['x'] }]);
        const reshaped = await api.aggregate([{ $set: { 'a.c': 2, extra: true } }, { $unset: 'tags' }]);
        assert.deepEqual(reshaped, [{ _id: 1, a: { b: 1, c: 2 }, extra: true }]);
        assert.deepEqual(await api.find({ _id: 1 }), [{ _id: 1, a: { b: 1 }, tags: ['x'] }]);
      });

      test('$out writes the results into a collection', async () => {
        const { api, name } = await collectionApi(t, flavour);
        await api.insertMany(orders);
        await api.aggregate([{ $group: { _id: '$customer', n: { $sum: 1 } } }, { $out: `${name}_out` }]);
        const written = await t.coll(`${name}_out`).find().sort({ _id: 1 }).toArray();
        assert.deepEqual(written, [
          { _id: 'ann', n: 2 },
          { _id: 'bob', n: 1 },
        ]);
      });

      test('$group by null with $avg/$max, $skip, $limit and $replaceRoot', async () => {
        const totals = await run([
          { $project: { n: { $size: '$items' } } },
          { $group: { _id: null, avg: { $avg: '$n' }, max: { $max: '$n' } } },
        ]);
        assert.deepEqual(totals, [{ _id: null, avg: 1, max: 2 }]);
        const page = await run([
          { $sort: { _id: -1 } },
          { $skip: 1 },
          { $limit: 1 },
          { $replaceRoot: { newRoot: { who: '$customer' } } },
        ]);
        assert.deepEqual(page, [{ who: 'bob' }]);
      });
    });
  }
});

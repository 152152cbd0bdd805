import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SortedEntries, type Entry } from '../../src/embedded-mongo/sorted.js';

const cmp = (a: Entry, b: Entry): number =>
  (a.v as number) - (b.v as number) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe('SortedEntries', () => {
  test('stays ordered through thousands of random inserts and removals, across chunk splits', () => {
    const list = new SortedEntries(cmp);
    const reference: Entry[] = [];
    let seed = 42;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed % n;
    };
    for (let step = 0; step < 6000; step++) {
      if (reference.length > 0 && random(3) === 0) {
        const [victim] = reference.splice(random(reference.length), 1);
        assert.ok(victim && list.remove(victim));
      } else {
        const entry = { v: random(500), id: `d${step}` };
        list.insert(entry);
        reference.push(entry);
      }
    }
    reference.sort(cmp);
    assert.equal(list.size, reference.length);
    assert.deepEqual([...list.all()], reference);
    assert.deepEqual([...list.all(true)], [...reference].reverse());
    assert.equal(list.remove({ v: 1, id: 'never inserted' }), false);

    const start = list.seek((e) => (e.v as number) < 100);
    const end = list.seek((e) => (e.v as number) < 200);
    const expected = reference.filter((e) => (e.v as number) >= 100 && (e.v as number) < 200);
    assert.equal(list.count(start, end), expected.length);
    assert.deepEqual([...list.between(start, end)], expected);
    const past = list.seek(() => true);
    assert.equal(list.count(end, past), reference.filter((e) => (e.v as number) >= 200).length);
  });
});

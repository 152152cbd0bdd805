import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupCommit } from '../../src/db/group-commit.js';

describe('group commit', () => {
  test('items arriving together are written in one call, each answered with its own result', async () => {
    const batches: number[][] = [];
    const write = groupCommit(async (items: number[]) => {
      batches.push(items);
      return items.map((item) => item * 10);
    });
    const results = await Promise.all([1, 2, 3].map(write));
    assert.deepEqual(results, [10, 20, 30]);
    assert.deepEqual(batches, [[1, 2, 3]]);
  });

  test('items arriving while a batch is written go into the next one', async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const write = groupCommit(
      async (items: number[]) => {
        batches.push(items);
        if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return items;
      },
      { windowMs: 1 },
    );
    const first = write(1);
    await sleep(20);
    const later = [write(2), write(3)];
    release();
    assert.deepEqual(await Promise.all([first, ...later]), [1, 2, 3]);
    assert.deepEqual(batches, [[1], [2, 3]]);
  });

  test('a failed write rejects its whole batch and nothing after it', async () => {
    let calls = 0;
    const write = groupCommit(async (items: string[]) => {
      calls += 1;
      if (calls === 1) throw new Error('disk full');
      return items;
    });
    const failed = await Promise.allSettled([write('a'), write('b')]);
    assert.deepEqual(
      failed.map((outcome) => outcome.status),
      ['rejected', 'rejected'],
    );
    assert.equal(await write('c'), 'c');
  });

  test('a batch holds at most maxBatch items', async () => {
    const sizes: number[] = [];
    const write = groupCommit(
      async (items: number[]) => {
        sizes.push(items.length);
        return items;
      },
      { maxBatch: 2 },
    );
    await Promise.all([1, 2, 3, 4, 5].map(write));
    assert.deepEqual(sizes, [2, 2, 1]);
  });
});

/**
 * A temporary directory for the suite (or file) it is declared in: made before its tests run and removed,
 * with everything in it, after them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

/** Registers the hooks and returns a function that names a path inside the directory. */
export function suiteTempDir(prefix: string): (...parts: string[]) => string {
  let dir: string | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return (...parts) => {
    assert.ok(dir, 'the temporary directory exists only while its tests run');
    return join(dir, ...parts);
  };
}

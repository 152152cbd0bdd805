import { randomBytes } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Another live process owns the data directory. */
export class DataDirectoryInUseError extends Error {
  override name = 'DataDirectoryInUseError';
  constructor(
    readonly dir: string,
    readonly pid: number,
    readonly host: string,
  ) {
    super(`data directory ${dir} is in use by process ${pid} on host ${host}`);
  }
}

/** Exclusive ownership of a data directory by this process, until released. */
export interface DirectoryLock {
  /** Removes the lock file if it is still ours. */
  release(): Promise<void>;
}

const LOCK_FILE = 'LOCK';
const MAX_ATTEMPTS = 5;

/**
 * Takes the ownership lock of `dir`: a `LOCK` file holding `{ pid, host }`. A lock whose process is dead on
 * this host is taken over; any other existing lock makes this throw an Error naming its owner.
 */
export async function acquireLock(dir: string): Promise<DirectoryLock> {
  const path = join(dir, LOCK_FILE);
  const host = hostname();
  const content = JSON.stringify({ pid: process.pid, host });
  // The lock appears already filled in (link is an exclusive create), so a crash can never leave an empty
  // lock file whose owner nobody could name or judge dead.
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, content, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        await link(draft, path);
        return { release: () => releaseLock(path, content) };
      } catch (err) {
        if (!hasCode(err, 'EEXIST')) throw err;
      }
      const held = await readIfExists(path);
      if (held === undefined) continue;
      const owner = parseOwner(held);
      if (owner === undefined) {
        throw new Error(
          `data directory ${dir} has an unreadable lock file ${path}; remove it if no process uses the directory`,
        );
      }
      if (owner.host !== host || isAlive(owner.pid)) {
        throw new DataDirectoryInUseError(dir, owner.pid, owner.host);
      }
      await takeOver(path, held);
    }
    throw new Error(`data directory ${dir}: could not take its lock, other processes keep competing for it`);
  } finally {
    await unlink(draft).catch(() => undefined);
  }
}

/**
 * Removes a dead owner's lock. Moving it aside first and checking what was moved (rather than unlinking by
 * name) keeps two openers that both saw the stale lock from deleting the fresh lock one of them just made.
 */
async function takeOver(path: string, staleContent: string): Promise<void> {
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return;
    throw err;
  }
  if ((await readFile(aside, 'utf8')) !== staleContent) {
    await link(aside, path).catch((err: unknown) => {
      if (!hasCode(err, 'EEXIST')) throw err;
    });
  }
  await unlink(aside);
}

async function releaseLock(path: string, content: string): Promise<void> {
  if ((await readIfExists(path)) === content) await unlink(path);
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return undefined;
    throw err;
  }
}

function parseOwner(content: string): { pid: number; host: string } | undefined {
  try {
    const parsed: unknown = JSON.parse(content);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { pid, host } = parsed as Record<string, unknown>;
    return Number.isSafeInteger(pid) && typeof host === 'string' ? { pid: Number(pid), host } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this id exists on this host. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return hasCode(err, 'EPERM');
  }
}

function hasCode(err: unknown, code: string): boolean {
  return err instanceof Error && 'code' in err && err.code === code;
}

import { closeSync, fsync, openSync, writeFileSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { calculateObjectSize, deserialize, serialize, setInternalBufferSize, type Document } from 'bson';
import { acquireLock, type DirectoryLock } from './lock.js';

/** What `openJournal` recovered from a data directory. */
export interface RecoveredState {
  /** Records of the last compacted snapshot, in the order the core yielded them; [] for a new directory. */
  snapshot: Document[];
  /** Every complete, checksum-valid entry appended after that snapshot, in order. A torn tail is dropped. */
  entries: Document[];
}

/** Append-only, fsync'd log of the core's write effects, plus snapshots for compaction. */
export interface Journal {
  /** Resolves once `entry` is durable on disk (fsync). Concurrent appends share one fsync (group commit). */
  append(entry: Document): Promise<void>;
  /** Bytes appended since the last snapshot; the core calls `compact` when this grows past a threshold. */
  readonly sizeSinceSnapshot: number;
  /**
   * Atomically replaces the snapshot with the records `snapshot` yields (write temp file, fsync, rename,
   * fsync dir) and empties the log. Records are written one by one (the snapshot may hold 100k+ documents,
   * far over BSON's 16 MB document limit). Appends issued while compacting must not be lost.
   *
   * `snapshot` is consumed synchronously during the call, so it must describe exactly the effects of the
   * entries whose `append` was called before this call. A call made while a compaction runs joins it.
   */
  compact(snapshot: Iterable<Document>): Promise<void>;
  /** Flushes pending appends and releases the directory lock. */
  close(): Promise<void>;
}

/** Options for {@link openJournal}. */
export interface JournalOptions {
  /**
   * Makes durable whatever the entries depend on (the blob segments they reference). Awaited before each
   * batch of entries is written and before a snapshot is published; returns undefined when there is
   * nothing to do, so a batch of ordinary entries awaits nothing extra.
   */
  beforeWrite?: () => Promise<void> | undefined;
}

/*
 * On-disk layout of a data directory:
 *   LOCK                 owner of the directory (see lock.ts)
 *   snapshot.bson        frames: a header `{ generation: G }`, then the snapshot records
 *   journal.<N>.log      frames: entries; every log with N >= G is replayed after the snapshot, in N order
 *   snapshot.bson.tmp    a compaction that did not finish; removed on open
 *   blobs.<S>.dat        large binary values the records reference (see blobs.ts)
 * A frame is: payload length (uint32 LE), CRC-32 of the payload (uint32 LE), BSON payload.
 *
 * Compaction switches appends to a new log N+1 at the instant it reads the snapshot, then publishes the
 * snapshot with generation N+1 by an atomic rename. Whatever the crash point, recovery sees either the old
 * snapshot with logs N and N+1, or the new snapshot with log N+1 (older logs it deletes unread): every entry
 * is applied exactly once. Appends therefore never wait for a compaction's disk writes.
 */
const SNAPSHOT_FILE = 'snapshot.bson';
const SNAPSHOT_TEMP_FILE = 'snapshot.bson.tmp';
const LOG_FILE = /^journal\.(\d+)\.log$/;
const HEADER_BYTES = 8;
const READ_CHUNK_BYTES = 4 * 1024 * 1024;
const WRITE_CHUNK_BYTES = 4 * 1024 * 1024;
/** Values keep their BSON type (Int32, Double and Long stay wrapper objects), so replay re-encodes exactly. */
const DECODE_OPTIONS = { promoteValues: false } as const;

const fsyncFd = promisify(fsync);

/**
 * Opens (creating if needed) a data directory. Takes an exclusive ownership lock; if another live process
 * owns the directory it throws an Error whose message names the owner, e.g.
 * "data directory /x is in use by process 1234 on host h". A lock left by a dead process is taken over.
 */
export async function openJournal(
  dir: string,
  options: JournalOptions = {},
): Promise<{ journal: Journal; recovered: RecoveredState }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const lock = await acquireLock(dir);
  try {
    await rm(join(dir, SNAPSHOT_TEMP_FILE), { force: true });
    const { snapshot, generation } = await readSnapshot(join(dir, SNAPSHOT_FILE));

    const logs = (await readdir(dir))
      .flatMap((name) => {
        const match = LOG_FILE.exec(name);
        return match ? [Number(match[1])] : [];
      })
      .sort((a, b) => a - b);
    // Logs older than the snapshot are already in it: a compaction crashed before deleting them.
    for (const old of logs.filter((n) => n < generation)) await rm(join(dir, logName(old)));
    const live = logs.filter((n) => n >= generation);
    const current = live.at(-1) ?? generation;

    const entries: Document[] = [];
    let size = 0;
    let currentValidBytes = 0;
    for (const n of live) {
      const log = await readFrames(join(dir, logName(n)));
      // Logs are written strictly one after another, so only the newest can end in a torn write.
      if (log.validBytes < log.fileBytes && n !== current) {
        throw new Error(`journal file ${join(dir, logName(n))} is corrupt at byte ${log.validBytes}`);
      }
      for (const doc of log.docs) entries.push(doc);
      size += log.validBytes;
      currentValidBytes = log.validBytes;
    }

    const handle = await openLog(dir, current);
    try {
      await syncDirectory(dir);
      // A torn tail is cut off so that later appends follow valid data and stay readable.
      if ((await handle.stat()).size > currentValidBytes) {
        await handle.truncate(currentValidBytes);
        await handle.sync();
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    return {
      journal: new FileJournal(
        dir,
        lock,
        current,
        { generation: current, handle },
        size,
        options.beforeWrite,
      ),
      recovered: { snapshot, entries },
    };
  } catch (err) {
    await lock.release();
    throw err;
  }
}

interface PendingAppend {
  generation: number;
  bytes: Buffer;
  resolve: () => void;
  reject: (err: Error) => void;
}

class FileJournal implements Journal {
  private readonly queue: PendingAppend[] = [];
  private flushScheduled = false;
  /** Settles once the latest append has; appends settle in call order, so all earlier ones have too. */
  private lastAppend: Promise<void> = Promise.resolve();
  private compaction: Promise<void> | undefined;
  private failure: Error | undefined;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly lock: DirectoryLock,
    /** The log that new appends go to. */
    private generation: number,
    /** The log file the writer has open, possibly older than `generation` while a compaction starts. */
    private log: { generation: number; handle: FileHandle },
    private size: number,
    private readonly beforeWrite: JournalOptions['beforeWrite'],
  ) {}

  get sizeSinceSnapshot(): number {
    return this.size;
  }

  append(entry: Document): Promise<void> {
    const unusable = this.unusable();
    if (unusable) return Promise.reject(unusable);
    let bytes: Buffer;
    try {
      bytes = frame(entry);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    this.size += bytes.length;
    const done = new Promise<void>((resolve, reject) => {
      this.queue.push({ generation: this.generation, bytes, resolve, reject });
    });
    this.lastAppend = done.catch(() => undefined);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Waiting for the end of this event-loop turn lets every request already received join the first write.
      setImmediate(() => void this.flush());
    }
    return done;
  }

  compact(snapshot: Iterable<Document>): Promise<void> {
    const unusable = this.unusable();
    if (unusable) return Promise.reject(unusable);
    this.compaction ??= this.runCompaction(snapshot).finally(() => {
      this.compaction = undefined;
    });
    return this.compaction;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.compaction?.catch(() => undefined);
    await this.lastAppend;
    await this.log.handle.close();
    await this.lock.release();
  }

  private unusable(): Error | undefined {
    if (this.closed) return new Error(`journal of data directory ${this.dir} is closed`);
    return this.failure;
  }

  /** Writes every queued append, a batch per log file, each batch with one fsync (group commit). */
  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const generation = this.queue[0]?.generation;
      const end = this.queue.findIndex((p) => p.generation !== generation);
      const batch = this.queue.splice(0, end === -1 ? this.queue.length : end);
      try {
        if (this.failure) throw this.failure;
        const handle = await this.logHandle(batch[0]?.generation ?? this.generation);
        // Called after the batch is taken: everything its entries reference was written before their appends.
        const dependencies = this.beforeWrite?.();
        if (dependencies) await dependencies;
        await handle.writeFile(Buffer.concat(batch.map((p) => p.bytes)));
        await handle.datasync();
        for (const p of batch) p.resolve();
      } catch (err) {
        // After a failed write or fsync the file's tail is unknown; appending more could put acknowledged
        // entries behind garbage that recovery stops at. Refuse everything until a restart recovers.
        this.failure ??= new Error(
          `journal of data directory ${this.dir} failed to write; restart to recover`,
          {
            cause: err,
          },
        );
        for (const p of batch) p.reject(this.failure);
      }
    }
    this.flushScheduled = false;
  }

  private async logHandle(generation: number): Promise<FileHandle> {
    if (this.log.generation !== generation) {
      const handle = await openLog(this.dir, generation);
      await syncDirectory(this.dir);
      await this.log.handle.close();
      this.log = { generation, handle };
    }
    return this.log.handle;
  }

  private async runCompaction(snapshot: Iterable<Document>): Promise<void> {
    const generation = this.generation + 1;
    const tempPath = join(this.dir, SNAPSHOT_TEMP_FILE);
    // Reading the snapshot and switching to the next log in the same synchronous step makes the snapshot
    // cover exactly the entries appended before the switch, whether `snapshot` is a copy or a live view.
    const fd = writeSnapshotSync(tempPath, generation, snapshot);
    this.generation = generation;
    this.size = 0;
    const olderAppendsDone = this.lastAppend;
    try {
      await fsyncFd(fd);
      await this.beforeWrite?.();
    } finally {
      closeSync(fd);
    }
    await rename(tempPath, join(this.dir, SNAPSHOT_FILE));
    await syncDirectory(this.dir);
    await olderAppendsDone;
    for (const name of await readdir(this.dir)) {
      const match = LOG_FILE.exec(name);
      if (match && Number(match[1]) < generation) await rm(join(this.dir, name));
    }
  }
}

function logName(generation: number): string {
  return `journal.${generation}.log`;
}

async function openLog(dir: string, generation: number): Promise<FileHandle> {
  return open(join(dir, logName(generation)), 'a', 0o600);
}

/** Makes renames and newly created files in `dir` survive a power loss. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function frame(doc: Document): Buffer {
  let payload: Uint8Array;
  try {
    payload = serialize(doc);
  } catch (err) {
    // The serializer's scratch buffer (17 MB) is too small for this entry (a large insert batch): size it
    // exactly and retry. Measuring every entry up front would cost a second traversal on each append.
    if (!(err instanceof RangeError)) throw err;
    setInternalBufferSize(calculateObjectSize(doc));
    payload = serialize(doc);
  }
  const bytes = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  bytes.writeUInt32LE(payload.length, 0);
  bytes.writeUInt32LE(crc32(payload), 4);
  bytes.set(payload, HEADER_BYTES);
  return bytes;
}

/** Writes the framed snapshot to `path` and returns its still-open, not yet fsync'd descriptor. */
function writeSnapshotSync(path: string, generation: number, records: Iterable<Document>): number {
  const fd = openSync(path, 'w', 0o600);
  try {
    let chunk: Buffer[] = [frame({ generation })];
    let chunkBytes = 0;
    for (const record of records) {
      const bytes = frame(record);
      chunk.push(bytes);
      chunkBytes += bytes.length;
      if (chunkBytes >= WRITE_CHUNK_BYTES) {
        writeFileSync(fd, Buffer.concat(chunk));
        chunk = [];
        chunkBytes = 0;
      }
    }
    writeFileSync(fd, Buffer.concat(chunk));
    return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

async function readSnapshot(path: string): Promise<{ snapshot: Document[]; generation: number }> {
  const { docs, validBytes, fileBytes } = await readFrames(path);
  const [header, ...snapshot] = docs;
  if (header === undefined && fileBytes === 0) return { snapshot: [], generation: 0 };
  // A snapshot only ever appears complete (rename of an fsync'd file): damage here is not a torn write.
  const generation = Number(header?.generation);
  if (validBytes !== fileBytes || !Number.isSafeInteger(generation)) {
    throw new Error(`snapshot file ${path} is corrupt at byte ${validBytes}`);
  }
  return { snapshot, generation };
}

/** Decodes the frames of `path` up to the first incomplete or corrupt one. */
async function readFrames(
  path: string,
): Promise<{ docs: Document[]; validBytes: number; fileBytes: number }> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT')
      return { docs: [], validBytes: 0, fileBytes: 0 };
    throw err;
  }
  try {
    const fileBytes = (await handle.stat()).size;
    let chunk = Buffer.alloc(0);
    let chunkStart = 0;
    const bytesAt = async (position: number, length: number): Promise<Buffer> => {
      if (position + length > chunkStart + chunk.length) {
        chunk = Buffer.allocUnsafe(Math.max(length, READ_CHUNK_BYTES));
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
        chunk = chunk.subarray(0, bytesRead);
        chunkStart = position;
      }
      return chunk.subarray(position - chunkStart, position - chunkStart + length);
    };

    const docs: Document[] = [];
    let validBytes = 0;
    while (validBytes + HEADER_BYTES <= fileBytes) {
      const header = await bytesAt(validBytes, HEADER_BYTES);
      const length = header.readUInt32LE(0);
      const checksum = header.readUInt32LE(4);
      const end = validBytes + HEADER_BYTES + length;
      if (end > fileBytes) break;
      // A copy per record: decoded Binary values point into their source buffer, which must not be a
      // whole read chunk kept alive by one small value.
      const payload = Buffer.from(await bytesAt(validBytes + HEADER_BYTES, length));
      if (crc32(payload) !== checksum) break;
      try {
        docs.push(deserialize(payload, DECODE_OPTIONS));
      } catch {
        break;
      }
      validBytes = end;
    }
    return { docs, validBytes, fileBytes };
  } finally {
    await handle.close();
  }
}

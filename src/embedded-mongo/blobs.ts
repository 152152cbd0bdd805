/**
 * Large binary values kept out of memory. A BSON Binary of at least `BLOB_THRESHOLD` bytes is written to an
 * append-only segment file when its document is stored, and the document holds a {@link BlobRef} in its
 * place: a Binary whose bytes are read from the file whenever something asks for them (the reply encoder,
 * a query predicate, an index). GridFS chunks (255 KB) are the values this is for.
 *
 * Segments are `blobs.<S>.dat` in the data directory: raw bytes, nothing else; a reference carries the
 * segment, offset, length, subtype and CRC-32 of its bytes. Only the newest segment is appended to; it is
 * closed for writing once it passes `SEGMENT_BYTES`. Bytes no reference points to (a write that was never
 * acknowledged, a deleted document's value) are garbage that compaction reclaims: segments holding no live
 * value are deleted, and sparse ones have their live values copied to the newest segment first.
 */
import {
  closeSync,
  fdatasync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { Binary } from 'bson';

/** Binary values of at least this many bytes are kept in a segment file rather than in memory. */
export const BLOB_THRESHOLD = 16 * 1024;
/** By default a segment stops taking new values once it is this large. */
const SEGMENT_BYTES = 64 * 1024 * 1024;
/** A closed segment whose live values fill less than this share of it is rewritten at compaction. */
const SPARSE_SHARE = 0.5;
const SEGMENT_FILE = /^blobs\.(\d+)\.dat$/;
const EMPTY = new Uint8Array(0);

const fdatasyncFd = promisify(fdatasync);

type Doc = Record<string, unknown>;

function isPlain(v: unknown): v is Doc {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * A Binary whose bytes live in a segment file. It serialises, compares and hashes like the Binary it
 * replaced; `buffer` reads the bytes from disk on every access and keeps nothing.
 */
export class BlobRef extends Binary {
  // Private fields, so the own enumerable keys are exactly a Binary's (the query engine hashes them).
  readonly #store: BlobStore;
  #segment: number;
  #offset: number;
  readonly #crc: number;

  constructor(
    store: BlobStore,
    segment: number,
    offset: number,
    length: number,
    subType: number,
    crc: number,
  ) {
    super(EMPTY, subType);
    this.#store = store;
    this.#segment = segment;
    this.#offset = offset;
    this.#crc = crc;
    this.position = length;
    // Binary declares `buffer` as an instance field, so the accessor must be an instance property too.
    Object.defineProperty(this, 'buffer', {
      get: () => this.#store.read(this),
      set: () => undefined,
      enumerable: true,
      configurable: true,
    });
  }

  get segment(): number {
    return this.#segment;
  }

  get offset(): number {
    return this.#offset;
  }

  get crc(): number {
    return this.#crc;
  }

  /** Compaction moved the bytes (they themselves never change). */
  moveTo(segment: number, offset: number): void {
    this.#segment = segment;
    this.#offset = offset;
  }
}
// Code that compares values by constructor (the query engine) must see a Binary.
Object.defineProperty(BlobRef.prototype, 'constructor', { value: Binary });

/** Stored documents that hold a BlobRef somewhere; only those need the slower journal encoding. */
const blobDocs = new WeakSet<object>();

export function hasBlobs(doc: Doc): boolean {
  return blobDocs.has(doc);
}

export function markBlobs(doc: Doc): void {
  blobDocs.add(doc);
}

/** A BlobRef as a journal or snapshot record lists it: path of keys, segment, offset, length, subtype, CRC. */
type BlobEntry = [Array<string | number>, number, number, number, number, number];

/**
 * The form a document holding blobs is written to disk in: a copy with `null` where each BlobRef was, and
 * the references listed beside it. Nothing a client stores can be mistaken for a reference.
 */
export function externalForm(doc: Doc): { doc: Doc; blobs: BlobEntry[] } {
  const blobs: BlobEntry[] = [];
  const copy = (v: unknown, path: Array<string | number>): unknown => {
    if (v instanceof BlobRef) {
      blobs.push([[...path], v.segment, v.offset, v.position, v.sub_type, v.crc]);
      return null;
    }
    if (Array.isArray(v)) return v.map((el, i) => copy(el, [...path, i]));
    if (isPlain(v)) {
      const out: Doc = {};
      for (const k of Object.keys(v)) out[k] = copy(v[k], [...path, k]);
      return out;
    }
    return v;
  };
  return { doc: copy(doc, []) as Doc, blobs };
}

/** Every BlobRef inside a stored value. */
export function* blobRefsIn(v: unknown): Generator<BlobRef> {
  if (v instanceof BlobRef) yield v;
  else if (Array.isArray(v)) for (const el of v) yield* blobRefsIn(el);
  else if (isPlain(v)) for (const k of Object.keys(v)) yield* blobRefsIn(v[k]);
}

/** A number as decoded without promotion (a JS number or an Int32/Double/Long wrapper). */
function num(v: unknown): number {
  const n = typeof v === 'number' ? v : Number((v as { valueOf(): unknown }).valueOf());
  if (!Number.isSafeInteger(n)) throw new Error('malformed blob reference');
  return n;
}

export interface BlobStoreOptions {
  /** Directory for the segments; omitted means a temporary directory removed by `close`. */
  dir?: string;
  /** Size past which a segment takes no more values (default 64 MB). */
  segmentBytes?: number;
}

/** The segment files of one server. */
export class BlobStore {
  /** Directory of the segments; for a temporary store, made on the first value stored. */
  private dir: string | undefined;
  private readonly temporary: boolean;
  private readonly segmentBytes: number;
  /** Open descriptor per segment. */
  private readonly fds = new Map<number, number>();
  /** The segment values are appended to, once one is stored in this run. */
  private writer: { segment: number; fd: number; bytes: number } | undefined;
  /** Segments written to since the last `sync`, and whether a segment file was created since then. */
  private unsynced = new Set<number>();
  private newFile = false;
  /** Bytes of values whose documents were removed since the last compaction: space compaction may free. */
  releasedBytes = 0;

  /** Opens the segments in `options.dir`, if any; nothing is created before the first value is stored. */
  constructor(options: BlobStoreOptions = {}) {
    this.temporary = options.dir === undefined;
    this.segmentBytes = options.segmentBytes ?? SEGMENT_BYTES;
    this.dir = options.dir;
    if (this.dir === undefined) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(this.dir)) {
      const match = SEGMENT_FILE.exec(name);
      if (match) this.fds.set(Number(match[1]), openSync(join(this.dir, name), 'r'));
    }
  }

  private path(segment: number): string {
    this.dir ??= mkdtempSync(join(tmpdir(), 'embedded-mongo-blobs-'));
    return join(this.dir, `blobs.${segment}.dat`);
  }

  /** The segment to append to: the newest one while it has room, else a new one. */
  private openWriter(): { segment: number; fd: number; bytes: number } {
    const newest = Math.max(-1, ...this.fds.keys());
    const last = this.fds.get(newest);
    const reuse = last !== undefined && fstatSync(last).size < this.segmentBytes;
    const segment = reuse ? newest : newest + 1;
    const fd = openSync(this.path(segment), 'a+', 0o600);
    // The newest segment was opened read-only; its appending descriptor serves reads from now on.
    if (reuse) closeSync(last);
    this.fds.set(segment, fd);
    const bytes = fstatSync(fd).size;
    if (bytes === 0) this.newFile = true;
    return (this.writer = { segment, fd, bytes });
  }

  /** Appends `bytes` to the newest segment; returns where they went. */
  private append(bytes: Uint8Array): { segment: number; offset: number } {
    let writer = this.writer ?? this.openWriter();
    if (writer.bytes >= this.segmentBytes) writer = this.openWriter();
    const offset = writer.bytes;
    this.unsynced.add(writer.segment);
    try {
      for (let done = 0; done < bytes.length;) done += writeSync(writer.fd, bytes, done);
    } finally {
      // After a failed write the tail is garbage nobody references; later values go after it.
      writer.bytes = fstatSync(writer.fd).size;
    }
    return { segment: writer.segment, offset };
  }

  /** Writes a Binary's bytes out and returns the reference that takes its place in the document. */
  store(value: Binary): BlobRef {
    const bytes = value.buffer.subarray(0, value.position);
    const { segment, offset } = this.append(bytes);
    return new BlobRef(this, segment, offset, bytes.length, value.sub_type, crc32(bytes));
  }

  /** The reference a journal or snapshot record lists (see `externalForm`). */
  revive(entry: unknown): { path: Array<string | number>; ref: BlobRef } {
    if (!Array.isArray(entry) || entry.length !== 6 || !Array.isArray(entry[0]))
      throw new Error('malformed blob reference');
    const path = (entry[0] as unknown[]).map((k) => (typeof k === 'string' ? k : num(k)));
    const [, segment, offset, length, subType, crc] = entry.map((v, i) => (i === 0 ? 0 : num(v)));
    return { path, ref: new BlobRef(this, segment!, offset!, length!, subType!, crc! >>> 0) };
  }

  /** Puts the references a record lists back into its document (the inverse of `externalForm`). */
  reviveInto(doc: Doc, entries: unknown): void {
    if (!Array.isArray(entries)) throw new Error('malformed blob references');
    for (const entry of entries) {
      const { path, ref } = this.revive(entry);
      let container: unknown = doc;
      for (const key of path.slice(0, -1)) container = (container as Record<string | number, unknown>)[key];
      const last = path.at(-1);
      if (container === null || typeof container !== 'object' || last === undefined)
        throw new Error('blob reference to a missing field');
      (container as Record<string | number, unknown>)[last] = ref;
    }
  }

  read(ref: BlobRef): Buffer {
    const fd = this.fds.get(ref.segment);
    if (fd === undefined) throw new Error(`blob segment ${ref.segment} is gone`);
    const bytes = Buffer.allocUnsafe(ref.position);
    for (let done = 0; done < bytes.length;) {
      const n = readSync(fd, bytes, done, bytes.length - done, ref.offset + done);
      if (n === 0) throw new Error(`blob at ${ref.segment}:${ref.offset} is truncated`);
      done += n;
    }
    if (crc32(bytes) >>> 0 !== ref.crc) throw new Error(`blob at ${ref.segment}:${ref.offset} is corrupt`);
    return bytes;
  }

  /**
   * Makes every value written so far durable; undefined when there is nothing to do, so callers on the
   * hot path await nothing. A temporary store never syncs.
   */
  sync(): Promise<void> | undefined {
    if (this.temporary || (this.unsynced.size === 0 && !this.newFile)) return undefined;
    const fds = [...this.unsynced].flatMap((s) => this.fds.get(s) ?? []);
    const newFile = this.newFile;
    this.unsynced = new Set();
    this.newFile = false;
    return (async () => {
      await Promise.all(fds.map((fd) => fdatasyncFd(fd)));
      if (newFile && this.dir !== undefined) {
        const dirFd = openSync(this.dir, 'r');
        try {
          await fdatasyncFd(dirFd);
        } finally {
          closeSync(dirFd);
        }
      }
    })();
  }

  /**
   * Called with every reference the state about to be snapshotted holds, in the same synchronous step as
   * the snapshot itself. Copies the live values of sparse closed segments to the newest one (moving the
   * references) and returns the closed segments nothing will point to once the snapshot is durable; the
   * caller passes them to `drop` then. The copies are made durable by the next `sync`.
   */
  reclaim(refs: Iterable<BlobRef>): number[] {
    this.releasedBytes = 0;
    if (this.fds.size === 0) return [];
    // The segment that receives the copies must not be one of those they are copied from.
    const writer = this.writer ?? this.openWriter();
    const byLocation = new Map<string, BlobRef[]>();
    const liveBytes = new Map<number, number>();
    for (const ref of refs) {
      const key = `${ref.segment}:${ref.offset}`;
      const same = byLocation.get(key);
      if (same) {
        same.push(ref);
        continue;
      }
      byLocation.set(key, [ref]);
      liveBytes.set(ref.segment, (liveBytes.get(ref.segment) ?? 0) + ref.position);
    }
    const closed = [...this.fds.keys()].filter((s) => s !== writer.segment);
    const sparse = new Set(
      closed.filter((s) => {
        const live = liveBytes.get(s) ?? 0;
        return live > 0 && live < fstatSync(this.fds.get(s) as number).size * SPARSE_SHARE;
      }),
    );
    for (const same of byLocation.values()) {
      const first = same[0] as BlobRef;
      if (!sparse.has(first.segment)) continue;
      const moved = this.append(this.read(first));
      for (const ref of same) ref.moveTo(moved.segment, moved.offset);
    }
    return closed.filter((s) => sparse.has(s) || !liveBytes.has(s));
  }

  /** Deletes segments `reclaim` returned, once no durable record points into them. */
  drop(segments: number[]): void {
    for (const s of segments) {
      const fd = this.fds.get(s);
      if (fd === undefined || s === this.writer?.segment) continue;
      this.fds.delete(s);
      closeSync(fd);
      unlinkSync(this.path(s));
    }
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    this.writer = undefined;
    if (this.temporary && this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * An ordered list of index entries kept in bounded chunks, so inserting or removing one entry moves at
 * most a chunk's worth of memory instead of the whole index (a flat sorted array made every write to a
 * 100k-entry index shift ~800 KB).
 */

/** One index entry: a key value and the document id it points to. */
export interface Entry {
  v: unknown;
  id: string;
}

/** A place in the list: chunk number and offset; the end is `{ c: chunks.length, i: 0 }`. */
export interface Pos {
  c: number;
  i: number;
}

const MAX_CHUNK = 512;

export class SortedEntries {
  private chunks: Entry[][] = [];
  private total = 0;

  constructor(private readonly cmp: (a: Entry, b: Entry) => number) {}

  get size(): number {
    return this.total;
  }

  insert(entry: Entry): void {
    if (this.chunks.length === 0) {
      this.chunks.push([entry]);
      this.total = 1;
      return;
    }
    // Ascending keys (ObjectId and date `_id`s, a constant field ordered by those ids) arrive in order:
    // one comparison with the last entry then replaces two binary searches.
    const lastChunk = this.chunks[this.chunks.length - 1] as Entry[];
    const appending = this.cmp(lastChunk[lastChunk.length - 1] as Entry, entry) < 0;
    const c = appending ? this.chunks.length - 1 : this.chunkFor(entry);
    const chunk = this.chunks[c] as Entry[];
    if (appending) chunk.push(entry);
    else
      chunk.splice(
        this.offsetIn(chunk, (e) => this.cmp(e, entry) < 0),
        0,
        entry,
      );
    this.total++;
    if (chunk.length > MAX_CHUNK) this.chunks.splice(c + 1, 0, chunk.splice(MAX_CHUNK / 2));
  }

  /** Removes the entry equal to `entry` under the comparator; false if absent. */
  remove(entry: Entry): boolean {
    if (this.chunks.length === 0) return false;
    const c = this.chunkFor(entry);
    const chunk = this.chunks[c] as Entry[];
    const at = this.offsetIn(chunk, (e) => this.cmp(e, entry) < 0);
    const found = chunk[at];
    if (!found || this.cmp(found, entry) !== 0) return false;
    chunk.splice(at, 1);
    this.total--;
    if (chunk.length === 0) this.chunks.splice(c, 1);
    return true;
  }

  /** First position whose entry is not `before` (the list must be partitioned by `before`). */
  seek(before: (e: Entry) => boolean): Pos {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid] as Entry[];
      if (before(chunk[chunk.length - 1] as Entry)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.chunks.length) return { c: lo, i: 0 };
    return { c: lo, i: this.offsetIn(this.chunks[lo] as Entry[], before) };
  }

  /** Number of entries in [start, end). */
  count(start: Pos, end: Pos): number {
    if (!this.less(start, end)) return 0;
    if (start.c === end.c) return end.i - start.i;
    let n = (this.chunks[start.c] as Entry[]).length - start.i;
    for (let c = start.c + 1; c < end.c; c++) n += (this.chunks[c] as Entry[]).length;
    return n + end.i;
  }

  less(a: Pos, b: Pos): boolean {
    return a.c < b.c || (a.c === b.c && a.i < b.i);
  }

  /** Entries in [start, end), read lazily. */
  *between(start: Pos, end: Pos): Generator<Entry> {
    let { c, i } = start;
    while (this.less({ c, i }, end)) {
      const chunk = this.chunks[c] as Entry[];
      yield chunk[i] as Entry;
      i++;
      if (i >= chunk.length) {
        c++;
        i = 0;
      }
    }
  }

  /** Every entry, ascending or descending. */
  *all(descending = false): Generator<Entry> {
    if (!descending) {
      for (const chunk of this.chunks) yield* chunk;
      return;
    }
    for (let c = this.chunks.length - 1; c >= 0; c--) {
      const chunk = this.chunks[c] as Entry[];
      for (let i = chunk.length - 1; i >= 0; i--) yield chunk[i] as Entry;
    }
  }

  /** The chunk an entry belongs in: the first whose last entry is not below it, else the last chunk. */
  private chunkFor(entry: Entry): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid] as Entry[];
      if (this.cmp(chunk[chunk.length - 1] as Entry, entry) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private offsetIn(chunk: Entry[], before: (e: Entry) => boolean): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(chunk[mid] as Entry)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * The in-memory state: collections of documents keyed by `_id`, their secondary indexes, and the small set
 * of idempotent write effects ("ops") that every mutation is expressed as, so the same code applies a live
 * write and replays it from the journal.
 */
import type { Document } from 'bson';
import { Query, queryOptions } from './mingo.js';
import { SortedEntries, type Entry, type Pos } from './sorted.js';
import { blobRefsIn, hasBlobs, type BlobRef, type BlobStore } from './blobs.js';
import { MongoCommandError } from './errors.js';
import {
  compareValues,
  isPlainObject,
  matchView,
  plainNumbers,
  renderValue,
  typeRank,
  valueKey,
  valuesAtPath,
  type Doc,
} from './values.js';

/** An index definition as reported by listIndexes. */
export interface IndexSpec {
  v: number;
  key: Record<string, unknown>;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Doc;
  expireAfterSeconds?: number;
  [option: string]: unknown;
}

/** One write effect. A journal entry is `{ ops: Op[] }`: everything one acknowledged command changed. */
export type Op =
  | { op: 'put'; ns: string; doc: Doc }
  | { op: 'del'; ns: string; id: unknown }
  | { op: 'createCollection'; ns: string; options: Doc }
  | { op: 'createIndex'; ns: string; spec: IndexSpec }
  | { op: 'dropIndex'; ns: string; name: string }
  | { op: 'dropCollection'; ns: string }
  | { op: 'dropDatabase'; db: string };

/** A document's keys in one index (none when sparse/partial exclude it); full keys once asked for. */
interface Keyed {
  doc: Doc;
  combos: unknown[][];
  full?: string[];
}

function entryCompare(a: Entry, b: Entry): number {
  const c = compareValues(a.v, b.v);
  return c !== 0 ? c : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A secondary index: a hash of full keys (uniqueness) and a sorted list on the first field (lookups). */
export class Index {
  readonly spec: IndexSpec;
  readonly fields: string[];
  private readonly paths: string[][];
  private readonly partial: Query | undefined;
  /** Unique indexes only: full key to the id of the one document holding it. */
  private readonly byKey = new Map<string, string>();
  /** Sorted by (first-field value, id): serves equality and range lookups without scanning documents. */
  private readonly sorted = new SortedEntries(entryCompare);
  /** Set once a document contributes several first-field values (an array), as mongod tracks it. */
  multikey = false;
  /**
   * The document keyed last: a write checks a unique index and then indexes the same document object,
   * which is never changed in place, so the second look reuses the first one's keys.
   */
  private last: Keyed | undefined;

  constructor(spec: IndexSpec) {
    this.spec = spec;
    this.fields = Object.keys(spec.key);
    this.paths = this.fields.map((f) => f.split('.'));
    this.partial = spec.partialFilterExpression
      ? new Query(plainNumbers(spec.partialFilterExpression), queryOptions(spec.partialFilterExpression))
      : undefined;
  }

  get unique(): boolean {
    return this.spec.unique === true;
  }

  /** True when the planner may use the index to find every document a predicate matches. */
  get complete(): boolean {
    return this.partial === undefined && this.spec.sparse !== true;
  }

  /** The key combinations a document contributes, or undefined when sparse/partial exclude it. */
  keysOf(doc: Doc): unknown[][] | undefined {
    if (this.partial && !this.partial.test(matchView(doc))) return undefined;
    let anyPresent = false;
    const perField = this.paths.map((parts) => {
      const leaves = valuesAtPath(doc, parts);
      if (leaves.length > 0) anyPresent = true;
      const out: unknown[] = [];
      for (const leaf of leaves) {
        if (Array.isArray(leaf)) {
          if (leaf.length === 0) out.push(undefined);
          else out.push(...leaf);
        } else out.push(leaf);
      }
      return out.length > 0 ? out : [null];
    });
    if (this.spec.sparse === true && !anyPresent) return undefined;
    if (perField.length === 1) return (perField[0] as unknown[]).map((v) => [v]);
    let combos: unknown[][] = [[]];
    for (const values of perField) {
      const next: unknown[][] = [];
      for (const combo of combos) for (const v of values) next.push([...combo, v]);
      combos = next;
    }
    return combos;
  }

  private static fullKey(combo: unknown[]): string {
    // Single-field keys are the common case: the same string, without the array round trip.
    return combo.length === 1 ? valueKey(combo[0]) : combo.map(valueKey).join('|');
  }

  private keyed(doc: Doc): Keyed {
    if (this.last?.doc !== doc) this.last = { doc, combos: this.keysOf(doc) ?? [] };
    return this.last;
  }

  private static fullKeys(keyed: Keyed): string[] {
    return (keyed.full ??= keyed.combos.map(Index.fullKey));
  }

  /** Unique single-field indexes: ids of the documents holding any of these values (each at most once). */
  holdersOf(values: unknown[]): Iterable<string> {
    if (values.length === 1) {
      // A point lookup: no set needed to keep one id unique.
      const id = this.byKey.get(valueKey(values[0]));
      return id === undefined ? [] : [id];
    }
    const ids = new Set<string>();
    for (const v of values) {
      const id = this.byKey.get(valueKey(v));
      if (id !== undefined) ids.add(id);
    }
    return ids;
  }

  /** Throws MongoDB's duplicate-key error if `doc` would collide with a document other than itself. */
  checkUnique(doc: Doc, id: string, collectionNs: string): void {
    if (!this.unique) return;
    const keyed = this.keyed(doc);
    for (const [i, key] of Index.fullKeys(keyed).entries()) {
      const holder = this.byKey.get(key);
      if (holder !== undefined && holder !== id)
        throw this.duplicateError(keyed.combos[i] as unknown[], collectionNs);
    }
  }

  duplicateError(combo: unknown[], collectionNs: string): MongoCommandError {
    const keyValue: Doc = {};
    this.fields.forEach((f, i) => {
      keyValue[f] = combo[i] === undefined ? null : combo[i];
    });
    const rendered = this.fields.map((f, i) => `${f}: ${renderValue(combo[i])}`).join(', ');
    return new MongoCommandError(
      'DuplicateKey',
      `E11000 duplicate key error collection: ${collectionNs} index: ${this.spec.name} dup key: { ${rendered} }`,
      { keyPattern: this.spec.key, keyValue },
    );
  }

  /*
   * Stored documents never change in place, so the entries a document contributed are recomputed from
   * it on removal rather than remembered per document.
   */

  add(doc: Doc, id: string): void {
    this.addKeys(this.keyed(doc), id);
  }

  remove(doc: Doc, id: string): void {
    this.removeKeys(this.keyed(doc), id);
  }

  /** Re-indexes a changed document; a no-op when its keys did not change (the common update). */
  replace(oldDoc: Doc, newDoc: Doc, id: string): void {
    // The new document first: it is the one `checkUnique` just keyed.
    const after = this.keyed(newDoc);
    const before = this.keyed(oldDoc);
    const beforeKeys = Index.fullKeys(before);
    const afterKeys = Index.fullKeys(after);
    if (beforeKeys.length === afterKeys.length && beforeKeys.every((k, i) => k === afterKeys[i])) return;
    this.removeKeys(before, id);
    this.addKeys(after, id);
  }

  private addKeys(keyed: Keyed, id: string): void {
    if (keyed.combos.length === 0) return;
    if (this.unique) for (const key of Index.fullKeys(keyed)) this.byKey.set(key, id);
    const firsts = Index.distinctFirsts(keyed.combos);
    for (const v of firsts) this.sorted.insert({ v, id });
    if (firsts.length > 1) this.multikey = true;
  }

  private removeKeys(keyed: Keyed, id: string): void {
    if (keyed.combos.length === 0) return;
    if (this.unique) {
      for (const key of Index.fullKeys(keyed)) if (this.byKey.get(key) === id) this.byKey.delete(key);
    }
    for (const v of Index.distinctFirsts(keyed.combos)) this.sorted.remove({ v, id });
  }

  private static distinctFirsts(combos: unknown[][]): unknown[] {
    if (combos.length === 1) return [(combos[0] as unknown[])[0]];
    const seen = new Map<string, unknown>();
    for (const combo of combos) seen.set(valueKey(combo[0]), combo[0]);
    return [...seen.values()];
  }

  /** First position whose value is >= v (or > v when `after`). */
  private valueBound(v: unknown, after: boolean): Pos {
    return this.sorted.seek((e) => {
      const c = compareValues(e.v, v);
      return c < 0 || (after && c === 0);
    });
  }

  private rankStart(rank: number): Pos {
    return this.sorted.seek((e) => typeRank(e.v) < rank);
  }

  /**
   * The span of entries whose first field lies in the range, and its size; bounds are type-bracketed
   * like MongoDB's (`$gt: 5` never reaches strings).
   */
  spanOf(range: KeyRange): { start: Pos; end: Pos; count: number } {
    const { lower, upper } = range;
    if (lower?.inclusive && upper?.inclusive && compareValues(lower.v, upper.v) === 0) {
      const start = this.valueBound(lower.v, false);
      const end = this.valueBound(lower.v, true);
      return { start, end, count: this.sorted.count(start, end) };
    }
    const rank = typeRank(range.lower ? range.lower.v : range.upper?.v);
    const start = range.lower ? this.valueBound(range.lower.v, !range.lower.inclusive) : this.rankStart(rank);
    const rankEnd = this.rankStart(rank + 1);
    let end = range.upper ? this.valueBound(range.upper.v, range.upper.inclusive) : rankEnd;
    if (this.sorted.less(rankEnd, end)) end = rankEnd;
    if (this.sorted.less(end, start)) end = start;
    return { start, end, count: this.sorted.count(start, end) };
  }

  /** Document ids in a span, lazily, so a caller that stops early pays only for what it read. */
  *idsIn(span: { start: Pos; end: Pos }): Generator<string> {
    for (const entry of this.sorted.between(span.start, span.end)) yield entry.id;
  }

  /** Document ids in index order (for index-ordered sorts). */
  *ids(descending = false): Generator<string> {
    for (const entry of this.sorted.all(descending)) yield entry.id;
  }

  approximateSize(): number {
    return this.sorted.size * 48;
  }
}

/** Bounds on an index's first field. */
export interface KeyRange {
  lower?: { v: unknown; inclusive: boolean };
  upper?: { v: unknown; inclusive: boolean };
}

/** One collection: documents in insertion order keyed by `_id`, plus its indexes. */
export class Collection {
  readonly ns: string;
  readonly options: Doc;
  readonly docs = new Map<string, Doc>();
  /** Secondary indexes by name; `_id_` is `idIndex`, kept apart because it can be neither built nor dropped. */
  readonly indexes = new Map<string, Index>();
  /** Orders documents by `_id` for range queries and sorts (lookups by value go through `docs`). */
  readonly idIndex = new Index({ v: 2, key: { _id: 1 }, name: '_id_' });

  constructor(ns: string, options: Doc = {}) {
    this.ns = ns;
    this.options = options;
  }

  get name(): string {
    return this.ns.slice(this.ns.indexOf('.') + 1);
  }

  /** `idIndex`, then the secondary indexes: every index a query may read. */
  *allIndexes(): Generator<Index> {
    yield this.idIndex;
    yield* this.indexes.values();
  }

  /** Refuses a write that would break a unique index, before anything is changed. */
  checkUnique(doc: Doc): void {
    const id = valueKey(doc._id);
    for (const index of this.indexes.values()) index.checkUnique(doc, id, this.ns);
  }

  put(doc: Doc): void {
    const id = valueKey(doc._id);
    const existing = this.docs.get(id);
    this.docs.set(id, doc);
    if (existing) {
      for (const index of this.indexes.values()) index.replace(existing, doc, id);
    } else {
      this.idIndex.add(doc, id);
      for (const index of this.indexes.values()) index.add(doc, id);
    }
  }

  /** Removes the document with this `_id`; returns it, or undefined when there was none. */
  delete(idValue: unknown): Doc | undefined {
    const id = valueKey(idValue);
    const doc = this.docs.get(id);
    if (!doc) return undefined;
    this.idIndex.remove(doc, id);
    for (const index of this.indexes.values()) index.remove(doc, id);
    this.docs.delete(id);
    return doc;
  }

  /** Builds an index over existing documents; refuses (without change) if a unique one finds duplicates. */
  addIndex(spec: IndexSpec): void {
    const index = new Index(spec);
    for (const [id, doc] of this.docs) {
      index.checkUnique(doc, id, this.ns);
      index.add(doc, id);
    }
    this.indexes.set(spec.name, index);
  }

  /** All index specs including the implicit `_id_`. */
  indexSpecs(): IndexSpec[] {
    return [...this.allIndexes()].map((i) => i.spec);
  }
}

/** Everything the server holds, addressed by namespace (`db.collection`). */
export class Store {
  readonly collections = new Map<string, Collection>();

  /** `blobs`: told how many bytes of large values removed documents held, so compaction knows when to run. */
  constructor(private readonly blobs?: BlobStore) {}

  /** Counts the large values of documents leaving the store as space compaction may reclaim. */
  private released(doc: Doc | undefined): void {
    if (!this.blobs || !doc || !hasBlobs(doc)) return;
    for (const ref of blobRefsIn(doc)) this.blobs.releasedBytes += ref.position;
  }

  private releasedAll(coll: Collection | undefined): void {
    if (!this.blobs || !coll) return;
    for (const doc of coll.docs.values()) this.released(doc);
  }

  get(ns: string): Collection | undefined {
    return this.collections.get(ns);
  }

  ensure(ns: string, options: Doc = {}): Collection {
    let coll = this.collections.get(ns);
    if (!coll) {
      coll = new Collection(ns, options);
      this.collections.set(ns, coll);
    }
    return coll;
  }

  databases(): string[] {
    const names = new Set<string>();
    for (const ns of this.collections.keys()) names.add(ns.slice(0, ns.indexOf('.')));
    return [...names].sort();
  }

  collectionsOf(db: string): Collection[] {
    const prefix = db + '.';
    return [...this.collections.values()].filter((c) => c.ns.startsWith(prefix));
  }

  /** Applies one effect. Idempotent, so replaying an entry already reflected in a snapshot is harmless. */
  apply(op: Op): void {
    switch (op.op) {
      case 'put':
        this.ensure(op.ns).put(op.doc);
        return;
      case 'del':
        this.released(this.get(op.ns)?.delete(op.id));
        return;
      case 'createCollection':
        this.ensure(op.ns, op.options);
        return;
      case 'createIndex': {
        const coll = this.ensure(op.ns);
        if (!coll.indexes.has(op.spec.name)) coll.addIndex(op.spec);
        return;
      }
      case 'dropIndex':
        this.get(op.ns)?.indexes.delete(op.name);
        return;
      case 'dropCollection':
        this.releasedAll(this.get(op.ns));
        this.collections.delete(op.ns);
        return;
      case 'dropDatabase':
        for (const coll of this.collectionsOf(op.db)) {
          this.releasedAll(coll);
          this.collections.delete(coll.ns);
        }
        return;
    }
  }

  /**
   * Point-in-time snapshot records (documents are never mutated in place, so holding references is
   * enough): per collection one `{ ns, options, indexes }` record, then one `{ ns, doc }` per document.
   */
  snapshotRecords(): Document[] {
    const records: Document[] = [];
    for (const coll of this.collections.values()) {
      records.push({
        ns: coll.ns,
        options: coll.options,
        indexes: [...coll.indexes.values()].map((i) => i.spec),
      });
      for (const doc of coll.docs.values()) records.push({ ns: coll.ns, doc });
    }
    return records;
  }

  /** Every reference to a large value the stored documents hold (see blobs.ts). */
  *blobRefs(): Generator<BlobRef> {
    for (const coll of this.collections.values())
      for (const doc of coll.docs.values()) if (hasBlobs(doc)) yield* blobRefsIn(doc);
  }

  /** Rebuilds state from snapshot records (see `snapshotRecords`). Indexes are built after the documents. */
  loadSnapshot(records: Iterable<Document>): void {
    const pendingIndexes = new Map<string, IndexSpec[]>();
    for (const record of records) {
      const ns = record.ns;
      if (typeof ns !== 'string') continue;
      if (isPlainObject(record.doc)) {
        this.ensure(ns).put(record.doc);
      } else {
        this.ensure(ns, isPlainObject(record.options) ? record.options : {});
        if (Array.isArray(record.indexes)) pendingIndexes.set(ns, record.indexes as IndexSpec[]);
      }
    }
    for (const [ns, specs] of pendingIndexes) {
      const coll = this.ensure(ns);
      for (const spec of specs) if (!coll.indexes.has(spec.name)) coll.addIndex(spec);
    }
  }
}

/**
 * BSON value semantics the query engine does not give us: MongoDB's cross-type ordering, equality keys
 * for hashing, dotted-path resolution and cheap copy-on-write cloning.
 */
import type { Binary, Decimal128, Long, ObjectId, Timestamp } from 'bson';
import { BLOB_THRESHOLD, BlobRef, markBlobs, type BlobStore } from './blobs.js';

/** A stored document: a plain object whose values are JS primitives, Dates, arrays or BSON classes. */
export type Doc = Record<string, unknown>;

/** The `_bsontype` tag bson classes carry; undefined for everything else. */
export function bsonTypeOf(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const tag = (v as { _bsontype?: unknown })._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

export function isPlainObject(v: unknown): v is Doc {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Numeric value of a JS number or a BSON numeric wrapper; undefined for anything else. */
export function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  switch (bsonTypeOf(v)) {
    case 'Int32':
    case 'Double':
      return (v as { value: number }).value;
    case 'Long':
      return (v as Long).toNumber();
    case 'Decimal128':
      return Number((v as Decimal128).toString());
    default:
      return undefined;
  }
}

/** MongoDB's canonical BSON type order (missing and null sort together). */
export function typeRank(v: unknown): number {
  if (v === undefined || v === null) return 2;
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 3;
    case 'string':
      return 4;
    case 'boolean':
      return 9;
  }
  if (Array.isArray(v)) return 6;
  if (v instanceof Date) return 10;
  if (v instanceof RegExp) return 12;
  switch (bsonTypeOf(v)) {
    case 'MinKey':
      return 1;
    case 'Int32':
    case 'Double':
    case 'Long':
    case 'Decimal128':
      return 3;
    case 'BSONSymbol':
      return 4;
    case 'Binary':
      return 7;
    case 'ObjectId':
      return 8;
    case 'Timestamp':
      return 11;
    case 'BSONRegExp':
      return 12;
    case 'Code':
      return 13;
    case 'MaxKey':
      return 100;
  }
  if (v instanceof Uint8Array) return 7;
  return 5;
}

const cmp = (a: number | string, b: number | string): number => (a < b ? -1 : a > b ? 1 : 0);

function bytesOf(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  return (v as Binary).buffer;
}

/** Total order over BSON values matching MongoDB's comparison/sort order. */
export function compareValues(a: unknown, b: unknown): number {
  // Index maintenance compares mostly strings and numbers with their own kind: skip the type ranking.
  if (typeof a === 'string' && typeof b === 'string') return cmp(a, b);
  if (typeof a === 'number' && typeof b === 'number' && !Number.isNaN(a) && !Number.isNaN(b))
    return cmp(a, b);
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 1:
    case 2:
    case 100:
      return 0;
    case 3: {
      const x = toNumber(a) ?? 0;
      const y = toNumber(b) ?? 0;
      if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1;
      if (Number.isNaN(y)) return 1;
      return cmp(x, y);
    }
    case 4:
      return cmp(String(a), String(b));
    case 5: {
      const ka = Object.keys(a as Doc);
      const kb = Object.keys(b as Doc);
      const n = Math.min(ka.length, kb.length);
      for (let i = 0; i < n; i++) {
        const va = (a as Doc)[ka[i] as string];
        const vb = (b as Doc)[kb[i] as string];
        const byType = typeRank(va) - typeRank(vb);
        if (byType !== 0) return byType;
        const byName = cmp(ka[i] as string, kb[i] as string);
        if (byName !== 0) return byName;
        const byValue = compareValues(va, vb);
        if (byValue !== 0) return byValue;
      }
      return ka.length - kb.length;
    }
    case 6: {
      const xa = a as unknown[];
      const xb = b as unknown[];
      const n = Math.min(xa.length, xb.length);
      for (let i = 0; i < n; i++) {
        const c = compareValues(xa[i], xb[i]);
        if (c !== 0) return c;
      }
      return xa.length - xb.length;
    }
    case 7: {
      const ba = bytesOf(a);
      const bb = bytesOf(b);
      if (ba.length !== bb.length) return ba.length - bb.length;
      const sa = (a as { sub_type?: number }).sub_type ?? 0;
      const sb = (b as { sub_type?: number }).sub_type ?? 0;
      if (sa !== sb) return sa - sb;
      return Buffer.compare(ba, bb);
    }
    case 8:
      return cmp((a as ObjectId).toHexString(), (b as ObjectId).toHexString());
    case 9:
      return cmp(Number(a), Number(b));
    case 10:
      return cmp((a as Date).getTime(), (b as Date).getTime());
    case 11: {
      const ta = a as Timestamp;
      const tb = b as Timestamp;
      return ta.t !== tb.t ? cmp(ta.t, tb.t) : cmp(ta.i, tb.i);
    }
    default:
      return cmp(String(a), String(b));
  }
}

/**
 * A string equal for exactly the values MongoDB treats as equal (1, 1.0 and Long(1) share a key), used
 * for `_id` lookup and unique-index enforcement.
 */
export function valueKey(v: unknown): string {
  if (v === undefined || v === null) return 'N';
  switch (typeof v) {
    case 'number':
      return 'n' + String(v);
    case 'string':
      return 's' + JSON.stringify(v);
    case 'boolean':
      return v ? 'T' : 'F';
    case 'bigint':
      return 'n' + String(Number(v));
  }
  if (Array.isArray(v)) return '[' + v.map(valueKey).join(',') + ']';
  if (v instanceof Date) return 'd' + String(v.getTime());
  if (v instanceof RegExp) return 'r' + JSON.stringify(`${v.source}/${v.flags}`);
  switch (bsonTypeOf(v)) {
    case 'ObjectId':
      return 'o' + (v as ObjectId).toHexString();
    case 'Int32':
    case 'Double':
    case 'Long':
    case 'Decimal128':
      return 'n' + String(toNumber(v));
    case 'Binary':
      return `x${(v as Binary).sub_type}:${Buffer.from((v as Binary).buffer).toString('base64')}`;
    case 'Timestamp':
      return 't' + (v as Timestamp).toString();
    case 'MinKey':
      return 'm';
    case 'MaxKey':
      return 'M';
  }
  if (v instanceof Uint8Array) return `x0:${Buffer.from(v).toString('base64')}`;
  if (typeof v === 'object') {
    const o = v as Doc;
    return (
      '{' +
      Object.keys(o)
        .map((k) => `${JSON.stringify(k)}:${valueKey(o[k])}`)
        .join(',') +
      '}'
    );
  }
  return 'u' + String(v);
}

/**
 * Values reached by a dotted path, descending through arrays the way MongoDB's query engine does.
 * An empty result means the path is missing.
 */
export function valuesAtPath(
  value: unknown,
  parts: readonly string[],
  i = 0,
  out: unknown[] = [],
): unknown[] {
  if (i === parts.length) {
    out.push(value);
    return out;
  }
  const part = parts[i] as string;
  if (Array.isArray(value)) {
    if (/^\d+$/.test(part)) {
      const el: unknown = value[Number(part)];
      if (el !== undefined) valuesAtPath(el, parts, i + 1, out);
      return out;
    }
    for (const el of value) if (isPlainObject(el)) valuesAtPath(el, parts, i, out);
    return out;
  }
  if (isPlainObject(value)) {
    const next = value[part];
    if (next !== undefined) valuesAtPath(next, parts, i + 1, out);
  }
  return out;
}

/** First value at a dotted path without array expansion (for `_id` and simple reads). */
export function getPath(doc: Doc, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(part)) cur = cur[Number(part)];
    else if (isPlainObject(cur)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

/** Sets a dotted path, creating intermediate objects (used to seed upserted documents). */
export function setPath(doc: Doc, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Doc = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    const next = cur[part];
    if (isPlainObject(next)) cur = next;
    else {
      const created: Doc = {};
      cur[part] = created;
      cur = created;
    }
  }
  cur[parts[parts.length - 1] as string] = value;
}

/**
 * Deep copy of the mutable structure (plain objects and arrays); BSON class instances and Dates are
 * shared because stored documents are never mutated in place.
 */
export function cloneDoc<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneDoc) as T;
  if (isPlainObject(v)) {
    const out: Doc = {};
    for (const k of Object.keys(v)) out[k] = cloneDoc(v[k]);
    return out as T;
  }
  if (v instanceof Date) return new Date(v.getTime()) as T;
  return v;
}

/** Flags `normalize` reports: a numeric wrapper was kept, a BlobRef is held. */
const WRAPPED = 1;
const BLOB = 2;

/**
 * Turns freshly decoded values (decoded without promotion so Int32 and Double stay distinct) into the
 * stored form: Int32 and non-integral Double become JS numbers (which re-encode as the same BSON type);
 * integral Doubles, Longs and Decimal128 keep their wrapper so they round-trip exactly. Mutates in place and
 * returns whether a numeric wrapper was kept anywhere.
 */
export function normalizeInPlace(v: unknown): boolean {
  return (normalize(v, undefined) & WRAPPED) !== 0;
}

/** `normalizeInPlace`, also moving large Binary values into `blobs` when given; returns flags. */
function normalize(v: unknown, blobs: BlobStore | undefined): number {
  let flags = 0;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++)
      flags |= normalizeSlot(v as unknown as Record<number, unknown>, i, blobs);
    return flags;
  }
  if (!isPlainObject(v)) return 0;
  for (const k in v) flags |= normalizeSlot(v, k, blobs);
  return flags;
}

/** Normalises one element or field in place; flags for what was kept there or below it. */
function normalizeSlot(
  container: Record<string | number, unknown>,
  key: string | number,
  blobs: BlobStore | undefined,
): number {
  const el = container[key];
  const t = bsonTypeOf(el);
  if (t === undefined) return el !== null && typeof el === 'object' ? normalize(el, blobs) : 0;
  if (t === 'Int32' || t === 'Double') {
    const n = (el as { value: number }).value;
    // An integral Double keeps its wrapper, or it would come back as an Int32.
    if (t === 'Double' && Number.isInteger(n)) return WRAPPED;
    container[key] = n;
    return 0;
  }
  if (t === 'Binary') {
    if (el instanceof BlobRef) return BLOB;
    if (blobs && (el as Binary).position >= BLOB_THRESHOLD) {
      container[key] = blobs.store(el as Binary);
      return BLOB;
    }
    return 0;
  }
  return t === 'Long' || t === 'Decimal128' ? WRAPPED : 0;
}

/** Copy with numeric wrappers replaced by JS numbers, so the query engine compares them as numbers. */
export function plainNumbers<T>(v: T): T {
  if (Array.isArray(v)) return v.map(plainNumbers) as T;
  if (isPlainObject(v)) {
    const out: Doc = {};
    for (const k of Object.keys(v)) out[k] = plainNumbers(v[k]);
    return out as T;
  }
  const t = bsonTypeOf(v);
  if (t === 'Int32' || t === 'Double' || t === 'Long' || t === 'Decimal128') return toNumber(v) as T;
  return v;
}

/** Renders a value the way MongoDB prints it in duplicate-key messages. */
export function renderValue(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return '[ ' + v.map(renderValue).join(', ') + ' ]';
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  switch (bsonTypeOf(v)) {
    case 'ObjectId':
      return `ObjectId('${(v as ObjectId).toHexString()}')`;
    case 'Int32':
    case 'Double':
    case 'Long':
    case 'Decimal128':
      return String(toNumber(v));
    case 'Binary':
      return `BinData(${(v as Binary).sub_type}, ${Buffer.from((v as Binary).buffer)
        .toString('hex')
        .toUpperCase()})`;
  }
  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) return '{}';
    return '{ ' + keys.map((k) => `${k}: ${renderValue(v[k])}`).join(', ') + ' }';
  }
  return String(v);
}

/** Documents that kept a numeric BSON wrapper need a number-only view for the query engine. */
const wrappedDocs = new WeakSet<object>();
const plainViews = new WeakMap<object, Doc>();
const originals = new WeakMap<object, Doc>();

/** The stored document behind a match view (for `$type`, which must see the real BSON types). */
export function originalOf(view: Doc): Doc {
  return originals.get(view) ?? view;
}

/**
 * Turns a freshly decoded document into its stored form (see `normalizeInPlace` and `matchView`); with
 * `blobs`, large Binary values move out of memory into it (see blobs.ts).
 */
export function finalize(doc: Doc, blobs?: BlobStore): Doc {
  const flags = normalize(doc, blobs);
  if (flags & WRAPPED) wrappedDocs.add(doc);
  if (flags & BLOB) markBlobs(doc);
  return doc;
}

/** The form of a stored document the query engine should see. */
export function matchView(doc: Doc): Doc {
  if (!wrappedDocs.has(doc)) return doc;
  let view = plainViews.get(doc);
  if (!view) {
    view = plainNumbers(doc);
    plainViews.set(doc, view);
    originals.set(view, doc);
  }
  return view;
}

/**
 * Reading documents: index-assisted candidate selection, filtering through mingo, MongoDB sort order and
 * projection.
 */
import { MongoCommandError } from './errors.js';
import { projectionOptions, Query, queryOptions, usesExpressions } from './mingo.js';
import type { Collection, Index, KeyRange } from './store.js';
import {
  cloneDoc,
  compareValues,
  isPlainObject,
  matchView,
  plainNumbers,
  toNumber,
  valueKey,
  valuesAtPath,
  type Doc,
} from './values.js';

/** A compiled filter: `test` sees documents with numeric wrappers unwrapped. */
export interface Matcher {
  readonly empty: boolean;
  test(doc: Doc): boolean;
}

export function compileFilter(filter: Doc | undefined): Matcher {
  if (!filter || Object.keys(filter).length === 0) return { empty: true, test: () => true };
  return equalityMatcher(filter) ?? cachedQuery(filter);
}

/** A value that matches only itself (or an array element equal to it) by plain equality. */
function isScalar(v: unknown): boolean {
  return v !== null && v !== undefined && isLiteral(v) && !isPlainObject(v);
}

/**
 * One term of an {@link EqualityMatcher}: a field equal to a scalar, or to one of a set of scalars; or,
 * `negated`, equal to none of them (`$ne`, `$nin`), which MongoDB defines as the negation of `$eq`/`$in`.
 */
type EqualityTerm = [parts: string[], value: unknown, negated: boolean];

/** The scalars of an `$in`, by {@link valueKey} (equal values, numbers of any type included, share a key). */
class InSet {
  constructor(readonly keys: Set<string>) {}
}

/**
 * The scalars `{ $in: [...] }` (or `{ $eq: v }`) lists, when it lists nothing else: no null (which
 * also matches a missing field), regular expression, array or document; likewise `$nin` and `$ne`,
 * `negated`.
 */
function inScalars(cond: unknown): { set: InSet; negated: boolean } | undefined {
  if (!isPlainObject(cond)) return undefined;
  const keys = Object.keys(cond);
  if (keys.length !== 1) return undefined;
  const operator = keys[0]!;
  const negated = operator === '$ne' || operator === '$nin';
  if (operator === '$eq' || operator === '$ne') {
    const value = cond[operator];
    return isScalar(value) ? { set: new InSet(new Set([valueKey(value)])), negated } : undefined;
  }
  const values = cond[operator];
  if ((operator !== '$in' && operator !== '$nin') || !Array.isArray(values) || !values.every(isScalar)) {
    return undefined;
  }
  return { set: new InSet(new Set(values.map(valueKey))), negated };
}

/**
 * The common cases `{ field: scalar, ... }` and `{ field: { $in: [scalars] }, ... }` (or their
 * negations, `$ne` and `$nin`: the message not seen yet, the status not reached yet) decided without
 * building a query: a field matches when it, or an element of it, equals the scalar (one of them, for
 * an `$in`, looked up by key rather than compared with each: an `$in` of a thousand ids stays cheap).
 * Everything else goes to mingo.
 */
function equalityMatcher(filter: Doc): Matcher | undefined {
  const terms: EqualityTerm[] = [];
  for (const field in filter) {
    const value = filter[field];
    if (field.startsWith('$')) return undefined;
    if (isScalar(value)) {
      terms.push([field.split('.'), value, false]);
      continue;
    }
    const scalars = inScalars(value);
    if (!scalars) return undefined;
    terms.push([field.split('.'), scalars.set, scalars.negated]);
  }
  return new EqualityMatcher(terms);
}

/** A class rather than closures: one is built per point lookup, and closures cost more to create. */
class EqualityMatcher implements Matcher {
  readonly empty = false;

  constructor(private readonly terms: EqualityTerm[]) {}

  test(doc: Doc): boolean {
    for (const [parts, value, negated] of this.terms) {
      let found = false;
      for (const leaf of valuesAtPath(doc, parts)) {
        if (
          value instanceof InSet ? EqualityMatcher.isIn(leaf, value) : EqualityMatcher.equals(leaf, value)
        ) {
          found = true;
          break;
        }
      }
      if (found === negated) return false;
    }
    return true;
  }

  private static equals(leaf: unknown, value: unknown): boolean {
    if (compareValues(leaf, value) === 0) return true;
    if (!Array.isArray(leaf)) return false;
    for (const el of leaf) if (compareValues(el, value) === 0) return true;
    return false;
  }

  private static isIn(leaf: unknown, set: InSet): boolean {
    if (!Array.isArray(leaf)) return leaf !== null && leaf !== undefined && set.keys.has(valueKey(leaf));
    for (const el of leaf) if (el !== null && el !== undefined && set.keys.has(valueKey(el))) return true;
    return false;
  }
}

const QUERY_CACHE_SIZE = 256;
const queryCache = new Map<string, Matcher>();

/** Compiled queries are reused for repeated identical filters (polling loops, job claims). */
function cachedQuery(filter: Doc): Matcher {
  const key = valueKey(filter);
  const hit = queryCache.get(key);
  if (hit) return hit;
  const plain = plainNumbers(filter);
  const expressions = usesExpressions(plain);
  const query = new Query(plain, queryOptions(plain, expressions));
  const matcher: Matcher = { empty: false, test: (doc) => query.test(matchView(doc)) };
  // An expression may read $$NOW, which a query fixes when first evaluated: never reuse those.
  if (expressions) return matcher;
  if (queryCache.size >= QUERY_CACHE_SIZE) queryCache.delete(queryCache.keys().next().value as string);
  queryCache.set(key, matcher);
  return matcher;
}

function isLiteral(v: unknown): boolean {
  return (
    !(v instanceof RegExp) &&
    !Array.isArray(v) &&
    !(isPlainObject(v) && Object.keys(v).some((k) => k[0] === '$'))
  );
}

/** Values a condition requires by equality (`v`, `{ $eq: v }`, `{ $in: [...] }`), if that is all it says. */
function equalityValues(cond: unknown): unknown[] | undefined {
  if (cond === undefined) return undefined;
  if (isLiteral(cond)) return Array.isArray(cond) ? undefined : [cond];
  if (!isPlainObject(cond)) return undefined;
  const keys = Object.keys(cond);
  if (keys.length !== 1) return undefined;
  if (keys[0] === '$eq' && isLiteral(cond.$eq)) return [cond.$eq];
  if (keys[0] === '$in' && Array.isArray(cond.$in) && cond.$in.every(isLiteral)) return cond.$in;
  return undefined;
}

/** Index ranges that together cover every value the condition can match, or undefined if none can. */
function rangesFor(cond: unknown): KeyRange[] | undefined {
  const eq = equalityValues(cond);
  if (eq) return eq.map((v) => ({ lower: { v, inclusive: true }, upper: { v, inclusive: true } }));
  if (!isPlainObject(cond)) return undefined;
  const range: KeyRange = {};
  for (const [op, v] of Object.entries(cond)) {
    if (op === '$eq' && isLiteral(v))
      return [{ lower: { v, inclusive: true }, upper: { v, inclusive: true } }];
    if (op === '$in' && Array.isArray(v) && v.every(isLiteral))
      return v.map((x) => ({ lower: { v: x, inclusive: true }, upper: { v: x, inclusive: true } }));
    if (!isLiteral(v)) continue;
    if (op === '$gt' || op === '$gte') range.lower = { v, inclusive: op === '$gte' };
    if (op === '$lt' || op === '$lte') range.upper = { v, inclusive: op === '$lte' };
  }
  return range.lower || range.upper ? [range] : undefined;
}

/**
 * Documents that may match `filter`: an `_id` lookup, the narrowest usable index, or every document.
 * Always a superset of the matches; callers still test each candidate.
 */
function candidates(coll: Collection, filter: Doc | undefined, plan?: QueryPlan): Iterable<Doc> {
  if (!filter) return coll.docs.values();
  const ids = equalityValues(filter._id);
  if (ids) {
    const out: Doc[] = [];
    const seen = new Set<string>();
    for (const id of ids) {
      const key = valueKey(id);
      const doc = coll.docs.get(key);
      if (doc && !seen.has(key)) {
        seen.add(key);
        out.push(doc);
      }
    }
    if (plan) plan.index = '_id_';
    return out;
  }
  let best: { index: Index; spans: Span[]; count: number } | undefined;
  for (const index of coll.allIndexes()) {
    if (!index.complete) continue;
    const cond = filter[index.fields[0] as string];
    if (cond === undefined) continue;
    const values = index.unique && index.fields.length === 1 ? equalityValues(cond) : undefined;
    if (values) {
      // A unique index answers equality from its key table directly: no ordered search needed.
      if (plan) plan.index = index.spec.name;
      return idsToDocs(coll, index.holdersOf(values));
    }
    const ranges = rangesFor(cond);
    if (!ranges) continue;
    const spans = ranges.map((r) => index.spanOf(r));
    const count = spans.reduce((n, span) => n + span.count, 0);
    if (!best || count < best.count) best = { index, spans, count };
  }
  if (!best) return coll.docs.values();
  const { index, spans } = best;
  if (plan) plan.index = index.spec.name;
  const runs = spans.map((span) => index.idsIn(span));
  return docsAt(coll, index, runs);
}

type Span = ReturnType<Index['spanOf']>;

function idsToDocs(coll: Collection, ids: Iterable<string>): Doc[] {
  const out: Doc[] = [];
  for (const id of ids) {
    const doc = coll.docs.get(id);
    if (doc) out.push(doc);
  }
  return out;
}

/**
 * The documents behind runs of ids read from an index, once each, lazily. An id repeats only across
 * runs or in a multikey index, so only then is a set of those seen kept.
 */
function* docsAt(coll: Collection, index: Index, runs: Iterable<string>[]): Generator<Doc> {
  const seen = runs.length > 1 || index.multikey ? new Set<string>() : undefined;
  for (const ids of runs) {
    for (const id of ids) {
      if (seen) {
        if (seen.has(id)) continue;
        seen.add(id);
      }
      const doc = coll.docs.get(id);
      if (doc) yield doc;
    }
  }
}

/** How a read was served, as `explain` reports it. */
export interface QueryPlan {
  /** The index that produced the candidates; undefined for a collection scan. */
  index?: string;
  docsExamined: number;
}

/** Sort spec entries as [path parts, direction]; `$meta` sorts are ignored. */
function sortFields(sort: Doc): Array<[string[], number]> {
  const out: Array<[string[], number]> = [];
  for (const [field, dir] of Object.entries(sort)) {
    if (isPlainObject(dir)) continue;
    out.push([field.split('.'), (toNumber(dir) ?? 1) < 0 ? -1 : 1]);
  }
  return out;
}

/** The value a document sorts by on one field: arrays sort by their smallest (asc) or largest (desc) element. */
function sortValue(doc: Doc, parts: string[], dir: number): unknown {
  const leaves = valuesAtPath(doc, parts);
  if (leaves.length === 0) return null;
  if (leaves.length === 1 && !Array.isArray(leaves[0])) return leaves[0];
  const flat: unknown[] = [];
  for (const leaf of leaves) {
    if (Array.isArray(leaf)) flat.push(...leaf);
    else flat.push(leaf);
  }
  if (flat.length === 0) return undefined;
  let pick = flat[0];
  for (const v of flat) if (compareValues(v, pick) * dir < 0) pick = v;
  return pick;
}

/** Sorts in place in MongoDB order; stable, so ties keep natural order. */
export function sortDocs(docs: Doc[], sort: Doc | undefined): Doc[] {
  if (!sort) return docs;
  const fields = sortFields(sort);
  if (fields.length === 0) return docs;
  const keyed = docs.map((doc) => ({ doc, keys: fields.map(([parts, dir]) => sortValue(doc, parts, dir)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < fields.length; i++) {
      const c = compareValues(a.keys[i], b.keys[i]);
      if (c !== 0) return c * (fields[i] as [string[], number])[1];
    }
    return 0;
  });
  for (let i = 0; i < keyed.length; i++) docs[i] = (keyed[i] as { doc: Doc }).doc;
  return docs;
}

/** Matching documents, sorted, with skip/limit applied (limit 0 = no limit). */
export function selectDocs(
  coll: Collection | undefined,
  filter: Doc | undefined,
  opts: { sort?: Doc; skip?: number; limit?: number; plan?: QueryPlan } = {},
): Doc[] {
  if (!coll) return [];
  const plan = opts.plan ?? { docsExamined: 0 };
  const matcher = compileFilter(filter);
  const skip = opts.skip ?? 0;
  const limit = opts.limit ?? 0;
  const hasSort = opts.sort !== undefined && Object.keys(opts.sort).length > 0;
  let source = candidates(coll, filter, plan);
  let presorted = false;
  if (hasSort && limit > 0 && plan.index === undefined) {
    // A scan would read everything anyway; walking a sort-field index lets a top-N stop early.
    const ordered = indexOrder(coll, opts.sort as Doc, plan);
    if (ordered) {
      source = ordered;
      presorted = true;
    }
  }
  const stopAt = (!hasSort || presorted) && limit > 0 ? skip + limit : Infinity;
  const out: Doc[] = [];
  for (const doc of source) {
    plan.docsExamined++;
    if (matcher.empty || matcher.test(doc)) {
      out.push(doc);
      if (out.length >= stopAt) break;
    }
  }
  if (hasSort && !presorted) sortDocs(out, opts.sort);
  if (skip === 0 && (limit === 0 || out.length <= limit)) return out;
  return out.slice(skip, limit > 0 ? skip + limit : undefined);
}

/**
 * Documents in the order of a single-field sort, read from an index on that field. The first time a
 * document appears is at its smallest (ascending) or largest (descending) key, which is MongoDB's array
 * sort rule too.
 */
function indexOrder(coll: Collection, sort: Doc, plan: QueryPlan): Iterable<Doc> | undefined {
  const fields = sortFields(sort);
  if (fields.length !== 1) return undefined;
  const [parts, dir] = fields[0] as [string[], number];
  const path = parts.join('.');
  for (const index of coll.allIndexes()) {
    if (!index.complete || index.fields[0] !== path) continue;
    plan.index = index.spec.name;
    return docsAt(coll, index, [index.ids(dir < 0)]);
  }
  return undefined;
}

/**
 * Applies a find-style projection (inclusion, exclusion, `$slice`, `$elemMatch`, and the positional `$`,
 * which needs the filter that selected the documents).
 */
export function project(docs: Doc[], projection: Doc | undefined, filter?: Doc): Doc[] {
  if (!projection || Object.keys(projection).length === 0) return docs;
  const fields = topLevelFields(projection);
  if (fields) return docs.map((doc) => pickFields(doc, fields));
  const positional = Object.keys(projection).some((k) => k.endsWith('.$'));
  const condition = positional && filter ? plainNumbers(filter) : {};
  const query = new Query(condition, projectionOptions(projection, condition));
  // mingo's projection edits nested objects of its input in place; stored documents must never change.
  const copies = docs.map((d) => cloneDoc(positional ? matchView(d) : d));
  return query.find(copies, plainNumbers(projection)).all() as Doc[];
}

/** A projection that only keeps or only drops top-level fields (the common case), with `_id` apart. */
interface TopLevelFields {
  /** True: keep the listed fields; false: keep all but them. */
  keep: boolean;
  names: Set<string>;
  id: boolean;
}

/** The projection as a `TopLevelFields`, or undefined when it needs the full projection language. */
function topLevelFields(projection: Doc): TopLevelFields | undefined {
  let keep: boolean | undefined;
  let id = true;
  const names = new Set<string>();
  for (const [name, value] of Object.entries(projection)) {
    const on = typeof value === 'boolean' ? value : typeof value === 'number' ? value !== 0 : undefined;
    if (on === undefined || name.includes('.') || name.startsWith('$')) return undefined;
    if (name === '_id') {
      id = on;
      continue;
    }
    if (keep !== undefined && keep !== on) {
      throw new MongoCommandError(
        'Location31254',
        `Cannot do ${on ? 'inclusion' : 'exclusion'} on field ${name} in ${keep ? 'inclusion' : 'exclusion'} projection`,
      );
    }
    keep = on;
    names.add(name);
  }
  // Only `_id` given: `{_id: 1}` keeps just the id, `{_id: 0}` drops just the id.
  return { keep: keep ?? id, names, id };
}

/** A new document with the chosen fields, in the stored order; values are shared, never changed. */
function pickFields(doc: Doc, fields: TopLevelFields): Doc {
  const out: Doc = {};
  for (const name of Object.keys(doc)) {
    if (name === '_id' ? fields.id : fields.names.has(name) === fields.keep) out[name] = doc[name];
  }
  return out;
}

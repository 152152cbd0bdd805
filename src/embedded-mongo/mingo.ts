/**
 * The query engine, configured once: every mingo operator, except that `$type` knows BSON's types
 * (ObjectId, Binary, Long, Decimal128, ...) rather than JavaScript's.
 */
import { Aggregator } from 'mingo/aggregator';
import { Context } from 'mingo/core';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import * as pipelineOperators from 'mingo/operators/pipeline';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import * as updateOperators from 'mingo/operators/update';
import * as windowOperators from 'mingo/operators/window';
import { Query } from 'mingo/query';
import type { AnyObject, Options } from 'mingo/types';
import { update, updateOne } from 'mingo/updater';
import { isEqual } from 'mingo/util';
import { bsonTypeOf, cloneDoc, originalOf, valuesAtPath } from './values.js';

const TYPE_ALIASES: Record<number, string> = {
  1: 'double',
  2: 'string',
  3: 'object',
  4: 'array',
  5: 'binData',
  6: 'undefined',
  7: 'objectId',
  8: 'bool',
  9: 'date',
  10: 'null',
  11: 'regex',
  13: 'javascript',
  16: 'int',
  17: 'timestamp',
  18: 'long',
  19: 'decimal',
  [-1]: 'minKey',
  127: 'maxKey',
};

/** MongoDB's type name of a stored value. */
export function bsonTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 ? 'int' : 'double';
    case 'bigint':
      return 'long';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
  }
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (v instanceof RegExp) return 'regex';
  switch (bsonTypeOf(v)) {
    case 'ObjectId':
      return 'objectId';
    case 'Binary':
      return 'binData';
    case 'Long':
      return 'long';
    case 'Double':
      return 'double';
    case 'Int32':
      return 'int';
    case 'Decimal128':
      return 'decimal';
    case 'Timestamp':
      return 'timestamp';
    case 'BSONRegExp':
      return 'regex';
    case 'Code':
      return 'javascript';
    case 'MinKey':
      return 'minKey';
    case 'MaxKey':
      return 'maxKey';
  }
  return 'object';
}

function typeMatches(v: unknown, wanted: string): boolean {
  const actual = bsonTypeName(v);
  if (wanted === 'number')
    return actual === 'int' || actual === 'double' || actual === 'long' || actual === 'decimal';
  return actual === wanted;
}

const $type = (selector: string, value: unknown) => {
  const wanted = (Array.isArray(value) ? value : [value]).map((t) =>
    typeof t === 'number' ? (TYPE_ALIASES[t] ?? String(t)) : String(t),
  );
  const parts = selector.split('.');
  return (obj: AnyObject): boolean => {
    for (const leaf of valuesAtPath(originalOf(obj), parts)) {
      if (wanted.some((t) => typeMatches(leaf, t))) return true;
      if (Array.isArray(leaf) && leaf.some((el) => wanted.some((t) => typeMatches(el, t)))) return true;
    }
    return false;
  };
};

const typeOps = { $type } as unknown as Parameters<Context['addQueryOps']>[0];

/**
 * mingo copies its operator tables into every query and update it builds, so plain filters, updates and
 * projections get small tables; only expressions (`$expr`, aggregation, pipeline updates) need them all.
 */
const queryContext = Context.init().addQueryOps(typeOps).addQueryOps(queryOperators);
const projectionContext = Context.init()
  .addQueryOps(typeOps)
  .addQueryOps(queryOperators)
  .addProjectionOps(projectionOperators);
const fullContext = Context.init()
  .addQueryOps(typeOps)
  .addQueryOps(queryOperators)
  .addExpressionOps(expressionOperators)
  .addAccumulatorOps(accumulatorOperators)
  .addPipelineOps(pipelineOperators)
  .addProjectionOps(projectionOperators)
  .addWindowOps(windowOperators);

const EXPRESSION_ENTRY = new Set(['$expr', '$where', '$function', '$accumulator']);

/** Whether a filter reaches into aggregation expressions anywhere. */
export function usesExpressions(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(usesExpressions);
  if (v === null || typeof v !== 'object' || v instanceof Date || v instanceof RegExp) return false;
  for (const [k, child] of Object.entries(v)) {
    if (EXPRESSION_ENTRY.has(k) || usesExpressions(child)) return true;
  }
  return false;
}

/** Options for aggregation pipelines and pipeline-style updates: every operator. */
export function engineOptions(extra: Partial<Options> = {}): Partial<Options> {
  return { ...extra, context: fullContext };
}

/**
 * Options for a query (filter, array filter, partial index filter or update condition); `expressions`
 * when the caller already knows whether the filter uses them.
 */
export function queryOptions(filter: unknown, expressions = usesExpressions(filter)): Partial<Options> {
  return { context: expressions ? fullContext : queryContext };
}

/** Options for a find-style projection; expression projections get every operator. */
export function projectionOptions(projection: object, filter: unknown): Partial<Options> {
  const simple = Object.values(projection).every(
    (v) =>
      v === null ||
      typeof v !== 'object' ||
      Object.keys(v).every((k) => k === '$slice' || k === '$elemMatch'),
  );
  return { context: simple && !usesExpressions(filter) ? projectionContext : fullContext };
}

type UpdateOperator = (expr: AnyObject) => (obj: AnyObject) => string[];
const UPDATE_OPERATORS = updateOperators as unknown as Record<string, UpdateOperator | undefined>;

/**
 * Applies update operators that need neither the query (positional `$`) nor array filters straight
 * through mingo's operator functions, skipping the per-call setup of its general `update` (which rebuilds
 * operator tables each time). Returns the modified paths, or undefined when the general path is required.
 */
export function applySimpleUpdate(doc: AnyObject, modifier: AnyObject): string[] | undefined {
  if ('$rename' in modifier) return undefined;
  const fns: Array<(obj: AnyObject) => string[]> = [];
  for (const [op, expr] of Object.entries(modifier)) {
    const fn = UPDATE_OPERATORS[op];
    if (!fn || expr === null || typeof expr !== 'object') return undefined;
    fns.push(op === '$set' && topLevelFields(expr) ? setFields(expr as AnyObject) : fn(expr as AnyObject));
  }
  return fns.flatMap((apply) => apply(doc));
}

/** Whether every path of an operator's fields names a top-level field other than `_id`. */
function topLevelFields(expr: object): boolean {
  for (const path of Object.keys(expr)) {
    if (path === '' || path === '_id' || path === '__proto__' || path.includes('.') || path.includes('$'))
      return false;
  }
  return true;
}

/**
 * `$set` of top-level fields, as mingo's own `$set` does it (a field equal to its new value is left
 * alone; a new value is stored as a copy), without building the path graph each call needs there.
 */
function setFields(fields: AnyObject): (obj: AnyObject) => string[] {
  return (obj) => {
    const modified: string[] = [];
    for (const [path, value] of Object.entries(fields)) {
      if (isEqual(obj[path], value)) continue;
      obj[path] = cloneDoc(value);
      modified.push(path);
    }
    return modified.sort();
  };
}

export { Aggregator, Query, update, updateOne };

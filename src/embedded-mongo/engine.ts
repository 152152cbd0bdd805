/**
 * Command execution. Every command runs synchronously against the in-memory store, so commands from all
 * connections are serialised by construction (a findAndModify claim can never be granted twice); the
 * effects a write command produced are handed to `persist` in the same tick, so the journal order is the
 * apply order, and the reply waits for that persist to resolve.
 */
import { Decimal128, Double, Long, ObjectId, calculateObjectSize, type Document } from 'bson';
import {
  Aggregator,
  applySimpleUpdate,
  bsonTypeName,
  engineOptions,
  queryOptions,
  update as mingoUpdate,
  updateOne as mingoUpdateOne,
} from './mingo.js';
import { hasBlobs, type BlobStore } from './blobs.js';
import { asCommandError, MongoCommandError } from './errors.js';
import { compileFilter, project, selectDocs, sortDocs, type QueryPlan } from './query.js';
import { Store, type Collection, type IndexSpec, type Op } from './store.js';
import { MAX_BSON_SIZE, MAX_MESSAGE_SIZE } from './wire.js';
import {
  bsonTypeOf,
  cloneDoc,
  getPath,
  isPlainObject,
  finalize,
  matchView,
  normalizeInPlace,
  plainNumbers,
  renderValue,
  setPath,
  toNumber,
  valueKey,
  valuesAtPath,
  type Doc,
} from './values.js';

/** One journal entry: the effects of one acknowledged write command. */
export interface JournalEntry {
  ops: Op[];
}

/** Where write effects go before a write is acknowledged (the journal), if anywhere. */
export type Persist = (entry: JournalEntry) => Promise<void>;

/** What the connection layer knows about the client, for hello/whatsmyuri. */
export interface ClientInfo {
  connectionId: number;
  remote: string;
}

/** Wire version of MongoDB 7.0; the driver in use accepts 9 through 29. */
const MAX_WIRE_VERSION = 21;
const DEFAULT_BATCH = 101;
/** Leaves room for the cursor envelope inside one 16 MB reply document. */
const BATCH_BYTES = MAX_BSON_SIZE - 64 * 1024;
/**
 * Batches of documents holding large values (GridFS chunks) stop earlier: their bytes are read from disk
 * for each reply, and a smaller reply keeps less of them, and of the encoder's buffer, in memory at once.
 */
const BLOB_BATCH_BYTES = 4 * 1024 * 1024;

const UPDATE_OPERATORS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$rename',
  '$currentDate',
  '$push',
  '$pull',
  '$pullAll',
  '$pop',
  '$addToSet',
  '$bit',
  '$setOnInsert',
]);

/** Aggregation stages that never modify the documents they are given. */
const READ_ONLY_STAGES = new Set(['$match', '$group', '$count', '$sort', '$limit', '$skip', '$sortByCount']);

interface OpenCursor {
  id: Long;
  ns: string;
  docs: Doc[];
  pos: number;
  projection: Doc | undefined;
  filter: Doc | undefined;
  lastUsed: number;
}

type Handler = (db: string, cmd: Doc, client: ClientInfo) => Document;

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0)
    throw new MongoCommandError('TypeMismatch', `${what} must be a non-empty string`);
  return v;
}

function optDoc(v: unknown, what: string): Doc | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw new MongoCommandError('TypeMismatch', `${what} must be an object`);
  return v;
}

function optNum(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = toNumber(v);
  if (n === undefined) throw new MongoCommandError('TypeMismatch', 'expected a number');
  return n;
}

function truthy(v: unknown): boolean {
  const n = toNumber(v);
  return n !== undefined ? n !== 0 : Boolean(v);
}

function collectionName(v: unknown): string {
  const name = str(v, 'collection name');
  if (name.includes('\0') || name.startsWith('.') || name.includes('$'))
    throw new MongoCommandError('InvalidNamespace', `Invalid collection name: ${name}`);
  return name;
}

/** Puts `_id` first, generating one when absent, as mongod does on insert. */
function withIdFirst(doc: Doc): Doc {
  const keys = Object.keys(doc);
  if (keys[0] === '_id') return doc;
  const out: Doc = { _id: doc._id === undefined ? new ObjectId() : doc._id };
  for (const k of keys) if (k !== '_id') out[k] = doc[k];
  return out;
}

function isOperatorUpdate(u: Doc): boolean {
  const first = Object.keys(u)[0];
  return first !== undefined && first.startsWith('$');
}

function usesPositional(u: Doc): boolean {
  for (const fields of Object.values(u)) {
    if (!isPlainObject(fields)) continue;
    for (const path of Object.keys(fields))
      if (path === '$' || path.includes('.$.') || path.endsWith('.$')) return true;
  }
  return false;
}

/** Equality fields of a filter, the seed of an upserted document. */
function upsertSeed(filter: Doc | undefined): Doc {
  const seed: Doc = {};
  const visit = (f: Doc): void => {
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) {
        for (const part of v) if (isPlainObject(part)) visit(part);
      } else if (k.startsWith('$')) {
        continue;
      } else if (isPlainObject(v) && Object.keys(v).some((x) => x.startsWith('$'))) {
        if ('$eq' in v) setPath(seed, k, cloneDoc(v.$eq));
      } else if (!(v instanceof RegExp)) {
        setPath(seed, k, cloneDoc(v));
      }
    }
  };
  if (filter) visit(filter);
  return seed;
}

/** Runs commands against the store. */
export class Engine {
  readonly store: Store;
  private readonly persist: Persist | undefined;
  /** Where large binary values of stored documents go; without one they stay in memory. */
  private readonly blobs: BlobStore | undefined;
  private readonly cursors = new Map<string, OpenCursor>();
  private nextCursor = 1n + BigInt(Math.floor(Math.random() * 1e9));
  private ops: Op[] = [];
  private failed: MongoCommandError | undefined;
  private readonly handlers: Record<string, Handler>;
  private readonly startedAt = Date.now();

  constructor(persist?: Persist, blobs?: BlobStore) {
    this.persist = persist;
    this.blobs = blobs;
    this.store = new Store(blobs);
    const h: Record<string, Handler> = {
      hello: (_db, cmd, client) => this.hello(client, cmd, false),
      ismaster: (_db, cmd, client) => this.hello(client, cmd, true),
      ping: () => ({ ok: 1 }),
      buildinfo: () => this.buildInfo(),
      getparameter: (_db, cmd) => this.getParameter(cmd),
      getcmdlineopts: () => ({ argv: ['embedded-mongo'], parsed: {}, ok: 1 }),
      getlog: () => ({ totalLinesWritten: 0, log: [], ok: 1 }),
      hostinfo: () => ({
        system: { hostname: '127.0.0.1', numCores: 1 },
        os: { type: process.platform },
        extra: {},
        ok: 1,
      }),
      whatsmyuri: (_db, _cmd, client) => ({ you: client.remote, ok: 1 }),
      connectionstatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
      serverstatus: () => this.serverStatus(),
      endsessions: () => ({ ok: 1 }),
      killsessions: () => ({ ok: 1 }),
      refreshsessions: () => ({ ok: 1 }),
      listdatabases: (_db, cmd) => this.listDatabases(cmd),
      listcollections: (db, cmd) => this.listCollections(db, cmd),
      create: (db, cmd) => this.create(db, cmd),
      drop: (db, cmd) => this.drop(db, cmd),
      dropdatabase: (db) => this.dropDatabase(db),
      renamecollection: (_db, cmd) => this.renameCollection(cmd),
      insert: (db, cmd) => this.insert(db, cmd),
      update: (db, cmd) => this.update(db, cmd),
      delete: (db, cmd) => this.delete(db, cmd),
      findandmodify: (db, cmd) => this.findAndModify(db, cmd),
      find: (db, cmd) => this.find(db, cmd),
      getmore: (_db, cmd) => this.getMore(cmd),
      killcursors: (_db, cmd) => this.killCursors(cmd),
      count: (db, cmd) => this.count(db, cmd),
      distinct: (db, cmd) => this.distinct(db, cmd),
      aggregate: (db, cmd) => this.aggregate(db, cmd),
      createindexes: (db, cmd) => this.createIndexes(db, cmd),
      listindexes: (db, cmd) => this.listIndexes(db, cmd),
      dropindexes: (db, cmd) => this.dropIndexes(db, cmd),
      deleteindexes: (db, cmd) => this.dropIndexes(db, cmd),
      collstats: (db, cmd) => this.collStats(db, cmd),
      dbstats: (db) => this.dbStats(db),
      explain: (db, cmd) => this.explain(db, cmd),
    };
    this.handlers = h;
  }

  /**
   * Executes one command document and returns the reply (errors become `ok: 0` documents). The reply is
   * returned directly unless it must wait for the journal, so in-memory commands cost no promise round trips.
   */
  run(cmd: Doc, client: ClientInfo): Document | Promise<Document> {
    let name: string | undefined;
    // The first key names the command; listing every key to read it would allocate for nothing.
    for (const key in cmd) {
      name = key;
      break;
    }
    if (name === undefined) return new MongoCommandError('FailedToParse', 'empty command').toDocument();
    const lower = name.toLowerCase();
    if (cmd.txnNumber !== undefined || lower === 'committransaction' || lower === 'aborttransaction') {
      // Like a standalone mongod: sessions yes, transactions and retryable-write numbers no.
      return new MongoCommandError(
        'IllegalOperation',
        'Transaction numbers are only allowed on a replica set member or mongos',
      ).toDocument();
    }
    const handler = this.handlers[lower];
    if (!handler) {
      return new MongoCommandError('CommandNotFound', `no such command: '${name}'`).toDocument();
    }
    const db = typeof cmd.$db === 'string' ? cmd.$db : 'admin';
    let reply: Document;
    this.ops = [];
    try {
      if (this.failed && this.isWrite(name)) throw this.failed;
      // Inserted documents are normalised one by one as they are stored; walking them twice is waste.
      // (Set aside by assignment: `delete` would turn the command into a slow dictionary object.)
      const documents = cmd.documents;
      if (Array.isArray(documents)) cmd.documents = undefined;
      normalizeInPlace(cmd);
      if (Array.isArray(documents)) cmd.documents = documents;
      reply = handler(db, cmd, client);
    } catch (err) {
      reply = asCommandError(err).toDocument();
    }
    const ops = this.ops;
    this.ops = [];
    if (ops.length > 0 && this.persist) return this.durably(this.persist, ops, reply);
    return reply;
  }

  /** The reply once the command's effects are in the journal. */
  private async durably(persist: Persist, ops: Op[], reply: Document): Promise<Document> {
    try {
      await persist({ ops });
    } catch (err) {
      // Memory now holds effects the disk does not: refuse further writes rather than diverge silently.
      const failure = new MongoCommandError(
        'InternalError',
        `write could not be made durable: ${err instanceof Error ? err.message : String(err)}`,
      );
      this.failed = failure;
      return failure.toDocument();
    }
    return reply;
  }

  private isWrite(name: string): boolean {
    return [
      'insert',
      'update',
      'delete',
      'findandmodify',
      'create',
      'drop',
      'dropdatabase',
      'createindexes',
      'dropindexes',
      'renamecollection',
    ].includes(name.toLowerCase());
  }

  /** Applies one effect now and queues it for the journal entry of the running command. */
  private record(op: Op): void {
    this.store.apply(op);
    this.ops.push(op);
  }

  private ensureCollection(ns: string): Collection {
    const existing = this.store.get(ns);
    if (existing) return existing;
    this.record({ op: 'createCollection', ns, options: {} });
    return this.store.get(ns) as Collection;
  }

  /** Deletes documents whose TTL index date has passed; returns how many. */
  async sweepTtl(now = Date.now()): Promise<number> {
    this.ops = [];
    for (const coll of this.store.collections.values()) {
      for (const index of coll.indexes.values()) {
        const ttl = index.spec.expireAfterSeconds;
        if (typeof ttl !== 'number' || index.fields.length !== 1) continue;
        const cutoff = now - ttl * 1000;
        // Only dates expire; the index hands over exactly those at or before the cutoff.
        const span = index.spanOf({ upper: { v: new Date(cutoff), inclusive: true } });
        const expired = new Set(index.idsIn(span));
        for (const id of expired) {
          const doc = coll.docs.get(id);
          if (doc) this.record({ op: 'del', ns: coll.ns, id: doc._id });
        }
      }
    }
    const ops = this.ops;
    this.ops = [];
    if (ops.length > 0 && this.persist) await this.persist({ ops });
    return ops.length;
  }

  // --- handshake and server info -------------------------------------------------------------------

  private hello(client: ClientInfo, cmd: Doc, legacy: boolean): Document {
    const reply: Document = {
      helloOk: true,
      isWritablePrimary: true,
      maxBsonObjectSize: MAX_BSON_SIZE,
      maxMessageSizeBytes: MAX_MESSAGE_SIZE,
      maxWriteBatchSize: 100000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: client.connectionId,
      minWireVersion: 0,
      maxWireVersion: MAX_WIRE_VERSION,
      readOnly: false,
      ok: 1,
    };
    if (legacy || cmd.helloOk !== undefined) reply.ismaster = true;
    return reply;
  }

  private buildInfo(): Document {
    return {
      version: '7.0.0',
      gitVersion: 'embedded',
      versionArray: [7, 0, 0, 0],
      bits: 64,
      debug: false,
      maxBsonObjectSize: MAX_BSON_SIZE,
      storageEngines: ['embedded'],
      modules: [],
      javascriptEngine: 'none',
      ok: 1,
    };
  }

  private getParameter(cmd: Doc): Document {
    const reply: Document = { ok: 1 };
    if (cmd.featureCompatibilityVersion !== undefined || cmd.getParameter === '*')
      reply.featureCompatibilityVersion = { version: '7.0' };
    return reply;
  }

  private serverStatus(): Document {
    return {
      host: '127.0.0.1',
      version: '7.0.0',
      process: 'mongod',
      pid: Long.fromNumber(process.pid),
      uptime: (Date.now() - this.startedAt) / 1000,
      localTime: new Date(),
      ok: 1,
    };
  }

  // --- databases and collections -------------------------------------------------------------------

  private listDatabases(cmd: Doc): Document {
    const databases = this.store.databases().map((name) => {
      const size = this.store.collectionsOf(name).reduce((s, c) => s + c.docs.size * 256, 0);
      return { name, sizeOnDisk: size, empty: size === 0 };
    });
    const filter = compileFilter(optDoc(cmd.filter, 'filter'));
    const matching = databases.filter((d) => filter.test(d));
    if (truthy(cmd.nameOnly)) return { databases: matching.map((d) => ({ name: d.name })), ok: 1 };
    return { databases: matching, totalSize: matching.reduce((s, d) => s + d.sizeOnDisk, 0), ok: 1 };
  }

  private listCollections(db: string, cmd: Doc): Document {
    const infos: Doc[] = this.store.collectionsOf(db).map((c) => ({
      name: c.name,
      type: 'collection',
      options: c.options,
      info: { readOnly: false },
      idIndex: c.idIndex.spec,
    }));
    const filter = compileFilter(optDoc(cmd.filter, 'filter'));
    let docs = infos.filter((d) => filter.test(d));
    if (truthy(cmd.nameOnly)) docs = docs.map((d) => ({ name: d.name, type: d.type }));
    return this.openCursor(
      `${db}.$cmd.listCollections`,
      docs,
      optDoc(cmd.cursor, 'cursor')?.batchSize,
      undefined,
      0,
    );
  }

  private create(db: string, cmd: Doc): Document {
    const ns = `${db}.${collectionName(cmd.create)}`;
    if (this.store.get(ns))
      throw new MongoCommandError('NamespaceExists', `Collection ${ns} already exists.`);
    const options: Doc = {};
    for (const [k, v] of Object.entries(cmd)) {
      if (k !== 'create' && !k.startsWith('$') && k !== 'lsid' && k !== 'writeConcern') options[k] = v;
    }
    this.record({ op: 'createCollection', ns, options });
    return { ok: 1 };
  }

  private drop(db: string, cmd: Doc): Document {
    const ns = `${db}.${collectionName(cmd.drop)}`;
    const coll = this.store.get(ns);
    if (!coll) return { ok: 1 };
    const nIndexesWas = coll.indexes.size + 1;
    this.record({ op: 'dropCollection', ns });
    return { ns, nIndexesWas, ok: 1 };
  }

  private dropDatabase(db: string): Document {
    if (this.store.collectionsOf(db).length > 0) this.record({ op: 'dropDatabase', db });
    return { dropped: db, ok: 1 };
  }

  /** `{ renameCollection: 'db.from', to: 'db.to', dropTarget }`, applied as one journal entry. */
  private renameCollection(cmd: Doc): Document {
    const from = str(cmd.renameCollection, 'renameCollection');
    const to = str(cmd.to, 'to');
    for (const ns of [from, to]) {
      const dot = ns.indexOf('.');
      if (dot <= 0) throw new MongoCommandError('InvalidNamespace', `Invalid namespace specified '${ns}'`);
      collectionName(ns.slice(dot + 1));
    }
    const source = this.store.get(from);
    if (!source) throw new MongoCommandError('NamespaceNotFound', 'Source collection does not exist');
    if (from === to) throw new MongoCommandError('IllegalOperation', "Can't rename a collection to itself");
    if (this.store.get(to)) {
      if (!truthy(cmd.dropTarget)) throw new MongoCommandError('NamespaceExists', 'target namespace exists');
      this.record({ op: 'dropCollection', ns: to });
    }
    this.record({ op: 'createCollection', ns: to, options: source.options });
    for (const index of source.indexes.values()) this.record({ op: 'createIndex', ns: to, spec: index.spec });
    for (const doc of source.docs.values()) this.record({ op: 'put', ns: to, doc });
    this.record({ op: 'dropCollection', ns: from });
    return { ok: 1 };
  }

  // --- writes ----------------------------------------------------------------------------------------

  private writeError(index: number, err: unknown): Document {
    const e = asCommandError(err);
    return { index, code: e.code, errmsg: e.message, ...e.extra };
  }

  /** Refuses a document whose `_id` or unique keys collide with another document. */
  private checkInsert(coll: Collection, doc: Doc): void {
    if (coll.docs.has(valueKey(doc._id))) throw coll.idIndex.duplicateError([doc._id], coll.ns);
    coll.checkUnique(doc);
  }

  private insert(db: string, cmd: Doc): Document {
    const ns = `${db}.${collectionName(cmd.insert)}`;
    const docs = cmd.documents;
    if (!Array.isArray(docs)) throw new MongoCommandError('TypeMismatch', 'documents must be an array');
    const ordered = cmd.ordered !== false;
    const writeErrors: Document[] = [];
    let n = 0;
    for (let i = 0; i < docs.length; i++) {
      try {
        const raw: unknown = docs[i];
        if (!isPlainObject(raw))
          throw new MongoCommandError('TypeMismatch', 'document to insert must be an object');
        if (Array.isArray(raw._id)) throw new MongoCommandError('BadValue', "can't use an array for _id");
        const doc = finalize(withIdFirst(raw), this.blobs);
        const coll = this.ensureCollection(ns);
        this.checkInsert(coll, doc);
        this.record({ op: 'put', ns, doc });
        n++;
      } catch (err) {
        writeErrors.push(this.writeError(i, err));
        if (ordered) break;
      }
    }
    return writeErrors.length > 0 ? { n, writeErrors, ok: 1 } : { n, ok: 1 };
  }

  /**
   * The document `u` turns `old` into, and whether anything changed (undefined when only a comparison
   * can tell); throws MongoDB's errors for invalid updates.
   */
  private applyUpdate(
    old: Doc,
    u: unknown,
    filter: Doc | undefined,
    arrayFilters: unknown,
    inserting: boolean,
  ): { doc: Doc; changed: boolean | undefined } {
    let result: Doc;
    let changed: boolean | undefined;
    if (Array.isArray(u)) {
      const docs = [cloneDoc(old)];
      mingoUpdateOne(docs, {}, plainNumbers(u) as Parameters<typeof mingoUpdateOne>[2], {}, engineOptions());
      result = docs[0] as Doc;
    } else if (isPlainObject(u) && isOperatorUpdate(u)) {
      const modifier: Doc = {};
      for (const [op, fields] of Object.entries(u)) {
        if (!UPDATE_OPERATORS.has(op)) {
          throw new MongoCommandError(
            'FailedToParse',
            `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
          );
        }
        if (!isPlainObject(fields))
          throw new MongoCommandError(
            'FailedToParse',
            `Modifiers operate on fields but we found another type instead`,
          );
        if (op === '$setOnInsert') {
          if (inserting)
            modifier.$set = { ...(isPlainObject(modifier.$set) ? modifier.$set : {}), ...fields };
        } else if (op === '$set' && isPlainObject(modifier.$set)) {
          modifier.$set = { ...fields, ...modifier.$set };
        } else {
          modifier[op] = { ...fields };
        }
      }
      result = cloneDoc(old);
      resolveArithmetic(result, modifier);
      changed = false;
      if (Object.keys(modifier).length > 0) {
        const filters = Array.isArray(arrayFilters) ? (plainNumbers(arrayFilters) as Doc[]) : undefined;
        const condition = usesPositional(modifier) && filter ? plainNumbers(filter) : undefined;
        try {
          const modified = !filters && !condition ? applySimpleUpdate(result, modifier) : undefined;
          if (modified) {
            changed = modified.length > 0;
          } else {
            changed = undefined;
            mingoUpdate(result, modifier, filters, condition, {
              cloneMode: 'copy',
              queryOptions: queryOptions([filters, condition]),
            });
          }
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          throw new MongoCommandError(
            message.includes('immutable field') ? 'ImmutableField' : 'BadValue',
            message,
          );
        }
      }
    } else if (isPlainObject(u)) {
      result = { _id: old._id };
      for (const [k, v] of Object.entries(u)) {
        if (k.startsWith('$'))
          throw new MongoCommandError('BadValue', `The dollar ($) prefixed field '${k}' is not allowed`);
        if (k !== '_id') result[k] = cloneDoc(v);
      }
      if (u._id !== undefined) result._id = u._id;
      if (result._id === undefined) delete result._id;
    } else {
      throw new MongoCommandError('FailedToParse', 'update must be an object or a pipeline');
    }
    if (old._id !== undefined && valueKey(result._id) !== valueKey(old._id)) {
      throw new MongoCommandError(
        'ImmutableField',
        "Performing an update on the path '_id' would modify the immutable field '_id'",
      );
    }
    return { doc: finalize(withIdFirst(result), this.blobs), changed };
  }

  /** Inserts the document an upsert creates; returns it. */
  private upsert(ns: string, filter: Doc | undefined, u: unknown, arrayFilters: unknown): Doc {
    const seed = upsertSeed(filter);
    let doc: Doc;
    if (isPlainObject(u) && !isOperatorUpdate(u) && !Array.isArray(u)) {
      doc = { ...cloneDoc(u) };
      if (doc._id === undefined && seed._id !== undefined) doc._id = seed._id;
      doc = finalize(withIdFirst(doc), this.blobs);
    } else {
      doc = this.applyUpdate(seed, u, filter, arrayFilters, true).doc;
    }
    const coll = this.ensureCollection(ns);
    this.checkInsert(coll, doc);
    this.record({ op: 'put', ns, doc });
    return doc;
  }

  private update(db: string, cmd: Doc): Document {
    const ns = `${db}.${collectionName(cmd.update)}`;
    const updates = cmd.updates;
    if (!Array.isArray(updates)) throw new MongoCommandError('TypeMismatch', 'updates must be an array');
    const ordered = cmd.ordered !== false;
    const writeErrors: Document[] = [];
    const upserted: Document[] = [];
    let n = 0;
    let nModified = 0;
    for (let i = 0; i < updates.length; i++) {
      try {
        const spec: unknown = updates[i];
        if (!isPlainObject(spec))
          throw new MongoCommandError('TypeMismatch', 'update statement must be an object');
        const filter = optDoc(spec.q, 'q');
        const multi = truthy(spec.multi);
        const u = spec.u;
        if (multi && isPlainObject(u) && !isOperatorUpdate(u) && Object.keys(u).length > 0) {
          throw new MongoCommandError(
            'FailedToParse',
            'multi update is not supported for replacement-style update',
          );
        }
        const coll = this.store.get(ns);
        const matches = selectDocs(coll, filter, { limit: multi ? 0 : 1, sort: optDoc(spec.sort, 'sort') });
        for (const old of matches) {
          const { doc: next, changed } = this.applyUpdate(old, u, filter, spec.arrayFilters, false);
          n++;
          if (changed === false || (changed === undefined && sameDocument(next, old))) continue;
          (coll as Collection).checkUnique(next);
          this.record({ op: 'put', ns, doc: next });
          nModified++;
        }
        if (matches.length === 0 && truthy(spec.upsert)) {
          const doc = this.upsert(ns, filter, u, spec.arrayFilters);
          upserted.push({ index: i, _id: doc._id });
          n++;
        }
      } catch (err) {
        writeErrors.push(this.writeError(i, err));
        if (ordered) break;
      }
    }
    const reply: Document = { n, nModified };
    if (upserted.length > 0) reply.upserted = upserted;
    if (writeErrors.length > 0) reply.writeErrors = writeErrors;
    reply.ok = 1;
    return reply;
  }

  private delete(db: string, cmd: Doc): Document {
    const ns = `${db}.${collectionName(cmd.delete)}`;
    const deletes = cmd.deletes;
    if (!Array.isArray(deletes)) throw new MongoCommandError('TypeMismatch', 'deletes must be an array');
    const ordered = cmd.ordered !== false;
    const writeErrors: Document[] = [];
    let n = 0;
    for (let i = 0; i < deletes.length; i++) {
      try {
        const spec: unknown = deletes[i];
        if (!isPlainObject(spec))
          throw new MongoCommandError('TypeMismatch', 'delete statement must be an object');
        const limit = optNum(spec.limit) ?? 0;
        const matches = selectDocs(this.store.get(ns), optDoc(spec.q, 'q'), { limit: limit === 1 ? 1 : 0 });
        for (const doc of matches) this.record({ op: 'del', ns, id: doc._id });
        n += matches.length;
      } catch (err) {
        writeErrors.push(this.writeError(i, err));
        if (ordered) break;
      }
    }
    return writeErrors.length > 0 ? { n, writeErrors, ok: 1 } : { n, ok: 1 };
  }

  private findAndModify(db: string, cmd: Doc): Document {
    const ns = `${db}.${collectionName(cmd.findAndModify ?? cmd.findandmodify)}`;
    const filter = optDoc(cmd.query, 'query');
    const fields = optDoc(cmd.fields, 'fields');
    const remove = truthy(cmd.remove);
    const returnNew = truthy(cmd.new);
    if (remove && cmd.update !== undefined)
      throw new MongoCommandError('FailedToParse', 'Cannot specify both an update and remove=true');
    if (!remove && cmd.update === undefined)
      throw new MongoCommandError('FailedToParse', 'Either an update or remove=true must be specified');
    const coll = this.store.get(ns);
    const [old] = selectDocs(coll, filter, { sort: optDoc(cmd.sort, 'sort'), limit: 1 });
    const shown = (doc: Doc | undefined): Doc | null =>
      doc ? (project([doc], fields, filter)[0] ?? null) : null;
    if (remove) {
      if (!old) return { lastErrorObject: { n: 0 }, value: null, ok: 1 };
      this.record({ op: 'del', ns, id: old._id });
      return { lastErrorObject: { n: 1 }, value: shown(old), ok: 1 };
    }
    if (old) {
      const { doc: next } = this.applyUpdate(old, cmd.update, filter, cmd.arrayFilters, false);
      (coll as Collection).checkUnique(next);
      this.record({ op: 'put', ns, doc: next });
      return {
        lastErrorObject: { n: 1, updatedExisting: true },
        value: shown(returnNew ? next : old),
        ok: 1,
      };
    }
    if (truthy(cmd.upsert)) {
      const doc = this.upsert(ns, filter, cmd.update, cmd.arrayFilters);
      return {
        lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id },
        value: returnNew ? shown(doc) : null,
        ok: 1,
      };
    }
    return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
  }

  // --- reads -----------------------------------------------------------------------------------------

  private find(db: string, cmd: Doc): Document {
    const ns = `${db}.${collectionName(cmd.find)}`;
    const limit = optNum(cmd.limit) ?? 0;
    const filter = optDoc(cmd.filter, 'filter');
    const docs = selectDocs(this.store.get(ns), filter, {
      sort: optDoc(cmd.sort, 'sort'),
      skip: optNum(cmd.skip) ?? 0,
      limit: Math.abs(limit),
    });
    const single = truthy(cmd.singleBatch) || limit < 0;
    const batchSize = single ? Math.abs(limit) || docs.length : optNum(cmd.batchSize);
    return this.openCursor(
      ns,
      docs,
      batchSize,
      optDoc(cmd.projection, 'projection'),
      single ? -1 : 0,
      filter,
    );
  }

  /** Explains a find (or count/distinct filter): which index served it and how many documents it read. */
  private explain(db: string, cmd: Doc): Document {
    const inner = optDoc(cmd.explain, 'explain');
    if (!inner) throw new MongoCommandError('FailedToParse', 'explain requires a command');
    const kind = Object.keys(inner)[0];
    const filter = optDoc(kind === 'find' ? inner.filter : inner.query, 'filter');
    if (kind !== 'find' && kind !== 'count' && kind !== 'distinct')
      throw new MongoCommandError('IllegalOperation', `explain is not supported for ${String(kind)}`);
    const ns = `${db}.${collectionName(inner[kind])}`;
    const plan: QueryPlan = { docsExamined: 0 };
    const limit = Math.abs(optNum(inner.limit) ?? 0);
    const docs = selectDocs(this.store.get(ns), filter, { sort: optDoc(inner.sort, 'sort'), limit, plan });
    const scan = plan.index
      ? { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: plan.index } }
      : { stage: 'COLLSCAN' };
    return {
      queryPlanner: { namespace: ns, parsedQuery: filter ?? {}, winningPlan: scan, rejectedPlans: [] },
      executionStats: {
        executionSuccess: true,
        nReturned: docs.length,
        totalDocsExamined: plan.docsExamined,
        totalKeysExamined: plan.index ? plan.docsExamined : 0,
      },
      ok: 1,
    };
  }

  /** Replies with the first batch and keeps the rest for getMore (unless it all fits). */
  private openCursor(
    ns: string,
    docs: Doc[],
    batchSizeRaw: unknown,
    projection: Doc | undefined,
    mode: number,
    filter?: Doc,
  ): Document {
    const batchSize = optNum(batchSizeRaw) ?? DEFAULT_BATCH;
    const cursor: OpenCursor = { id: Long.ZERO, ns, docs, pos: 0, projection, filter, lastUsed: Date.now() };
    // batchSize 0 asks for an open cursor and an empty first batch.
    const firstBatch = batchSize === 0 ? [] : this.nextBatch(cursor, batchSize);
    if (cursor.pos < docs.length && mode === 0) {
      cursor.id = Long.fromBigInt(this.nextCursor++);
      this.cursors.set(cursor.id.toString(), cursor);
    }
    return { cursor: { firstBatch, id: cursor.id, ns }, ok: 1 };
  }

  private nextBatch(cursor: OpenCursor, batchSize: number): Doc[] {
    const end = batchSize > 0 ? Math.min(cursor.docs.length, cursor.pos + batchSize) : cursor.docs.length;
    const raw: Doc[] = [];
    let bytes = 0;
    while (cursor.pos < end) {
      const doc = cursor.docs[cursor.pos] as Doc;
      const size = raw.length > 0 || end - cursor.pos > 1 ? calculateObjectSize(doc) : 0;
      if (
        raw.length > 0 &&
        (bytes + size > BATCH_BYTES || (bytes + size > BLOB_BATCH_BYTES && hasBlobs(doc)))
      )
        break;
      bytes += size;
      raw.push(doc);
      cursor.pos++;
    }
    return project(raw, cursor.projection, cursor.filter);
  }

  private getMore(cmd: Doc): Document {
    const key = cursorKey(cmd.getMore);
    const cursor = this.cursors.get(key);
    if (!cursor) throw new MongoCommandError('CursorNotFound', `cursor id ${key} not found`);
    cursor.lastUsed = Date.now();
    const nextBatch = this.nextBatch(cursor, optNum(cmd.batchSize) ?? 0);
    let idOut = cursor.id;
    if (cursor.pos >= cursor.docs.length) {
      this.cursors.delete(key);
      idOut = Long.ZERO;
    }
    return { cursor: { nextBatch, id: idOut, ns: cursor.ns }, ok: 1 };
  }

  private killCursors(cmd: Doc): Document {
    const ids = Array.isArray(cmd.cursors) ? cmd.cursors : [];
    const killed: unknown[] = [];
    const notFound: unknown[] = [];
    for (const id of ids) {
      if (this.cursors.delete(cursorKey(id))) killed.push(id);
      else notFound.push(id);
    }
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
  }

  private count(db: string, cmd: Doc): Document {
    const ns = `${db}.${collectionName(cmd.count)}`;
    const filter = optDoc(cmd.query, 'query');
    const skip = optNum(cmd.skip) ?? 0;
    const limit = Math.abs(optNum(cmd.limit) ?? 0);
    const coll = this.store.get(ns);
    let n: number;
    if (!coll) n = 0;
    else if (!filter || Object.keys(filter).length === 0) n = coll.docs.size;
    else n = selectDocs(coll, filter).length;
    n = Math.max(0, n - skip);
    if (limit > 0) n = Math.min(n, limit);
    return { n, ok: 1 };
  }

  private distinct(db: string, cmd: Doc): Document {
    const ns = `${db}.${collectionName(cmd.distinct)}`;
    const key = str(cmd.key, 'key');
    const parts = key.split('.');
    const seen = new Map<string, unknown>();
    for (const doc of selectDocs(this.store.get(ns), optDoc(cmd.query, 'query'))) {
      for (const leaf of valuesAtPath(doc, parts)) {
        for (const v of Array.isArray(leaf) ? leaf : [leaf]) {
          const k = valueKey(v);
          if (!seen.has(k)) seen.set(k, v);
        }
      }
    }
    return { values: sortDocsValues([...seen.values()]), ok: 1 };
  }

  private aggregate(db: string, cmd: Doc): Document {
    const pipeline = cmd.pipeline;
    if (!Array.isArray(pipeline)) throw new MongoCommandError('TypeMismatch', 'pipeline must be an array');
    if (cmd.explain !== undefined)
      throw new MongoCommandError('IllegalOperation', 'explain is not supported');
    const stages = pipeline.filter(isPlainObject);
    let outTarget: string | undefined;
    const last = stages[stages.length - 1];
    if (last && '$out' in last) {
      const target = last.$out;
      outTarget =
        typeof target === 'string' ? target : isPlainObject(target) ? String(target.coll) : undefined;
      stages.pop();
    }
    if (stages.some((s) => '$merge' in s))
      throw new MongoCommandError('IllegalOperation', '$merge is not supported');
    const collName = typeof cmd.aggregate === 'string' ? collectionName(cmd.aggregate) : undefined;
    const coll = collName ? this.store.get(`${db}.${collName}`) : undefined;
    let source: Doc[] = [];
    const first = stages[0];
    if (coll && first && '$match' in first && isPlainObject(first.$match)) {
      source = selectDocs(coll, first.$match);
      stages.shift();
    } else if (coll) {
      source = [...coll.docs.values()];
    }
    const resolver = (name: string): Doc[] => {
      const other = this.store.get(`${db}.${name}`);
      return other ? [...other.docs.values()].map((d) => cloneDoc(matchView(d))) : [];
    };
    // mingo may write into nested objects of its input (e.g. `$set` on a dotted path); stored documents
    // must never change, so they are copied unless every stage only reads.
    const readOnly = stages.every((stage) => Object.keys(stage).every((op) => READ_ONLY_STAGES.has(op)));
    const input = source.map((d) => (readOnly ? matchView(d) : cloneDoc(matchView(d))));
    const results =
      stages.length === 0
        ? input
        : new Aggregator(plainNumbers(stages), engineOptions({ collectionResolver: resolver })).run<Doc>(
            input,
          );
    if (outTarget) {
      this.replaceContents(`${db}.${collectionName(outTarget)}`, results);
      return {
        cursor: { firstBatch: [], id: Long.ZERO, ns: `${db}.${collName ?? '$cmd.aggregate'}` },
        ok: 1,
      };
    }
    return this.openCursor(
      `${db}.${collName ?? '$cmd.aggregate'}`,
      results,
      optDoc(cmd.cursor, 'cursor')?.batchSize,
      undefined,
      0,
    );
  }

  private replaceContents(ns: string, docs: Doc[]): void {
    const coll = this.ensureCollection(ns);
    for (const doc of [...coll.docs.values()]) this.record({ op: 'del', ns, id: doc._id });
    for (const raw of docs) {
      const doc = finalize(withIdFirst(raw), this.blobs);
      this.checkInsert(coll, doc);
      this.record({ op: 'put', ns, doc });
    }
  }

  // --- indexes ---------------------------------------------------------------------------------------

  private createIndexes(db: string, cmd: Doc): Document {
    const ns = `${db}.${collectionName(cmd.createIndexes)}`;
    const specs = cmd.indexes;
    if (!Array.isArray(specs)) throw new MongoCommandError('TypeMismatch', 'indexes must be an array');
    const created = !this.store.get(ns);
    const coll = this.ensureCollection(ns);
    const before = coll.indexes.size + 1;
    for (const raw of specs) {
      if (!isPlainObject(raw) || !isPlainObject(raw.key) || Object.keys(raw.key).length === 0)
        throw new MongoCommandError('CannotCreateIndex', 'index specification must have a non-empty key');
      const key = raw.key;
      const name =
        typeof raw.name === 'string'
          ? raw.name
          : Object.entries(key)
              .map(([k, v]) => `${k}_${String(toNumber(v) ?? v)}`)
              .join('_');
      if (valueKey(key) === valueKey({ _id: 1 }) && name === '_id_') continue;
      const spec: IndexSpec = { v: 2, key, name };
      for (const [k, v] of Object.entries(raw)) {
        if (k === 'key' || k === 'name' || k === 'v' || k === 'ns' || k === 'background') continue;
        spec[k] = v;
      }
      if (spec.unique !== undefined) spec.unique = truthy(spec.unique);
      if (spec.sparse !== undefined) spec.sparse = truthy(spec.sparse);
      if (spec.expireAfterSeconds !== undefined) spec.expireAfterSeconds = toNumber(spec.expireAfterSeconds);
      const sameName = coll.indexes.get(name);
      if (sameName) {
        if (valueKey(sameName.spec.key) !== valueKey(key))
          throw new MongoCommandError(
            'IndexKeySpecsConflict',
            `An existing index has the same name as the requested index. Requested index: ${JSON.stringify(spec)}`,
          );
        if (valueKey(sameName.spec) !== valueKey(spec))
          throw new MongoCommandError(
            'IndexOptionsConflict',
            `An equivalent index already exists with the same name but different options. Requested index: ${JSON.stringify(spec)}`,
          );
        continue;
      }
      const sameKey = [...coll.indexes.values()].find(
        (i) =>
          valueKey(i.spec.key) === valueKey(key) &&
          valueKey(i.spec.partialFilterExpression) === valueKey(spec.partialFilterExpression),
      );
      if (sameKey)
        throw new MongoCommandError(
          'IndexOptionsConflict',
          `Index already exists with a different name: ${sameKey.spec.name}`,
        );
      this.record({ op: 'createIndex', ns, spec });
    }
    const after = coll.indexes.size + 1;
    const reply: Document = {
      numIndexesBefore: before,
      numIndexesAfter: after,
      createdCollectionAutomatically: created,
    };
    if (before === after) reply.note = 'all indexes already exist';
    reply.ok = 1;
    return reply;
  }

  private listIndexes(db: string, cmd: Doc): Document {
    const ns = `${db}.${collectionName(cmd.listIndexes)}`;
    const coll = this.store.get(ns);
    if (!coll) throw new MongoCommandError('NamespaceNotFound', `ns does not exist: ${ns}`);
    return this.openCursor(
      `${db}.$cmd.listIndexes.${coll.name}`,
      coll.indexSpecs() as Doc[],
      optDoc(cmd.cursor, 'cursor')?.batchSize,
      undefined,
      0,
    );
  }

  private dropIndexes(db: string, cmd: Doc): Document {
    const ns = `${db}.${collectionName(cmd.dropIndexes ?? cmd.deleteIndexes)}`;
    const coll = this.store.get(ns);
    if (!coll) throw new MongoCommandError('NamespaceNotFound', `ns not found ${ns}`);
    const nIndexesWas = coll.indexes.size + 1;
    const which = cmd.index;
    let names: string[];
    if (which === '*') names = [...coll.indexes.keys()];
    else if (typeof which === 'string') names = [which];
    else if (Array.isArray(which)) names = which.map((w) => String(w));
    else if (isPlainObject(which)) {
      const found = [...coll.indexes.values()].find((i) => valueKey(i.spec.key) === valueKey(which));
      if (!found)
        throw new MongoCommandError('IndexNotFound', `can't find index with key: ${JSON.stringify(which)}`);
      names = [found.spec.name];
    } else throw new MongoCommandError('TypeMismatch', 'index must be a string, array or object');
    for (const name of names) {
      if (name === '_id_') throw new MongoCommandError('InvalidOptions', 'cannot drop _id index');
      if (!coll.indexes.has(name))
        throw new MongoCommandError('IndexNotFound', `index not found with name [${name}]`);
    }
    for (const name of names) this.record({ op: 'dropIndex', ns, name });
    return { nIndexesWas, ok: 1 };
  }

  // --- statistics ------------------------------------------------------------------------------------

  private collStats(db: string, cmd: Doc): Document {
    const ns = `${db}.${collectionName(cmd.collStats)}`;
    const coll = this.store.get(ns);
    if (!coll) throw new MongoCommandError('NamespaceNotFound', `Collection [${ns}] not found.`);
    let size = 0;
    for (const doc of coll.docs.values()) size += calculateObjectSize(doc);
    const indexSizes: Doc = { _id_: coll.docs.size * 32 };
    for (const index of coll.indexes.values()) indexSizes[index.spec.name] = index.approximateSize();
    const totalIndexSize = Object.values(indexSizes).reduce<number>((s, v) => s + Number(v), 0);
    return {
      ns,
      count: coll.docs.size,
      size,
      avgObjSize: coll.docs.size > 0 ? Math.round(size / coll.docs.size) : 0,
      storageSize: size,
      nindexes: coll.indexes.size + 1,
      totalIndexSize,
      indexSizes,
      ok: 1,
    };
  }

  private dbStats(db: string): Document {
    const colls = this.store.collectionsOf(db);
    let objects = 0;
    let dataSize = 0;
    let indexes = 0;
    for (const coll of colls) {
      objects += coll.docs.size;
      indexes += coll.indexes.size + 1;
      for (const doc of coll.docs.values()) dataSize += calculateObjectSize(doc);
    }
    return {
      db,
      collections: colls.length,
      views: 0,
      objects,
      avgObjSize: objects > 0 ? dataSize / objects : 0,
      dataSize,
      storageSize: dataSize,
      indexes,
      indexSize: objects * 32 * indexes,
      ok: 1,
    };
  }

  /** Forgets cursors idle for longer than `idleMs` (clients that never exhausted or killed them). */
  expireCursors(idleMs: number): void {
    const now = Date.now();
    for (const [key, cursor] of this.cursors) if (now - cursor.lastUsed > idleMs) this.cursors.delete(key);
  }

  /** Drops all cursors (server shutdown). */
  closeCursors(): void {
    this.cursors.clear();
  }
}

/**
 * Computes `$inc`/`$mul` on plain paths here rather than in the query engine, which knows nothing of
 * BSON's numeric classes: the result keeps the operand's BSON type (Long stays Long, Double stays
 * Double) and a non-numeric target fails the way mongod fails. The results become `$set`s.
 */
function resolveArithmetic(doc: Doc, modifier: Doc): void {
  for (const op of ['$inc', '$mul'] as const) {
    const fields = modifier[op];
    if (!isPlainObject(fields)) continue;
    for (const [path, arg] of Object.entries(fields)) {
      const by = toNumber(arg);
      if (by === undefined) {
        throw new MongoCommandError(
          'TypeMismatch',
          `Cannot ${op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${path}: ${renderValue(arg)}}`,
        );
      }
      if (path.includes('$')) {
        fields[path] = by;
        continue;
      }
      const current = getPath(doc, path);
      const base = current === undefined ? 0 : toNumber(current);
      if (base === undefined) {
        throw new MongoCommandError(
          'TypeMismatch',
          `Cannot apply ${op} to a value of non-numeric type. {_id: ${renderValue(doc._id)}} has the field '${path}' of non-numeric type ${bsonTypeName(current)}`,
        );
      }
      const set = isPlainObject(modifier.$set) ? modifier.$set : (modifier.$set = {});
      set[path] = arithmetic(op, current, base, arg, by);
      delete fields[path];
    }
    if (Object.keys(fields).length === 0) delete modifier[op];
  }
}

/** The operands come as given (`current`, `arg`: their BSON types decide the result's) and as numbers. */
function arithmetic(op: '$inc' | '$mul', current: unknown, base: number, arg: unknown, by: number): unknown {
  const kinds = [bsonTypeOf(current), bsonTypeOf(arg)];
  if (kinds.includes('Decimal128')) {
    return Decimal128.fromString(String(op === '$inc' ? base + by : base * by));
  }
  if (kinds.includes('Long') && Number.isInteger(by) && Number.isInteger(base)) {
    const a = current instanceof Long ? current : Long.fromNumber(base);
    const b = arg instanceof Long ? arg : Long.fromNumber(by);
    return op === '$inc' ? a.add(b) : a.multiply(b);
  }
  const value = op === '$inc' ? base + by : base * by;
  if (kinds.includes('Double') || kinds.includes('Long')) return new Double(value);
  return value;
}

/** Equal values with the same field order (what mongod counts as "not modified"). */
function sameDocument(a: Doc, b: Doc): boolean {
  return Object.keys(a).length === Object.keys(b).length && valueKey(a) === valueKey(b);
}

function sortDocsValues(values: unknown[]): unknown[] {
  const wrapped = values.map((v) => ({ v }));
  sortDocs(wrapped, { v: 1 });
  return wrapped.map((w) => w.v);
}

/** The key of an open cursor, from the id a client sends (a Long, or a plain number). */
function cursorKey(id: unknown): string {
  return id instanceof Long ? id.toString() : String(toNumber(id));
}

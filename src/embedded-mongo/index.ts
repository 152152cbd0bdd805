/**
 * An embedded MongoDB-compatible server: speaks the wire protocol on a local TCP port so mongoose and the
 * official driver use it unchanged. In memory by default; durable with a data directory.
 */
import type { Document } from 'bson';
import { BlobStore, externalForm, hasBlobs } from './blobs.js';
import { Engine, type JournalEntry, type Persist } from './engine.js';
import { openJournal, type Journal } from './journal.js';
import type { Op } from './store.js';
import { WireServer } from './server.js';
import { finalize, isPlainObject, normalizeInPlace } from './values.js';

/** Options for {@link startEmbeddedMongo}. */
export interface EmbeddedMongoOptions {
  /** TCP port; 0 or omitted picks a free one. */
  port?: number;
  /**
   * Listen on TCP (default true). False needs `socketPath`: the server is then reachable only through its
   * socket file, whose permissions decide who may connect (a TCP port is open to every local user).
   */
  tcp?: boolean;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /**
   * Also accept connections on this Unix domain socket path; clients on the same machine connect through
   * `socketUri` with less overhead than loopback TCP.
   */
  socketPath?: string;
  /** Directory for the journal and snapshots; omitted means purely in memory. */
  dataDir?: string;
  /** How often expired TTL documents are removed (default 1000 ms). */
  ttlIntervalMs?: number;
  /**
   * Journal bytes after which the state is compacted into a snapshot (default 64 MB); also the bytes of
   * deleted large binary values after which their space is reclaimed.
   */
  compactAfterBytes?: number;
}

/** A running embedded server. */
export interface EmbeddedMongo {
  /** Connection string, e.g. `mongodb://127.0.0.1:27017/`; the socket's when there is no TCP port. */
  uri: string;
  /** The TCP port, or undefined with `tcp: false`. */
  port: number | undefined;
  /** Connection string for the Unix socket, when `socketPath` was given. */
  socketUri: string | undefined;
  /** Closes every connection, flushes the journal and releases the data directory. */
  stop(): Promise<void>;
}

const DEFAULT_COMPACT_AFTER = 64 * 1024 * 1024;
/** Same idle cursor timeout as mongod. */
const CURSOR_IDLE_MS = 10 * 60 * 1000;

/**
 * Re-creates the stored form of a record read back from disk (decoded without number promotion): a
 * journal op or a snapshot record, `{ ns, doc }` or `{ ns, options, indexes }` (see Store.snapshotRecords).
 * Index specs and collection options carry numbers too (TTL seconds, key directions). A document written
 * with its large values out of line (`blobs`, see `storedRecord`) gets its references back.
 */
function reviveRecord(record: Document, blobs: BlobStore): void {
  if (record.doc === undefined) normalizeInPlace(record);
  else if (isPlainObject(record.doc)) {
    if (record.blobs !== undefined) {
      blobs.reviveInto(record.doc, record.blobs);
      delete record.blobs;
    }
    finalize(record.doc);
  }
}

function toOps(entry: Document, blobs: BlobStore): Op[] {
  const ops: unknown = entry.ops;
  if (!Array.isArray(ops)) throw new Error('journal entry without ops');
  for (const op of ops) {
    if (!isPlainObject(op) || typeof op.op !== 'string') throw new Error('malformed journal op');
    reviveRecord(op, blobs);
  }
  return ops as Op[];
}

/** A record holding a document, as written to disk: references instead of the blobs' bytes. */
function storedRecord(record: Document | Op): Document {
  const doc = 'doc' in record ? record.doc : undefined;
  return isPlainObject(doc) && hasBlobs(doc) ? { ...record, ...externalForm(doc) } : record;
}

/** A journal entry as written: ordinary entries go as they are, without a copy. */
function storedEntry(entry: JournalEntry): Document {
  for (const op of entry.ops) {
    if (op.op === 'put' && hasBlobs(op.doc)) return { ops: entry.ops.map(storedRecord) };
  }
  return entry as unknown as Document;
}

function* storedRecords(records: Document[]): Generator<Document> {
  for (const record of records) yield storedRecord(record);
}

/** The connection string for a server listening on the Unix socket at `path`. */
export function socketUri(path: string): string {
  return `mongodb://${encodeURIComponent(path)}/`;
}

/** Starts the server; resolves once it accepts connections. */
export async function startEmbeddedMongo(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const host = options.host ?? '127.0.0.1';
  const tcp = options.tcp ?? true;
  if (!tcp && !options.socketPath) throw new Error('embedded-mongo: tcp: false needs a socketPath');
  let journal: Journal | undefined;
  let persist: Persist | undefined;
  let engine: Engine;
  let blobs: BlobStore;
  /** The compaction in progress, which `stop` lets finish (its blob segments are dropped last). */
  let compacting: Promise<void> | undefined;
  const threshold = options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER;
  if (options.dataDir) {
    const dataDir = options.dataDir;
    let segments: BlobStore | undefined;
    const opened = await openJournal(dataDir, { beforeWrite: () => segments?.sync() });
    try {
      segments = new BlobStore({ dir: dataDir });
    } catch (err) {
      await opened.journal.close();
      throw err;
    }
    blobs = segments;
    const durable = opened.journal;
    journal = durable;
    /** Starts a compaction: sparse blob segments are copied and the snapshot taken in this one tick. */
    const compact = (): Promise<void> => {
      let obsolete: number[];
      try {
        obsolete = blobs.reclaim(engine.store.blobRefs());
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      // Segments are deleted only once the snapshot that no longer points into them is durable.
      return durable.compact(storedRecords(engine.store.snapshotRecords())).then(() => blobs.drop(obsolete));
    };
    /** Starts a compaction once the journal, or the deleted large values, have grown past the threshold. */
    const compactIfDue = (): void => {
      if (compacting || (durable.sizeSinceSnapshot <= threshold && blobs.releasedBytes <= threshold)) return;
      compacting = compact().then(
        () => {
          compacting = undefined;
          // What was written or deleted while it ran may be due already: no later write has to come.
          compactIfDue();
        },
        (err: unknown) => {
          compacting = undefined;
          process.emitWarning(`embedded-mongo: compaction failed: ${String(err)}`);
        },
      );
    };
    persist = async (entry) => {
      const written = durable.append(storedEntry(entry));
      // Checked in the same tick as the append, so the snapshot covers exactly the appended entries.
      // Deleted large values count too: their space comes back only through a compaction.
      compactIfDue();
      await written;
    };
    engine = new Engine(persist, blobs);
    for (const record of opened.recovered.snapshot) reviveRecord(record, blobs);
    engine.store.loadSnapshot(opened.recovered.snapshot);
    for (const entry of opened.recovered.entries)
      for (const op of toOps(entry, blobs)) engine.store.apply(op);
    blobs.releasedBytes = 0;
  } else {
    // In memory, large values still go to a file: a temporary one, removed on stop.
    blobs = new BlobStore();
    engine = new Engine(undefined, blobs);
  }

  const server = new WireServer(engine);
  let port: number | undefined;
  try {
    if (tcp) port = await server.listen(options.port ?? 0, host);
    if (options.socketPath) await server.listenOnSocket(options.socketPath);
  } catch (err) {
    await server.close();
    await journal?.close();
    blobs.close();
    throw err;
  }

  let sweeping = false;
  const ttlTimer = setInterval(() => {
    engine.expireCursors(CURSOR_IDLE_MS);
    // Without a journal nothing has to become durable first: deleted values' space is reclaimed at once.
    if (!journal && blobs.releasedBytes > threshold) {
      try {
        blobs.drop(blobs.reclaim(engine.store.blobRefs()));
      } catch (err) {
        process.emitWarning(`embedded-mongo: reclaiming blob space failed: ${String(err)}`);
      }
    }
    if (sweeping) return;
    sweeping = true;
    engine
      .sweepTtl()
      .catch((err: unknown) => process.emitWarning(`embedded-mongo: TTL sweep failed: ${String(err)}`))
      .finally(() => {
        sweeping = false;
      });
  }, options.ttlIntervalMs ?? 1000);
  ttlTimer.unref();

  let stopping: Promise<void> | undefined;
  return {
    uri: port === undefined ? socketUri(options.socketPath ?? '') : `mongodb://${host}:${port}/`,
    port,
    socketUri: options.socketPath ? socketUri(options.socketPath) : undefined,
    stop() {
      stopping ??= (async () => {
        clearInterval(ttlTimer);
        await server.close();
        engine.closeCursors();
        // A compaction may start another as it ends (see compactIfDue): all of them finish first.
        while (compacting) await compacting;
        await journal?.close();
        blobs.close();
      })();
      return stopping;
    },
  };
}

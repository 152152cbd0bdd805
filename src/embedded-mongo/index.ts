/**
 * An embedded MongoDB-compatible server: speaks the wire protocol on a local TCP port so mongoose and the
 * official driver use it unchanged. In memory by default; durable with a data directory.
 */
import type { Document } from 'bson';
import { Engine, type Persist } from './engine.js';
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
  /** Journal bytes after which the state is compacted into a snapshot (default 64 MB). */
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
 * Index specs and collection options carry numbers too (TTL seconds, key directions).
 */
function reviveRecord(record: Document): void {
  if (record.doc === undefined) normalizeInPlace(record);
  else if (isPlainObject(record.doc)) finalize(record.doc);
}

function toOps(entry: Document): Op[] {
  const ops: unknown = entry.ops;
  if (!Array.isArray(ops)) throw new Error('journal entry without ops');
  for (const op of ops) {
    if (!isPlainObject(op) || typeof op.op !== 'string') throw new Error('malformed journal op');
    reviveRecord(op);
  }
  return ops as Op[];
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
  if (options.dataDir) {
    const opened = await openJournal(options.dataDir);
    const durable = opened.journal;
    journal = durable;
    const threshold = options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER;
    let compacting: Promise<void> | undefined;
    persist = async (entry) => {
      const written = durable.append(entry as unknown as Document);
      // Checked in the same tick as the append, so the snapshot covers exactly the appended entries.
      if (!compacting && durable.sizeSinceSnapshot > threshold) {
        compacting = durable
          .compact(engine.store.snapshotRecords())
          .catch((err: unknown) => {
            process.emitWarning(`embedded-mongo: compaction failed: ${String(err)}`);
          })
          .finally(() => {
            compacting = undefined;
          });
      }
      await written;
    };
    engine = new Engine(persist);
    for (const record of opened.recovered.snapshot) reviveRecord(record);
    engine.store.loadSnapshot(opened.recovered.snapshot);
    for (const entry of opened.recovered.entries) for (const op of toOps(entry)) engine.store.apply(op);
  } else {
    engine = new Engine();
  }

  const server = new WireServer(engine);
  let port: number | undefined;
  try {
    if (tcp) port = await server.listen(options.port ?? 0, host);
    if (options.socketPath) await server.listenOnSocket(options.socketPath);
  } catch (err) {
    await server.close();
    await journal?.close();
    throw err;
  }

  let sweeping = false;
  const ttlTimer = setInterval(() => {
    engine.expireCursors(CURSOR_IDLE_MS);
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
        await journal?.close();
      })();
      return stopping;
    },
  };
}

/**
 * The database connection: `MONGODB_URI` when set, otherwise the embedded MongoDB-compatible server
 * with its data under `DATA_DIR/db`. Application code sees plain mongoose either way.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { startEmbeddedMongo, type EmbeddedMongo } from '../embedded-mongo/index.js';
import { isAlive } from '../embedded-mongo/lock.js';
import type { Logger } from '../log.js';

/** The database name used on a real server and on the embedded one. */
export const databaseName = 'insuralink';

export interface Database {
  connection: mongoose.Connection;
  /** The URI the app connects to (the embedded server's socket when `MONGODB_URI` is unset). */
  uri: string;
  embedded: boolean;
  /** Resolves when the server answers a ping within `timeoutMs`; rejects otherwise. */
  ping(timeoutMs?: number): Promise<void>;
  /** Closes the connection, then the embedded server if we started it. */
  stop(): Promise<void>;
}

export interface DatabaseOptions {
  mongodbUri: string | undefined;
  dataDir: string;
  /** Keep the embedded server's data in memory only (tests, one-off commands). */
  inMemory?: boolean;
}

export async function connectDatabase(options: DatabaseOptions, logger: Logger): Promise<Database> {
  let uri = options.mongodbUri;
  let embedded: EmbeddedMongo | undefined;
  let socketDir: string | undefined;
  if (!uri) {
    // The embedded server has no users or passwords, so it opens no TCP port (which any local user could
    // connect to): the app reaches it over a Unix socket in a directory only this user may enter, which
    // also costs less per query than loopback TCP. `npm run db` is the way to reach data with other tools.
    await removeStaleSockets();
    socketDir = join(tmpdir(), `${socketPrefix}${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(socketDir, { mode: 0o700 });
    const socketPath = join(socketDir, 'db.sock');
    try {
      embedded = await startEmbeddedMongo({
        dataDir: options.inMemory ? undefined : join(options.dataDir, 'db'),
        socketPath,
        tcp: false,
      });
      await chmod(socketPath, 0o600);
    } catch (error) {
      await embedded?.stop();
      await rm(socketDir, { recursive: true, force: true });
      throw error;
    }
    uri = embedded.uri;
  }
  const removeSocketDir = async () => {
    if (socketDir) await rm(socketDir, { recursive: true, force: true });
  };
  try {
    const connection = await mongoose
      .createConnection(uri, { dbName: databaseName, serverSelectionTimeoutMS: 5000 })
      .asPromise();
    logger.info({ embedded: Boolean(embedded) }, 'database connected');
    return {
      connection,
      uri,
      embedded: Boolean(embedded),
      async ping(timeoutMs = 2000) {
        const db = connection.db;
        if (!db || connection.readyState !== mongoose.ConnectionStates.connected) {
          throw new Error('database not connected');
        }
        await withTimeout(db.command({ ping: 1 }), timeoutMs);
      },
      async stop() {
        await connection.close();
        await embedded?.stop();
        await removeSocketDir();
      },
    };
  } catch (error) {
    await embedded?.stop();
    await removeSocketDir();
    throw error;
  }
}

/**
 * The embedded server's socket is `<tmpdir>/insuralink-<pid>-<random>/db.sock`; older releases put it at
 * `<tmpdir>/insuralink-<pid>-<random>.sock`.
 */
const socketPrefix = 'insuralink-';
const socketName = new RegExp(`^${socketPrefix}(\\d+)-[0-9a-f]{8}(\\.sock)?$`);

/**
 * Removes the socket directories of app processes that are gone: a killed process cannot remove its
 * own. One this user may not remove (another user's) is left alone.
 */
export async function removeStaleSockets(dir = tmpdir()): Promise<void> {
  const names = await readdir(dir).catch(() => []);
  await Promise.all(
    names.map(async (name) => {
      const pid = Number(socketName.exec(name)?.[1]);
      if (pid && !isAlive(pid)) {
        await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
      }
    }),
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

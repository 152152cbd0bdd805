/**
 * The database connection: `MONGODB_URI` when set, otherwise the embedded MongoDB-compatible server
 * with its data under `DATA_DIR/db`. Application code sees plain mongoose either way.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
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
  if (!uri) {
    // In the same process the app reaches its embedded server over a Unix socket: every query costs less
    // than over loopback TCP. The TCP port stays open for outside tools.
    await removeStaleSockets();
    embedded = await startEmbeddedMongo({
      dataDir: options.inMemory ? undefined : join(options.dataDir, 'db'),
      socketPath: join(tmpdir(), `${socketPrefix}${process.pid}-${randomBytes(4).toString('hex')}.sock`),
    });
    uri = embedded.socketUri ?? embedded.uri;
  }
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
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/** The embedded server's socket is `<tmpdir>/insuralink-<pid>-<random>.sock`. */
const socketPrefix = 'insuralink-';
const socketName = new RegExp(`^${socketPrefix}(\\d+)-[0-9a-f]+\\.sock$`);

/** Removes the socket files of app processes that are gone: a killed process cannot remove its own. */
export async function removeStaleSockets(dir = tmpdir()): Promise<void> {
  const names = await readdir(dir).catch(() => []);
  await Promise.all(
    names.map(async (name) => {
      const pid = Number(socketName.exec(name)?.[1]);
      if (pid && !isAlive(pid)) await rm(join(dir, name), { force: true });
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

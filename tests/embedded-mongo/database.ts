/**
 * One place that decides which server the conformance suites talk to: a real MongoDB when MONGODB_URI is
 * set, otherwise an embedded server started in memory for the suite. Each suite gets its own database,
 * dropped when it closes, so runs against a shared MongoDB do not collide.
 */
import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import mongoose from 'mongoose';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded-mongo/index.js';

/** A database for one suite, reachable through the driver and through mongoose. */
export interface TestDatabase {
  uri: string;
  dbName: string;
  client: MongoClient;
  db: Db;
  /** The embedded server, when the suite is not running against a real MongoDB. */
  embedded: EmbeddedMongo | undefined;
  /** A mongoose connection to the same database (opened on first use). */
  mongoose(): Promise<mongoose.Connection>;
  close(): Promise<void>;
}

export async function openTestDatabase(label: string): Promise<TestDatabase> {
  const external = process.env.MONGODB_URI;
  const embedded = external ? undefined : await startEmbeddedMongo();
  const uri = external ?? (embedded as EmbeddedMongo).uri;
  const dbName = `${label}_${randomBytes(4).toString('hex')}`;
  const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 5000 });
  let connection: mongoose.Connection | undefined;
  return {
    uri,
    dbName,
    client,
    db: client.db(dbName),
    embedded,
    async mongoose() {
      connection ??= await mongoose
        .createConnection(uri, { dbName, serverSelectionTimeoutMS: 5000 })
        .asPromise();
      return connection;
    },
    async close() {
      await client.db(dbName).dropDatabase();
      await connection?.close();
      await client.close();
      await embedded?.stop();
    },
  };
}

/**
 * One place that decides which server the conformance suites talk to: a real MongoDB when MONGODB_URI is
 * set, otherwise an embedded server started in memory for the suite. Each suite gets its own database,
 * dropped when it closes, so runs against a shared MongoDB do not collide.
 */
import { randomBytes } from 'node:crypto';
import { MongoClient, type Collection, type Db, type ObjectId } from 'mongodb';
import mongoose from 'mongoose';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded-mongo/index.js';

/** Documents with any `_id` type (the driver's default typing insists on ObjectId). */
export interface LooseDoc {
  _id?: number | string | ObjectId;
  [field: string]: unknown;
}

/** A database for one suite, reachable through the driver and through mongoose. */
export interface TestDatabase {
  uri: string;
  dbName: string;
  client: MongoClient;
  db: Db;
  /** A collection typed for documents with any `_id`. */
  coll(name: string): Collection<LooseDoc>;
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
    coll: (name) => client.db(dbName).collection<LooseDoc>(name),
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

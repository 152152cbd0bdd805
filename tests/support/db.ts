/**
 * One database per test file: the embedded server in memory, or `MONGODB_URI` (a real MongoDB) with a
 * database name unique to the caller, dropped on stop.
 */
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { createFieldCipher, type FieldCipher } from '../../src/db/encryption.js';
import { createModels, ensureIndexes, type Models } from '../../src/db/models/index.js';
import { startEmbeddedMongo } from '../../src/embedded-mongo/index.js';

export interface TestDatabase {
  connection: mongoose.Connection;
  models: Models;
  cipher: FieldCipher;
  /** Removes every document from every collection (indexes stay). */
  clear(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestDatabase(): Promise<TestDatabase> {
  const external = process.env.MONGODB_URI;
  const server = external ? undefined : await startEmbeddedMongo();
  const uri = external ?? server!.uri;
  const dbName = `insuralink_test_${randomBytes(6).toString('hex')}`;
  try {
    const connection = await mongoose
      .createConnection(uri, { dbName, serverSelectionTimeoutMS: 5000, autoIndex: false })
      .asPromise();
    const models = createModels(connection);
    await ensureIndexes(models);
    return {
      connection,
      models,
      cipher: createFieldCipher(randomBytes(32)),
      async clear() {
        await Promise.all(Object.values(models).map((model) => model.collection.deleteMany({})));
      },
      async stop() {
        if (external) await connection.dropDatabase();
        await connection.close();
        await server?.stop();
      },
    };
  } catch (error) {
    await server?.stop();
    throw error;
  }
}

/**
 * `npm run seed`: loads the demo data into the configured database (`MONGODB_URI`, or the embedded
 * server on `DATA_DIR`) when it is empty; an existing database is left untouched.
 */
import { createFieldCipher } from '../db/encryption.js';
import { createModels, ensureIndexes } from '../db/models/index.js';
import { seedDemoData } from '../db/seed.js';
import { createFileStore } from '../files/file-store.js';
import { resolveSecrets } from '../secrets.js';
import { withDatabase } from './with-database.js';

await withDatabase(async (database, { config, logger }) => {
  const db = database.connection.db;
  if (!db) throw new Error('database not connected');
  const secrets = await resolveSecrets(config, logger);
  const models = createModels(database.connection);
  await ensureIndexes(models);
  const files = createFileStore({
    db,
    secret: secrets.fileUrlSecret,
    baseUrl: () => config.publicBaseUrl ?? `http://localhost:${config.port}`,
  });
  const result = await seedDemoData(models, createFieldCipher(secrets.encryptionKey), {
    saveDocument: (file) => files.save(file),
  });
  if (!result.seeded) {
    console.log('The database already holds data; nothing was seeded.');
    return;
  }
  const counts = Object.entries(result.counts).map(([name, count]) => `${count} ${name}`);
  console.log(`Seeded demo data: ${counts.join(', ')}.`);
  console.log('Demo customer: Jordan Rivera, born 1988-04-12, phone +15555550123, policy AUT-100200.');
});

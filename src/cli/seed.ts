/**
 * `npm run seed`: loads the demo data into the configured database (`MONGODB_URI`, or the embedded
 * server on `DATA_DIR`) when it is empty; an existing database is left untouched.
 */
import { appBaseUrl, composeCore } from '../app.js';
import { withDatabase } from './with-database.js';

await withDatabase(async (database, { config, logger }) => {
  const { seed } = await composeCore(database, config, logger, () => appBaseUrl(config));
  const result = await seed();
  if (!result.seeded) {
    console.log('The database already holds data; nothing was seeded.');
    return;
  }
  const counts = Object.entries(result.counts).map(([name, count]) => `${count} ${name}`);
  console.log(`Seeded demo data: ${counts.join(', ')}.`);
  console.log('Demo customer: Jordan Rivera, born 1988-04-12, phone +15555550123, policy AUT-100200.');
});

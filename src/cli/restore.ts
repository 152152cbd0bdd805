/** `npm run restore -- FILE [--force]`: loads a backup; refuses to replace existing data without --force. */
import { createReadStream, existsSync } from 'node:fs';
import { restoreDatabase, RestoreError } from '../db/backup.js';
import { exitWithUsage } from './usage.js';
import { progressPrinter, UsageError, withDatabase } from './with-database.js';

const args = process.argv.slice(2);
const force = args.includes('--force');
const [file, ...rest] = args.filter((arg) => arg !== '--force');
if (!file || file.startsWith('-') || rest.length > 0)
  exitWithUsage('Usage: npm run restore -- FILE [--force]');
if (!existsSync(file)) exitWithUsage(`No such file: ${file}`);

await withDatabase(async (database) => {
  const db = database.connection.db;
  if (!db) throw new Error('database not connected');
  try {
    const count = await restoreDatabase(db, () => createReadStream(file), {
      force,
      onProgress: progressPrinter('restoring'),
    });
    console.log(`Restored ${count} documents from ${file}`);
  } catch (error) {
    if (error instanceof RestoreError) throw new UsageError(error.message);
    throw error;
  }
});

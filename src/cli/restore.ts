/** `npm run restore -- FILE [--force]`: loads a backup; refuses to replace existing data without --force. */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { restoreDatabase, RestoreError } from '../db/backup.js';
import { progressPrinter, UsageError, withDatabase } from './with-database.js';

await withDatabase(async (database) => {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const files = args.filter((arg) => arg !== '--force');
  if (files.length !== 1 || files[0]!.startsWith('-')) {
    throw new UsageError('Usage: npm run restore -- FILE [--force]');
  }
  const file = files[0]!;
  await access(file).catch(() => {
    throw new UsageError(`No such file: ${file}`);
  });
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

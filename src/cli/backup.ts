/** `npm run backup -- FILE`: writes every collection to FILE as canonical Extended JSON. */
import { createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { backupDatabase } from '../db/backup.js';
import { exitWithUsage } from './usage.js';
import { progressPrinter, withDatabase } from './with-database.js';

const [file, ...rest] = process.argv.slice(2);
if (!file || file.startsWith('-') || rest.length > 0) exitWithUsage('Usage: npm run backup -- FILE');

await withDatabase(async (database) => {
  const db = database.connection.db;
  if (!db) throw new Error('database not connected');

  // Write beside the target and rename at the end, so a failed backup never leaves a truncated file.
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  const count = await backupDatabase(db, out, progressPrinter('backing up'));
  out.end();
  await finished(out);
  await rename(partial, file);
  console.log(`Backed up ${count} documents to ${file}`);
});

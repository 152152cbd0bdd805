/**
 * Shared start-up for the database commands (seed, backup, restore): validated settings, the same
 * database the bot uses (`MONGODB_URI`, or the embedded server on `DATA_DIR`), and a clean stop.
 */
import type { Config } from '../config.js';
import { ConfigError, loadConfig } from '../config.js';
import { connectDatabase, type Database } from '../db/connection.js';
import { DataDirectoryInUseError } from '../embedded-mongo/lock.js';
import { createLogger, type Logger } from '../log.js';

/** Thrown by a command for a mistake of the user's: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export async function withDatabase(
  run: (database: Database, context: { config: Config; logger: Logger }) => Promise<void>,
): Promise<void> {
  let database: Database | undefined;
  try {
    const config = loadConfig();
    const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    database = await connectDatabase({ mongodbUri: config.mongodbUri, dataDir: config.dataDir }, logger);
    await run(database, { config, logger });
  } catch (error) {
    const known = error instanceof ConfigError || error instanceof UsageError;
    console.error(error instanceof Error ? error.message : String(error));
    if (error instanceof DataDirectoryInUseError) {
      console.error('Stop the bot (npm start) that uses this DATA_DIR first, then run this command again.');
    }
    process.exitCode = known ? 2 : 1;
  } finally {
    await database?.stop();
  }
}

/** Prints progress on stderr: one line per collection, updated in place on a terminal. */
export function progressPrinter(
  verb: string,
): (progress: { collection: string; done: number; total: number }) => void {
  return ({ collection, done, total }) => {
    const line = `${verb} ${collection}: ${done}/${total}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${done >= total ? '\n' : ''}`);
    else if (done >= total) process.stderr.write(`${line}\n`);
  };
}

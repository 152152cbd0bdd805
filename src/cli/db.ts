/**
 * `npm run db -- [--port N] [--data-dir DIR] [--host H] [--socket PATH]` runs the embedded MongoDB-compatible
 * server on its own and prints its connection string (then the Unix socket's, when asked for one), so any
 * MongoDB client (the driver, mongosh, Compass) can use it.
 * Without --data-dir it keeps everything in memory. Stops cleanly on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startEmbeddedMongo } from '../embedded-mongo/index.js';
import { exitWithUsage } from './usage.js';

const USAGE = `Usage: npm run db -- [--port N] [--data-dir DIR] [--host H] [--socket PATH]

  --port N        TCP port to listen on (default 27017; 0 picks a free port)
  --data-dir DIR  keep the data durably in DIR (default: in memory only)
  --host H        interface to listen on (default 127.0.0.1)
  --socket PATH   also listen on this Unix domain socket`;

const Args = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  dataDir: z.string().min(1).optional(),
  host: z.string().min(1),
  socketPath: z.string().min(1).optional(),
});

function parse(): z.infer<typeof Args> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '27017' },
        'data-dir': { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        socket: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    exitWithUsage(error instanceof Error ? error.message : String(error), USAGE);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const result = Args.safeParse({
    port: values.port,
    dataDir: values['data-dir'],
    host: values.host,
    socketPath: values.socket,
  });
  if (!result.success)
    exitWithUsage(
      `Invalid arguments: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      USAGE,
    );
  return result.data;
}

const args = parse();
let server;
try {
  server = await startEmbeddedMongo(args);
} catch (error) {
  process.stderr.write(
    `Could not start the database: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
process.stdout.write(`${server.uri}\n`);
if (server.socketUri) process.stdout.write(`${server.socketUri}\n`);

const running = server;
let stopping = false;
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) return;
  stopping = true;
  running.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`Error while stopping after ${signal}: ${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

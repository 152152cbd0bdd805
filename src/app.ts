/**
 * The composition root: the only place that builds infrastructure (database, HTTP server, SDK
 * clients) and hands each part its dependencies.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'restify';
import type { Config } from './config.js';
import { connectDatabase, type Database } from './db/connection.js';
import { registerHealth } from './http/health.js';
import { createHttpServer } from './http/server.js';
import { createLogger, type Logger } from './log.js';
import { resolveSecrets } from './secrets.js';

export interface AppOptions {
  logger?: Logger;
  /** Keep the embedded database in memory (tests). Ignored when `MONGODB_URI` is set. */
  inMemoryDatabase?: boolean;
  /** Time `stop()` gives in-flight requests before closing their connections. */
  shutdownGraceMs?: number;
}

export interface App {
  readonly config: Config;
  readonly logger: Logger;
  readonly server: Server;
  /** Available once `start()` resolved. */
  readonly database: Database;
  /** Connects the database, builds every part and listens; resolves with the base URL. */
  start(): Promise<string>;
  /** Stops accepting requests, lets in-flight ones finish, then closes the database. */
  stop(): Promise<void>;
}

export function createApp(config: Config, options: AppOptions = {}): App {
  const logger = options.logger ?? createLogger(config.logLevel);
  const server = createHttpServer(logger);
  let database: Database | undefined;

  return {
    config,
    logger,
    server,
    get database() {
      if (!database) throw new Error('the app has not started');
      return database;
    },

    async start() {
      await resolveSecrets(config, logger);
      database = await connectDatabase(
        { mongodbUri: config.mongodbUri, dataDir: config.dataDir, inMemory: options.inMemoryDatabase },
        logger,
      );
      registerHealth(server, database);

      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, '0.0.0.0', () => {
          server.off('error', reject);
          resolve();
        });
      });
      const { port } = server.address() as AddressInfo;
      const url = `http://localhost:${port}`;
      logger.info({ url }, 'InsuraLink is listening');
      return url;
    },

    async stop() {
      const http = server.server;
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      const force = setTimeout(() => http.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
      await closed;
      clearTimeout(force);
      await database?.stop();
      logger.info('InsuraLink stopped');
    },
  };
}

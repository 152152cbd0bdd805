/** Entry point: load settings, start the app, stop cleanly on SIGINT/SIGTERM. */
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(78); // EX_CONFIG
}

const app = createApp(config);
let stopping = false;

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  app.logger.info({ signal }, 'shutting down');
  try {
    await app.stop();
    process.exit(0);
  } catch (error) {
    app.logger.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  await app.start();
} catch (error) {
  app.logger.fatal({ err: error }, 'start failed');
  await app.stop().catch(() => undefined);
  process.exit(1);
}

import type { Server } from 'restify';

/** `GET /healthz`: 200 when the process and its database answer, 503 when the database does not. */
export function registerHealth(server: Server, database: { ping(timeoutMs?: number): Promise<void> }): void {
  server.get('/healthz', async (_req, res) => {
    try {
      await database.ping();
      res.send(200, { status: 'ok', database: 'up' });
    } catch {
      res.send(503, { status: 'unavailable', database: 'down' });
    }
  });
}

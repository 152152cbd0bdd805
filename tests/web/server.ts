/**
 * A small InsuraLink-shaped server for the widget and terminal-chat tests: the real web routes and
 * Direct Line channel in front of an echo bot that greets with suggested actions.
 */
import type { AddressInfo } from 'node:net';
import { ActivityHandler, MessageFactory } from 'botbuilder';
import { pino } from 'pino';
import { createDirectLineChannel } from '../../src/channels/directline/index.js';
import { createFileStore } from '../../src/files/file-store.js';
import { createHttpServer } from '../../src/http/server.js';
import { registerWebRoutes } from '../../src/web/routes.js';
import { startTestDatabase } from '../support/db.js';

export const greeting = 'Hello from the test bot';
export const menu = ['Show my policies', 'Help'];

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMembersAdded(async (context, next) => {
      if (context.activity.membersAdded?.some((member) => member.id !== context.activity.recipient.id)) {
        await context.sendActivity(MessageFactory.suggestedActions(menu, greeting));
      }
      await next();
    });
    this.onMessage(async (context, next) => {
      await context.sendActivity(MessageFactory.suggestedActions(menu, `You said: ${context.activity.text}`));
      await next();
    });
  }
}

export interface WebTestServer {
  url: string;
  stop(): Promise<void>;
}

export async function startEchoServer(): Promise<WebTestServer> {
  const logger = pino({ level: 'silent' });
  const database = await startTestDatabase();
  const server = createHttpServer(logger);
  const channel = await createDirectLineChannel({
    connection: database.connection,
    bot: new EchoBot(),
    files: createFileStore({
      db: database.connection.db!,
      secret: 'test-file-url-secret-0123456789',
      baseUrl: () => '',
    }),
    secret: 'test-directline-secret-0123456789',
    logger,
  });
  channel.register(server);
  registerWebRoutes(server, channel);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await channel.close();
      const closed = new Promise<void>((resolve) => server.server.close(() => resolve()));
      server.server.closeAllConnections();
      await closed;
      await database.stop();
    },
  };
}

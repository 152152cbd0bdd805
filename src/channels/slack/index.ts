/**
 * The officers' Slack app: Bolt over the {@link RestifyReceiver} at `POST /api/slack/events`, the
 * listeners (`listeners/<kind>/`), and the outbox's `slack` route that posts and updates claim and
 * service-request cards.
 */
import { App, LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Connection } from 'mongoose';
import type { Request, Response, Server } from 'restify';
import type { ApprovalService } from '../../domain/approvals.js';
import type { RequestService } from '../../domain/requests.js';
import type { HandoffService } from '../../domain/handoff.js';
import type { FileStore } from '../../files/file-store.js';
import type { Logger } from '../../log.js';
import type { RouteSender } from '../../notifications/dispatcher.js';
import { createSlackApi, type SlackApi } from './api.js';
import { slackCardSender } from './card-sender.js';
import type { SlackDeps } from './context.js';
import { registerActions } from './listeners/actions/index.js';
import { registerCommands } from './listeners/commands/index.js';
import { registerEvents } from './listeners/events/index.js';
import { registerViews } from './listeners/views/index.js';
import { officersOnly, skipRepeats } from './middleware.js';
import { createSlackReceipts } from './receipts.js';
import { RestifyReceiver } from './receiver.js';
import { requestCardSender } from './request-card-sender.js';

/** The path Slack's request URL points at (events, interactivity, commands, options). */
export const slackEventsPath = '/api/slack/events';

/** Options of {@link createSlackChannel}. */
export interface SlackChannelOptions {
  botToken: string;
  signingSecret: string;
  /** The Web API base URL (`SLACK_API_URL`, or the local stand-in); undefined means Slack's own. */
  apiUrl: () => string | undefined;
  /** Where the workspace serves shared files (a URL prefix); undefined means Slack's own. */
  filesUrl?: () => string;
  approvalsChannel: string;
  /** Where handoff cards and tickets go. */
  supportChannel: string;
  approvals: ApprovalService;
  requests: RequestService;
  handoffs: HandoffService;
  now?: () => Date;
  connection: Connection;
  fileUrl(fileId: string): string;
  /** Checks and stores the files officers send customers from a thread, and signs their links. */
  files: Pick<FileStore, 'save' | 'signedUrl'>;
  logger: Logger;
}

export interface SlackChannel {
  api: SlackApi;
  /** Delivers the outbox's `slack` route. */
  sender: RouteSender;
  register(server: Server): void;
}

export async function createSlackChannel(options: SlackChannelOptions): Promise<SlackChannel> {
  const boltLogger = pinoForBolt(options.logger);
  const receiver = new RestifyReceiver({
    signingSecret: options.signingSecret,
    logger: options.logger,
    boltLogger,
  });
  const api = createSlackApi({
    token: options.botToken,
    apiUrl: options.apiUrl,
    ...(options.filesUrl ? { filesUrl: options.filesUrl } : {}),
  });
  // One workspace: who the bot is comes from auth.test once, through the wrapper (so from the stand-in
  // when there is one), instead of Bolt's own client, which only knows Slack's address.
  let identity: Promise<{ userId: string; teamId: string; botId?: string }> | undefined;
  const app = new App({
    receiver,
    logger: boltLogger,
    logLevel: LogLevel.WARN,
    authorize: async () => {
      identity ??= api.authTest().catch((error: unknown) => {
        identity = undefined;
        throw error;
      });
      const bot = await identity;
      return {
        botToken: options.botToken,
        botUserId: bot.userId,
        teamId: bot.teamId,
        ...(bot.botId ? { botId: bot.botId } : {}),
      };
    },
    ignoreSelf: true,
  });
  const deps: SlackDeps = {
    approvals: options.approvals,
    requests: options.requests,
    handoffs: options.handoffs,
    api,
    logger: options.logger,
    approvalsChannel: options.approvalsChannel,
    supportChannel: options.supportChannel,
    files: options.files,
    now: options.now ?? (() => new Date()),
  };
  app.use(skipRepeats(await createSlackReceipts(options.connection)));
  app.use(officersOnly(deps));
  registerActions(app, deps);
  registerViews(app, deps);
  registerCommands(app, deps);
  registerEvents(app, deps);
  app.error(async (error) => {
    options.logger.error({ err: error }, 'slack listener failed');
  });

  const cards = slackCardSender({
    api,
    approvals: options.approvals,
    approvalsChannel: options.approvalsChannel,
    handoffs: options.handoffs,
    supportChannel: options.supportChannel,
    fileUrl: options.fileUrl,
  });
  const requestCards = requestCardSender({
    api,
    requests: options.requests,
    approvalsChannel: options.approvalsChannel,
  });
  return {
    api,
    sender: {
      route: cards.route,
      deliver: (row, key) =>
        requestCards.handles(row.template) ? requestCards.deliver(row.payload) : cards.deliver(row, key),
    },
    register(server) {
      server.post(slackEventsPath, async (req: Request, res: Response) => {
        await receiver.handle(req, res);
      });
    },
  };
}

/** Bolt's logger interface over pino; Bolt's messages carry no payloads at these levels. */
function pinoForBolt(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'slack' });
  let level = LogLevel.WARN;
  return {
    debug: (...messages: unknown[]) => child.debug(messages.map(String).join(' ')),
    info: (...messages: unknown[]) => child.info(messages.map(String).join(' ')),
    warn: (...messages: unknown[]) => child.warn(messages.map(String).join(' ')),
    error: (...messages: unknown[]) => child.error(messages.map(String).join(' ')),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

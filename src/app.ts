/**
 * The composition root: the only place that builds infrastructure (database, HTTP server, SDK
 * clients) and hands each part its dependencies.
 */
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'restify';
import { createBot } from '../dialogs/index.js';
import { createRecognizer } from './bot/recognizers/index.js';
import { MongoStorage } from './bot/storage.js';
import { createAzureChannel } from './channels/azure/index.js';
import { azureSender } from './channels/azure/sender.js';
import { createDirectLineChannel, type DirectLineChannel } from './channels/directline/index.js';
import { createSlackChannel } from './channels/slack/index.js';
import { createSmsChannel, type SmsChannel } from './channels/sms/index.js';
import { createTwilioClient } from './channels/sms/twilio-client.js';
import type { Config } from './config.js';
import { connectDatabase, type Database } from './db/connection.js';
import { createFieldCipher } from './db/encryption.js';
import { createModels, ensureIndexes } from './db/models/index.js';
import { demoCustomer, demoOfficers, seedDemoData } from './db/seed.js';
import { createDomainServices, type CheckoutLinks, type DomainServices } from './domain/index.js';
import { createFileStore } from './files/file-store.js';
import { registerFileRoutes } from './files/routes.js';
import { registerUploadLinkRoutes, UploadLinks } from './files/upload-links.js';
import { HttpError } from './http/errors.js';
import { createUnattachedFileSweep } from './files/sweep.js';
import { registerHealth } from './http/health.js';
import { createHttpServer } from './http/server.js';
import { createHandoffSlaJob, createReminderJob, createSmsPacing } from './jobs/index.js';
import { GroundedAnswerer } from './knowledge/grounded.js';
import { loadKnowledgeBase } from './knowledge/load.js';
import { knowledgeBaseDir } from './knowledge/paths.js';
import { createKnowledgeSource } from './knowledge/retrieval.js';
import { OpenAILlmClient } from './llm/openai.js';
import { createStripeCheckout } from './payments/stripe.js';
import { registerStripeWebhook, stripeWebhookPath } from './payments/webhook.js';
import { createLogger, type Logger } from './log.js';
import { Dispatcher } from './notifications/dispatcher.js';
import { pacedConcurrency } from './notifications/sms-pacing.js';
import { createSlackSandbox, type SlackSandbox } from './sandbox/slack/index.js';
import { resolveSecrets } from './secrets.js';
import { StripeSandbox } from './sandbox/stripe/index.js';
import { TwilioSandbox } from './sandbox/twilio/index.js';
import { registerWebRoutes } from './web/routes.js';

/** How often the event relay looks for consequences a crash left undrained. */
const relaySweepMs = 5000;

export interface AppOptions {
  logger?: Logger;
  /** Keep the embedded database in memory (tests). Ignored when `MONGODB_URI` is set. */
  inMemoryDatabase?: boolean;
  /** Time `stop()` gives in-flight requests before closing their connections. */
  shutdownGraceMs?: number;
  /** The clock of the domain, the outbox and the Slack app (tests pin it to a known hour). */
  now?: () => Date;
}

export interface App {
  readonly config: Config;
  readonly logger: Logger;
  readonly server: Server;
  /** Available once `start()` resolved. */
  readonly database: Database;
  /** The domain services, once `start()` resolved (for commands and tests acting as the back office). */
  readonly domain: DomainServices;
  /** The local Slack stand-in, while `SLACK_*` is unset (its page and the tests drive it). */
  readonly slackSandbox: SlackSandbox | undefined;
  /** The local Twilio stand-in, when `TWILIO_*` is unset (the phone page and tests drive it). */
  readonly twilioSandbox: TwilioSandbox | undefined;
  /** The local Stripe stand-in, when `STRIPE_*` is unset (the checkout page and tests drive it). */
  readonly stripeSandbox: StripeSandbox | undefined;
  /** Connects the database, builds every part and listens; resolves with the base URL. */
  start(): Promise<string>;
  /** Stops accepting requests, lets in-flight ones finish, then closes the database. */
  stop(): Promise<void>;
}

/** Where the app is reached: `PUBLIC_BASE_URL`, or this machine on `port`. */
export function appBaseUrl(config: Config, port: number = config.port): string {
  return config.publicBaseUrl ?? `http://localhost:${port}`;
}

/**
 * The data layer every entry point shares: secrets, the file store, the domain services (over the
 * models, with their indexes, and the field cipher) and the demo data loader. `checkout` gives the
 * payment service its payment links (the app; commands need none).
 */
export async function composeCore(
  db: Database,
  config: Config,
  logger: Logger,
  baseUrl: () => string,
  checkout?: CheckoutLinks,
  now?: () => Date,
) {
  const secrets = await resolveSecrets(config, logger);
  const models = createModels(db.connection);
  await ensureIndexes(models);
  const cipher = createFieldCipher(secrets.encryptionKey);
  const mongo = db.connection.db;
  if (!mongo) throw new Error('database not connected');
  const files = createFileStore({ db: mongo, secret: secrets.fileUrlSecret, baseUrl });
  await files.ensureIndexes();
  return {
    secrets,
    files,
    models,
    domain: createDomainServices(models, cipher, {
      slackCards: true,
      support: config.support,
      ...(checkout ? { checkout } : {}),
      ...(now ? { now } : {}),
    }),
    seed: () =>
      seedDemoData(models, cipher, {
        saveDocument: (file) => files.save(file),
        ...(now ? { now: now() } : {}),
      }),
  };
}

/** Listens on `port` on every interface; a port in use is an error that names it. */
async function listen(server: Server, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${port} is already in use (EADDRINUSE): stop what holds it or set PORT`, {
              cause: error,
            })
          : error,
      );
    };
    server.once('error', failed);
    server.listen(port, '0.0.0.0', () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/** How often files sent in the chat that nothing uses are looked for. */
const fileSweepIntervalMs = 60 * 60 * 1000;

export function createApp(config: Config, options: AppOptions = {}): App {
  const logger = options.logger ?? createLogger(config.logLevel);
  const server = createHttpServer(logger);
  let database: Database | undefined;
  let domainServices: DomainServices | undefined;
  let directLine: DirectLineChannel | undefined;
  let slackSandbox: SlackSandbox | undefined;
  let sms: SmsChannel | undefined;
  let twilioSandbox: TwilioSandbox | undefined;
  let stripeSandbox: StripeSandbox | undefined;
  /** Stops the relay and the dispatcher. */
  let background: (() => Promise<void>) | undefined;
  let fileSweep: NodeJS.Timeout | undefined;
  let baseUrl = appBaseUrl(config);
  /** This process on loopback: where the local stand-ins (SMS, Slack) post back to the app. */
  let localUrl = `http://127.0.0.1:${config.port}`;
  let ready = false;
  // The port is bound before the parts are built; requests arriving in between are told to retry.
  server.pre((_req, res, next) => {
    if (ready) return next();
    res.header('retry-after', '1');
    next(new HttpError(503, 'starting', 'InsuraLink is starting; try again in a moment.'));
  });

  /** Builds every part on a connected database and registers the routes. */
  async function compose(db: Database): Promise<void> {
    // The knowledge base first: a broken article stops the start before anything else happens.
    const knowledge = createKnowledgeSource(await loadKnowledgeBase(knowledgeBaseDir()));
    // Payment links: the Stripe account when STRIPE_* is set, else the local stand-in with its own keys.
    stripeSandbox = config.stripe
      ? undefined
      : new StripeSandbox({
          pageUrl: () => baseUrl,
          webhookUrl: () => localUrl + stripeWebhookPath,
          logger,
        });
    await stripeSandbox?.listen();
    const stripe = config.stripe ?? {
      secretKey: stripeSandbox!.secretKey,
      webhookSecret: stripeSandbox!.webhookSecret,
    };
    const checkout = createStripeCheckout({
      secretKey: stripe.secretKey,
      apiBaseUrl: () => (stripeSandbox ? stripeSandbox.apiBaseUrl() : config.stripe?.apiBaseUrl),
      successUrl: () => `${baseUrl}/?payment=success`,
      cancelUrl: () => `${baseUrl}/?payment=cancelled`,
    });
    const { files, models, domain, secrets, seed } = await composeCore(
      db,
      config,
      logger,
      () => baseUrl,
      checkout,
      options.now,
    );
    domainServices = domain;

    if (config.demoData) {
      const seeded = await seed();
      if (seeded.seeded) logger.info({ counts: seeded.counts }, 'empty database: demo data loaded');
    }

    const llm = config.openai
      ? new OpenAILlmClient({
          apiKey: config.openai.apiKey,
          baseURL: config.openai.baseUrl,
          model: config.openai.model,
        })
      : undefined;
    logger.info(
      llm
        ? `OpenAI language features on (${config.openai!.model})`
        : 'OpenAI language features off: fully local',
    );

    const storage = new MongoStorage(db.connection);
    await storage.ensureIndexes();
    const bot = createBot({
      storage,
      services: domain,
      conversations: domain.conversations,
      recognizer: createRecognizer({ llm, logger }),
      knowledge,
      answerer: llm && new GroundedAnswerer({ knowledge, llm, logger }),
      files,
      logger,
      defaultTimeZone: config.reminders.defaultTimeZone,
    });

    const channel = await createDirectLineChannel({
      connection: db.connection,
      bot,
      files,
      secret: secrets.directLineSecret,
      baseUrl: () => baseUrl,
      logger,
      transcriptRetentionDays: config.transcriptRetentionDays,
      // Files are accepted only where a verified customer is talking to us.
      mayUpload: (conversationId) => domain.conversations.isLinked('directline', conversationId),
    });
    directLine = channel;
    channel.register(server);
    const azure = createAzureChannel({
      botFramework: config.botFramework,
      allowBotEmulator: config.allowBotEmulator,
      bot,
      logger,
    });
    azure.register(server);
    if (!config.botFramework) {
      logger.info(
        config.allowBotEmulator
          ? 'Azure Bot Service channels off (MicrosoftAppId unset); POST /api/messages serves the local Emulator only'
          : 'Azure Bot Service channels off (MicrosoftAppId unset); POST /api/messages refuses every request',
      );
    }
    const uploadLinks = new UploadLinks({ secret: secrets.fileUrlSecret, baseUrl: () => baseUrl });
    // Without Twilio credentials the SMS channel talks to the local stand-in, with its own credentials.
    const sandbox = config.twilio
      ? undefined
      : new TwilioSandbox({
          publicUrl: () => baseUrl,
          localUrl: () => localUrl,
          demoNumbers: async () =>
            config.demoData
              ? [
                  { label: `${demoCustomer.firstName} (demo customer)`, phone: demoCustomer.phone },
                  { label: 'Another demo customer', phone: '+15555550101' },
                  { label: 'Unknown number', phone: '+15555550199' },
                ]
              : [],
          logger,
        });
    twilioSandbox = sandbox;
    const twilio = config.twilio ?? {
      accountSid: sandbox!.accountSid,
      authToken: sandbox!.authToken,
      fromNumber: sandbox!.number,
    };
    const smsChannel = await createSmsChannel({
      connection: db.connection,
      bot,
      client: createTwilioClient({
        ...twilio,
        apiBaseUrl: () => (sandbox ? sandbox.apiBaseUrl() : config.twilio?.apiBaseUrl),
      }),
      authToken: twilio.authToken,
      baseUrl: () => baseUrl,
      consent: domain.consent,
      customers: domain.customers,
      files,
      claims: domain.claims,
      uploadLinks,
      mayUpload: (conversationId) => domain.conversations.isLinked('sms', conversationId),
      models,
      hashKey: createHmac('sha256', secrets.encryptionKey).update('insuralink.sms.conversations').digest(),
      logger,
    });
    sms = smsChannel;
    smsChannel.register(server);
    if (sandbox) {
      sandbox.register(server);
      logger.info('SMS channel on the local Twilio stand-in (TWILIO_* unset): the phone is at /sandbox/sms');
    }

    // The officers' Slack app: the real workspace when SLACK_* is set, else the local stand-in.
    slackSandbox = config.slack
      ? undefined
      : createSlackSandbox({
          users: async () => [
            ...demoOfficers.map((officer) => ({
              id: officer.slackUserId,
              name: officer.name,
              role: officer.role,
            })),
            { id: 'U0GUEST', name: 'Riley Guest', role: 'not an officer' },
          ],
          baseUrl: () => localUrl,
        });
    const workspace = slackSandbox
      ? { ...slackSandbox, apiUrl: slackSandbox.apiUrl }
      : { ...config.slack!, apiUrl: () => config.slack?.apiUrl };
    const slack = await createSlackChannel({
      botToken: workspace.botToken,
      signingSecret: workspace.signingSecret,
      apiUrl: workspace.apiUrl,
      ...(slackSandbox ? { filesUrl: slackSandbox.filesUrl } : {}),
      approvalsChannel: workspace.approvalsChannel,
      supportChannel: workspace.supportChannel,
      approvals: domain.approvals,
      requests: domain.requests,
      handoffs: domain.handoff,
      connection: db.connection,
      fileUrl: (id) => files.signedUrl(id),
      files,
      logger,
      ...(options.now ? { now: options.now } : {}),
    });
    slack.register(server);
    if (slackSandbox) {
      slackSandbox.register(server);
      logger.info('Slack officers app on the local stand-in (SLACK_* unset): /sandbox/slack');
    } else logger.info('Slack officers app on the Slack workspace');

    const mongo = db.connection.db;
    if (!mongo) throw new Error('database not connected');
    const reminderParts = { db: mongo, models, domain, settings: config.reminders, logger };
    const pacing = createSmsPacing(reminderParts);
    const senders = [channel.sender, smsChannel.sender];
    if (config.botFramework) senders.push(azureSender('azure', azure.adapter, config.botFramework.appId));
    const dispatcher = new Dispatcher({
      models,
      conversations: domain.conversations,
      senders,
      routes: [slack.sender],
      phones: { phoneOf: async (customerId) => (await domain.customers.getProfile(customerId)).phone },
      handoffs: domain.handoff,
      logger,
      maxAttempts: config.outboxMaxAttempts,
      concurrency: pacedConcurrency(config.reminders.smsRatePerSecond),
      deferUntil: (row) => pacing.deferUntil(row),
      ...(options.now ? { now: options.now } : {}),
    });
    domain.events.onEnqueue(() => dispatcher.wake());
    domain.events.start(relaySweepMs, (error) => logger.error({ err: error }, 'event relay sweep failed'));
    await domain.requests.resumeApprovals();
    dispatcher.start();
    const reminders = createReminderJob({ ...reminderParts, onQueued: () => dispatcher.wake() });
    reminders.start();
    if (!config.reminders.cron) logger.info('reminders off (REMINDER_CRON=off)');
    const handoffSla = createHandoffSlaJob({ db: mongo, handoffs: domain.handoff, logger });
    handoffSla.start();
    background = async () => {
      await handoffSla.stop();
      await reminders.stop();
      domain.events.stop();
      await dispatcher.stop();
    };

    registerStripeWebhook(server, { webhookSecret: stripe.webhookSecret, payments: domain.payments, logger });
    if (stripeSandbox) {
      stripeSandbox.register(server);
      logger.info('payments on the local Stripe stand-in (STRIPE_* unset): checkout pages at /sandbox/pay');
    } else logger.info('payments on Stripe');

    if (!config.widgetAllowedOrigins) {
      logger.info('the chat widget may be embedded by any website (WIDGET_ALLOWED_ORIGINS unset)');
    }
    registerWebRoutes(server, {
      issueConversationToken: (user) => channel.issueConversationToken(user),
      baseUrl: () => baseUrl,
      allowedOrigins: config.widgetAllowedOrigins,
      showDemoHint: config.demoData,
      limitTokens: channel.limitTokens,
    });
    registerFileRoutes(server, files);
    await registerUploadLinkRoutes(server, { links: uploadLinks, files, claims: domain.claims, db: mongo });
    registerHealth(server, db);

    const sweep = createUnattachedFileSweep({ db: db.connection.db! });
    fileSweep = setInterval(() => {
      sweep().then(
        (deleted) => deleted > 0 && logger.info({ deleted }, 'unattached chat files deleted'),
        (error: unknown) => logger.error({ err: error }, 'unattached file sweep failed'),
      );
    }, fileSweepIntervalMs).unref();
  }

  return {
    config,
    logger,
    server,
    get database() {
      if (!database) throw new Error('the app has not started');
      return database;
    },
    get slackSandbox() {
      return slackSandbox;
    },
    get domain() {
      if (!domainServices) throw new Error('the app has not started');
      return domainServices;
    },
    get twilioSandbox() {
      return twilioSandbox;
    },
    get stripeSandbox() {
      return stripeSandbox;
    },

    async start() {
      // The port first: when it is taken, fail before anything is written to DATA_DIR.
      await listen(server, config.port);
      const { port } = server.address() as AddressInfo;
      baseUrl = appBaseUrl(config, port);
      localUrl = `http://127.0.0.1:${port}`;
      database = await connectDatabase(
        { mongodbUri: config.mongodbUri, dataDir: config.dataDir, inMemory: options.inMemoryDatabase },
        logger,
      );
      await compose(database);
      ready = true;
      logger.info({ url: baseUrl }, 'InsuraLink is listening');
      return baseUrl;
    },

    async stop() {
      clearInterval(fileSweep);
      const http = server.server;
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      const force = setTimeout(() => http.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
      await background?.();
      await directLine?.close();
      await sms?.close();
      await twilioSandbox?.close();
      await stripeSandbox?.close();
      await closed;
      clearTimeout(force);
      await database?.stop();
      logger.info('InsuraLink stopped');
    },
  };
}

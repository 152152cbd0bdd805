/**
 * `POST /api/messages`: the Bot Framework connector endpoint that Azure Bot Service channels call. The
 * request is authenticated by the SDK's standard Bot Framework authentication from the MicrosoftApp*
 * settings, on every request. Without credentials the SDK accepts unsigned requests (its Emulator mode)
 * and sends replies unsigned to the request's `serviceUrl`; we accept those only when that URL is on
 * this machine, so nobody can make the server post to an address of their choosing.
 */
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { turnErrorHandler } from '../../bot/turn-error.js';
import type { Config } from '../../config.js';
import { jsonBody } from '../../http/body.js';
import { HttpError } from '../../http/errors.js';
import type { Logger } from '../../log.js';
import type { Bot } from '../directline/index.js';

/** Options of {@link createAzureChannel}. */
export interface AzureChannelOptions {
  /** `config.botFramework`: the MicrosoftApp* credentials, or null when none are set. */
  botFramework: Config['botFramework'];
  bot: Bot;
  logger: Logger;
}

/** The Bot Framework connector channel. */
export interface AzureChannel {
  /** The adapter, for middleware and proactive messages (`continueConversationAsync`). */
  readonly adapter: CloudAdapter;
  /** Adds `POST /api/messages` to `server`. */
  register(server: Server): void;
}

/** Connector activities are large at most a few hundred KB (cards); anything bigger is refused. */
const maxBodyBytes = 1024 * 1024;

const activitySchema = z.looseObject({
  type: z.string().min(1),
  serviceUrl: z.string().optional(),
  conversation: z.looseObject({ id: z.string() }).optional(),
});

/** The SDK keeps `processActivity` (which returns invoke responses) protected; this only exposes it. */
class ConnectorAdapter extends CloudAdapter {
  run(
    authentication: Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>>,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return this.processActivity(authentication, activity, logic);
  }
}

export function createAzureChannel(options: AzureChannelOptions): AzureChannel {
  const credentials = options.botFramework;
  const authentication = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: credentials?.appId ?? '',
    MicrosoftAppPassword: credentials?.appPassword ?? '',
    MicrosoftAppType: credentials?.appType ?? 'MultiTenant',
    MicrosoftAppTenantId: credentials?.tenantId ?? '',
  });
  const adapter = new ConnectorAdapter(authentication);
  const { logger, bot } = options;
  adapter.onTurnError = turnErrorHandler(logger);

  return {
    adapter,
    register(server) {
      server.post(
        '/api/messages',
        ...jsonBody({ maxBytes: maxBodyBytes }),
        async (req: Request, res: Response) => {
          const activity = activitySchema.parse(req.body) as unknown as Activity;
          if (!credentials && !isLoopback(activity.serviceUrl)) {
            throw new HttpError(
              401,
              'unauthorized',
              'Without Bot Framework credentials only a local Emulator may call.',
            );
          }
          const authenticated = await authentication
            .authenticateRequest(activity, req.headers.authorization ?? '')
            .catch((error: unknown) => {
              throw refusal(error);
            });
          const invokeResponse = await adapter.run(authenticated, activity, (context) => bot.run(context));
          if (invokeResponse) res.send(invokeResponse.status, invokeResponse.body);
          else res.send(200);
        },
      );
    },
  };
}

/** The SDK's AuthenticationError carries the status to answer with (401, or 400 for a malformed header). */
function refusal(error: unknown): unknown {
  const status = error instanceof Error ? (error as { statusCode?: unknown }).statusCode : undefined;
  if (typeof status !== 'number' || status < 400 || status >= 500) return error;
  return new HttpError(
    status,
    status === 401 ? 'unauthorized' : 'bad_request',
    error instanceof Error ? error.message : '',
  );
}

function isLoopback(serviceUrl: string | undefined): boolean {
  if (!serviceUrl || !URL.canParse(serviceUrl)) return false;
  const { hostname } = new URL(serviceUrl);
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

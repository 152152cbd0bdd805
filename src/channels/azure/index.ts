/**
 * `POST /api/messages`: the Bot Framework connector endpoint that Azure Bot Service channels call.
 *
 * With the MicrosoftApp* credentials set, every request is authenticated by the SDK's standard Bot
 * Framework authentication (the channel's signed JWT, its issuer, the bot's app id as audience), and the
 * activity's `serviceUrl`, where the replies go, must be the one the token was issued for.
 *
 * Without credentials the SDK would accept unsigned requests and post replies unsigned to any `serviceUrl`
 * the body names, so every request is refused, unless `BOT_EMULATOR=allow` lets the local Bot Framework
 * Emulator in: then only callers whose TCP peer is this machine, with a `serviceUrl` on this machine.
 *
 * Turns of this channel carry the channel source `azure`, whatever `channelId` the activity names: a
 * connector caller naming `directline` and a web conversation's id reaches a state of its own.
 */
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { channelSourceMiddleware } from '../../bot/channel-source.js';
import { turnErrorHandler } from '../../bot/turn-error.js';
import type { Config } from '../../config.js';
import { jsonBody } from '../../http/body.js';
import { HttpError } from '../../http/errors.js';
import type { Logger } from '../../log.js';
import type { Bot } from '../directline/index.js';
import { isLoopbackAddress, isLoopbackUrl } from './loopback.js';

/** botframework-connector's factory of reply credentials (botbuilder does not re-export the type). */
export type ServiceClientCredentialsFactory = NonNullable<
  ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[1]
>;

type AuthenticateRequestResult = Awaited<
  ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>
>;

/** The claim naming the connector a channel token was issued for (the SDK's `ServiceUrlClaim`). */
const serviceUrlClaim = 'serviceurl';
/** Where Microsoft Entra ID publishes the keys of Emulator tokens, in every cloud. */
const emulatorOpenIdMetadataUrl =
  'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration';

/** Options of {@link createAzureChannel}. */
export interface AzureChannelOptions {
  /** `config.botFramework`: the MicrosoftApp* credentials (and cloud), or null when none are set. */
  botFramework: Config['botFramework'];
  /** `config.allowBotEmulator`: without credentials, serve the local Emulator rather than refuse all. */
  allowBotEmulator: boolean;
  /**
   * How the bot obtains the bearer tokens of its replies; by default the SDK's factory over the
   * MicrosoftApp* settings (app password from Microsoft Entra ID).
   */
  credentialsFactory?: ServiceClientCredentialsFactory;
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
    authentication: AuthenticateRequestResult,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return this.processActivity(authentication, activity, logic);
  }
}

export function createAzureChannel(options: AzureChannelOptions): AzureChannel {
  const credentials = options.botFramework;
  const authentication = new ConfigurationBotFrameworkAuthentication(
    authenticationSettings(credentials),
    options.credentialsFactory,
  );
  const adapter = new ConnectorAdapter(authentication);
  const { logger, bot } = options;
  adapter.use(channelSourceMiddleware('azure'));
  adapter.onTurnError = turnErrorHandler(logger);

  async function authenticate(req: Request, activity: Activity): Promise<AuthenticateRequestResult> {
    if (!credentials) {
      if (!options.allowBotEmulator) {
        throw new HttpError(
          401,
          'unauthorized',
          'Bot Framework credentials are not configured: set MicrosoftAppId and MicrosoftAppPassword, or BOT_EMULATOR=allow for the local Emulator.',
        );
      }
      if (!isLoopbackAddress(req.socket.remoteAddress) || !isLoopbackUrl(activity.serviceUrl)) {
        throw new HttpError(
          401,
          'unauthorized',
          'Without Bot Framework credentials only the Emulator on this machine, with a serviceUrl on this machine, may call.',
        );
      }
    }
    const authenticated = await authentication
      .authenticateRequest(activity, req.headers.authorization ?? '')
      .catch((error: unknown) => {
        throw refusal(error);
      });
    if (credentials) {
      // The SDK compares the claim only when the activity names a serviceUrl, and Emulator tokens carry
      // none: replies go only where the caller's token says they may.
      const claimed = authenticated.claimsIdentity.getClaimValue(serviceUrlClaim);
      if (!claimed || claimed !== activity.serviceUrl) {
        throw new HttpError(403, 'forbidden', 'The serviceUrl is not the one the token was issued for.');
      }
    }
    return authenticated;
  }

  return {
    adapter,
    register(server) {
      server.post(
        '/api/messages',
        ...jsonBody({ maxBytes: maxBodyBytes }),
        async (req: Request, res: Response) => {
          const activity = activitySchema.parse(req.body) as unknown as Activity;
          const authenticated = await authenticate(req, activity);
          const invokeResponse = await adapter.run(authenticated, activity, (context) => bot.run(context));
          if (invokeResponse) res.send(invokeResponse.status, invokeResponse.body);
          else res.send(200);
        },
      );
    },
  };
}

/** The SDK's settings: credentials, and for a cloud other than public Azure all of its endpoints. */
function authenticationSettings(
  credentials: Config['botFramework'],
): ConfigurationBotFrameworkAuthenticationOptions {
  const settings: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: credentials?.appId ?? '',
    MicrosoftAppPassword: credentials?.appPassword ?? '',
    MicrosoftAppType: credentials?.appType ?? 'MultiTenant',
    MicrosoftAppTenantId: credentials?.tenantId ?? '',
  };
  const cloud = credentials?.cloud;
  if (!cloud) return settings;
  return {
    ...settings,
    ToBotFromChannelOpenIdMetadataUrl: cloud.toBotFromChannelOpenIdMetadataUrl,
    ToBotFromChannelTokenIssuer: cloud.toBotFromChannelTokenIssuer,
    ToChannelFromBotLoginUrl: cloud.toChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: cloud.toChannelFromBotOAuthScope,
    OAuthUrl: cloud.oAuthUrl,
    // The SDK takes a custom cloud as complete; Emulator tokens are always Microsoft Entra ID's.
    ToBotFromEmulatorOpenIdMetadataUrl: emulatorOpenIdMetadataUrl,
  };
}

/** Errors of `jsonwebtoken`, which the SDK lets through when a token's signature or claims are wrong. */
const tokenErrorNames = new Set(['JsonWebTokenError', 'NotBeforeError', 'TokenExpiredError']);

/**
 * The SDK's AuthenticationError carries the status to answer with (401, or 400 for a malformed header);
 * a token that fails verification is a 401 too. Anything else (the issuer's keys unreachable) is ours.
 */
function refusal(error: unknown): unknown {
  if (error instanceof Error && tokenErrorNames.has(error.name)) {
    return new HttpError(401, 'unauthorized', `The token is not valid: ${error.message}.`);
  }
  const status = error instanceof Error ? (error as { statusCode?: unknown }).statusCode : undefined;
  if (typeof status !== 'number' || status < 400 || status >= 500) return error;
  return new HttpError(
    status,
    status === 401 ? 'unauthorized' : 'bad_request',
    error instanceof Error ? error.message : '',
  );
}

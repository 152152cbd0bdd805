/**
 * A local stand-in of the Bot Framework services a bot talks to, on 127.0.0.1:
 *
 * - the channel token issuer: OpenID metadata and JWKS (RSA keys with channel endorsements, as the real
 *   service publishes them), and channel tokens signed with those keys;
 * - the bot's token service: an OAuth 2.0 client-credentials endpoint that checks the app id and
 *   password and hands out bearer tokens for replies;
 * - the Bot Connector: records the replies the bot posts to its `serviceUrl`, with their Authorization.
 *
 * The app's `ConfigurationBotFrameworkAuthentication` is pointed at it through the SDK's own cloud
 * settings (`cloud`), the same ones a sovereign or private cloud is configured with.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, createLocalJWKSet, type CryptoKey } from 'jose';
import type { ServiceClientCredentialsFactory } from '../../src/channels/azure/index.js';
import type { BotFrameworkCloud } from '../../src/config.js';

/** A reply the bot posted to the connector. */
export interface ConnectorReply {
  path: string;
  authorization: string | undefined;
  body: { type?: string; text?: string; [key: string]: unknown };
}

/** What a channel token says; every field has a valid default. */
export interface ChannelTokenClaims {
  /** `aud`: the bot's app id. */
  audience: string;
  /** `serviceurl`: where the bot may reply. */
  serviceUrl: string;
  issuer?: string;
  /** Seconds from now; negative for a token already expired. */
  expiresIn?: number;
}

export interface FakeBotFramework {
  /** The stand-in's base URL; also the `serviceUrl` its connector answers on. */
  readonly url: string;
  /** The SDK settings of this cloud. */
  readonly cloud: BotFrameworkCloud;
  readonly replies: ConnectorReply[];
  /** A channel token signed with the published key. */
  channelToken(claims: ChannelTokenClaims): Promise<string>;
  /** A token with the published key id, signed with a key the stand-in never published. */
  forgedToken(claims: ChannelTokenClaims): Promise<string>;
  /**
   * Reply credentials for `appId`: tokens from this stand-in's token service by the client-credentials
   * grant, as Microsoft Entra ID hands them out (MSAL, which the SDK uses, only talks to https authorities).
   */
  credentialsFactory(appId: string, password: string): ServiceClientCredentialsFactory;
  /** Whether `authorization` carries a bearer token this stand-in issued for `appId`. */
  isBotToken(authorization: string | undefined, appId: string): Promise<boolean>;
  stop(): Promise<void>;
}

type Credentials = Awaited<ReturnType<ServiceClientCredentialsFactory['createCredentials']>>;
type WebResource = Parameters<Credentials['signRequest']>[0];

const keyId = 'stand-in-key-1';
/** The channels the real service's keys are endorsed for, among them those the tests name. */
const endorsements = ['msteams', 'webchat', 'directline', 'emulator', 'slack', 'sms'];
const tenant = 'botframework.com';
const scope = 'https://api.botframework.com';

export async function startFakeBotFramework(options: {
  appId: string;
  appPassword: string;
}): Promise<FakeBotFramework> {
  const signing = await generateKeyPair('RS256', { extractable: true });
  const stranger = await generateKeyPair('RS256');
  const publicJwk = { ...(await exportJWK(signing.publicKey)), kid: keyId, use: 'sig', alg: 'RS256' };
  const jwks = createLocalJWKSet({ keys: [publicJwk] });
  const replies: ConnectorReply[] = [];
  let url = '';
  const channelIssuer = () => `${url}/channel-issuer`;
  const loginIssuer = () => `${url}/${tenant}/v2.0`;

  async function sign(key: CryptoKey, claims: ChannelTokenClaims): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ serviceurl: claims.serviceUrl, ver: '1.0' })
      .setProtectedHeader({ alg: 'RS256', kid: keyId, typ: 'JWT' })
      .setIssuer(claims.issuer ?? channelIssuer())
      .setAudience(claims.audience)
      .setIssuedAt(now - 60)
      .setNotBefore(now - 60)
      .setExpirationTime(now + (claims.expiresIn ?? 3600))
      .sign(key);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const path = req.url ?? '/';
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.method === 'GET' && path === '/v1/.well-known/openidconfiguration') {
      return send(200, {
        issuer: channelIssuer(),
        jwks_uri: `${url}/v1/.well-known/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
    }
    if (req.method === 'GET' && path === '/v1/.well-known/keys') {
      return send(200, { keys: [{ ...publicJwk, endorsements }] });
    }
    if (req.method === 'POST' && path === `/${tenant}/oauth2/v2.0/token`) {
      const form = new URLSearchParams(body);
      if (
        form.get('grant_type') !== 'client_credentials' ||
        form.get('client_id') !== options.appId ||
        form.get('client_secret') !== options.appPassword
      ) {
        return send(401, { error: 'invalid_client' });
      }
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ appid: options.appId, scp: form.get('scope') ?? '' })
        .setProtectedHeader({ alg: 'RS256', kid: keyId, typ: 'JWT' })
        .setIssuer(loginIssuer())
        .setAudience(scope)
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .sign(signing.privateKey);
      return send(200, { token_type: 'Bearer', expires_in: 3600, access_token: token });
    }
    if (req.method === 'POST' && path.startsWith('/v3/conversations/')) {
      replies.push({
        path,
        authorization: req.headers.authorization,
        body: JSON.parse(body) as ConnectorReply['body'],
      });
      return send(200, { id: `reply-${replies.length}` });
    }
    send(404, { error: 'not found' });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function fetchToken(appId: string, password: string): Promise<string> {
    const response = await fetch(`${url}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: appId,
        client_secret: password,
        scope: `${scope}/.default`,
      }),
    });
    if (!response.ok) throw new Error(`token service refused: ${response.status}`);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  return {
    url,
    cloud: {
      toBotFromChannelOpenIdMetadataUrl: `${url}/v1/.well-known/openidconfiguration`,
      toBotFromChannelTokenIssuer: channelIssuer(),
      toChannelFromBotLoginUrl: `${url}/${tenant}`,
      toChannelFromBotOAuthScope: scope,
      oAuthUrl: `${url}/oauth`,
    },
    replies,
    channelToken: (claims) => sign(signing.privateKey, claims),
    forgedToken: (claims) => sign(stranger.privateKey, claims),
    credentialsFactory(appId, password) {
      return {
        isValidAppId: async (id: string) => id === appId,
        isAuthenticationDisabled: async () => false,
        async createCredentials(id: string): Promise<Credentials> {
          if (id !== appId) throw new Error('Invalid appId.');
          return {
            async signRequest(resource: WebResource): Promise<WebResource> {
              resource.headers.set('authorization', `Bearer ${await fetchToken(appId, password)}`);
              return resource;
            },
          };
        },
      };
    },
    async isBotToken(authorization, appId) {
      const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
      if (!token) return false;
      try {
        const { payload } = await jwtVerify(token, jwks, { issuer: loginIssuer(), audience: scope });
        return payload.appid === appId;
      } catch {
        return false;
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A fresh app id, so tokens cached by the SDK (per app id) never cross tests. */
export function newAppId(): string {
  return randomUUID();
}

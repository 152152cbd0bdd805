/**
 * The one wrapper around the `twilio` SDK: sending messages (with a status callback), fetching and
 * deleting an inbound message's media, and checking webhook signatures. Typed inputs, plain outputs.
 *
 * The SDK builds every URL on `https://api.twilio.com` (its `edge`/`region` options only pick another
 * `*.twilio.com` host), so a stand-in is reached through the SDK's own extension point: a custom
 * `httpClient`, which swaps each request's origin for the base URL.
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import twilio from 'twilio';
import { readCapped, type DownloadedFile } from '../../files/download.js';

/** The API origin the SDK builds its URLs on. */
const twilioApiOrigin = 'https://api.twilio.com';

/** A message Twilio accepted. */
export interface SentSms {
  sid: string;
  status: string;
}

/** A media file of an inbound MMS. */
export type FetchedMedia = DownloadedFile;

/** Thrown when Twilio refuses a send; `code` is Twilio's error code (21610: the number opted out). */
export class SmsSendError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
  ) {
    super(message);
    this.name = 'SmsSendError';
  }
}

/** What the SMS channel needs from Twilio. */
export interface SmsClient {
  /** Sends `body` to `to` from the configured number or messaging service. */
  send(input: { to: string; body: string; statusCallback: string }): Promise<SentSms>;
  /**
   * Downloads a `MediaUrlN` of an inbound message with the account's credentials; only URLs of this
   * account's messages on the configured API are fetched (never an address a request chose).
   */
  fetchMedia(mediaUrl: string, maxBytes: number): Promise<FetchedMedia>;
  /** Deletes a media file from Twilio once it is stored here. */
  deleteMedia(mediaUrl: string): Promise<void>;
}

/** Options of {@link createTwilioClient}. */
export interface TwilioClientOptions {
  accountSid: string;
  authToken: string;
  messagingServiceSid?: string;
  fromNumber?: string;
  /** `TWILIO_API_BASE_URL`: a stand-in instead of api.twilio.com (resolved per request). */
  apiBaseUrl?: () => string | undefined;
}

type RequestOptions = Parameters<twilio.RequestClient['request']>[0];

/**
 * The SDK's HTTP client, on Node's own `http`/`https` with kept-alive connections: the SDK's default
 * goes through axios, which costs about three times the CPU per message, and every reply of the bot is
 * one. Same contract (the SDK parses the body and raises Twilio's errors), and requests to
 * api.twilio.com go to the stand-in's base URL when one is set.
 */
class NodeRequestClient {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };

  constructor(private readonly base: () => string | undefined) {}

  async request<TData>(opts: RequestOptions & { data?: TData }) {
    const base = this.base();
    const url = new URL(
      base && opts.uri.startsWith(twilioApiOrigin) ? base + opts.uri.slice(twilioApiOrigin.length) : opts.uri,
    );
    for (const [name, value] of formEntries(opts.params)) url.searchParams.append(name, value);
    const headers: Record<string, string | number> = { ...(opts.headers as Record<string, string>) };
    if (opts.username && opts.password) {
      headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
    } else if (opts.authStrategy) {
      headers.Authorization = await opts.authStrategy.getAuthString();
    }
    const body = opts.data === undefined ? undefined : formBody(opts.data, headers);
    if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
    const protocol = url.protocol === 'http:' ? 'http:' : 'https:';
    return new Promise<{ statusCode: number; body: string; headers: http.IncomingHttpHeaders }>(
      (resolve, reject) => {
        const request = (protocol === 'http:' ? http : https).request(
          url,
          {
            method: opts.method.toUpperCase(),
            headers,
            agent: this.agents[protocol],
            timeout: opts.timeout ?? requestTimeoutMs,
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('error', reject);
            response.on('end', () =>
              resolve({
                statusCode: response.statusCode ?? 0,
                body: Buffer.concat(chunks).toString('utf8'),
                headers: response.headers,
              }),
            );
          },
        );
        request.on('timeout', () => request.destroy(new Error('Twilio did not answer in time')));
        request.on('error', reject);
        request.end(body);
      },
    );
  }
}

/** How long a request to Twilio may take (the SDK's default). */
const requestTimeoutMs = 30_000;

/** Name-value pairs of the SDK's params or form data, arrays repeated as Twilio expects. */
function formEntries(values: unknown): [string, string][] {
  if (typeof values !== 'object' || values === null) return [];
  return Object.entries(values).flatMap(([name, value]) =>
    value === undefined
      ? []
      : (Array.isArray(value) ? value : [value]).map((one): [string, string] => [name, String(one)]),
  );
}

function formBody(data: unknown, headers: Record<string, string | number>): string {
  if (headers['Content-Type'] === 'application/json') return JSON.stringify(data);
  return new URLSearchParams(formEntries(data)).toString();
}

export function createTwilioClient(options: TwilioClientOptions): SmsClient {
  const base = options.apiBaseUrl ?? (() => undefined);
  const client = twilio(options.accountSid, options.authToken, {
    // The SDK calls only `request`; the rest of its RequestClient (axios, logging) goes unused.
    httpClient: new NodeRequestClient(base) as unknown as twilio.RequestClient,
  });
  const mediaPrefix = () =>
    `${base() ?? twilioApiOrigin}/2010-04-01/Accounts/${options.accountSid}/Messages/`;
  const mediaPath = (mediaUrl: string) => {
    const prefix = mediaPrefix();
    const match = mediaUrl.startsWith(prefix)
      ? /^(MM[0-9a-fA-F]{32})\/Media\/(ME[0-9a-fA-F]{32})$/.exec(mediaUrl.slice(prefix.length))
      : null;
    if (!match) throw new Error('the media URL is not one of this account on the configured API');
    return { messageSid: match[1]!, mediaSid: match[2]! };
  };
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;

  return {
    async send({ to, body, statusCallback }) {
      try {
        const message = await client.messages.create({
          to,
          body,
          statusCallback,
          ...(options.messagingServiceSid
            ? { messagingServiceSid: options.messagingServiceSid }
            : { from: options.fromNumber }),
        });
        return { sid: message.sid, status: message.status };
      } catch (error) {
        const code =
          typeof (error as { code?: unknown }).code === 'number'
            ? (error as { code: number }).code
            : undefined;
        throw new SmsSendError(error instanceof Error ? error.message : String(error), code);
      }
    },

    async fetchMedia(mediaUrl, maxBytes) {
      mediaPath(mediaUrl);
      return readCapped(await fetch(mediaUrl, { headers: { authorization } }), maxBytes, 'the photo');
    },

    async deleteMedia(mediaUrl) {
      const { messageSid, mediaSid } = mediaPath(mediaUrl);
      await client.messages(messageSid).media(mediaSid).remove();
    },
  };
}

/**
 * True when `signature` (`X-Twilio-Signature`) is Twilio's signature of `url` (the public URL Twilio
 * called, query included) and the form `params`, under `authToken`.
 */
export function isTwilioSignature(
  authToken: string,
  signature: string,
  url: string,
  params: Record<string, string>,
): boolean {
  // The URL exactly as configured is what Twilio signs: checked first, it spares the validator's other
  // spellings (it tries the URL without its port first, which misses whenever the public URL has one).
  const expected = Buffer.from(twilio.getExpectedTwilioSignature(authToken, url, params));
  const given = Buffer.from(signature);
  if (given.length === expected.length && timingSafeEqual(given, expected)) return true;
  return twilio.validateRequest(authToken, signature, url, params);
}

/** The signature Twilio puts on a webhook request (the stand-in signs its webhooks with it). */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

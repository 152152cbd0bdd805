/**
 * The app's one client of Twilio: sending messages (with a status callback), fetching and deleting an
 * inbound message's media, and checking webhook signatures (with the `twilio` package's own functions).
 *
 * The REST calls are plain form posts on Node's `http`/`https` with kept-alive connections, to
 * `https://api.twilio.com` or to `TWILIO_API_BASE_URL` (a stand-in). Every reply of the bot is one
 * call, and the SDK's layers around a call (its request objects and the resource it builds from each
 * answer) cost about twice the CPU of the call itself; the channel needs only the answer's sid and status.
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import twilio from 'twilio';
import { z } from 'zod';
import { readCapped, type DownloadedFile } from '../../files/download.js';

/** Twilio's REST API. */
const twilioApiOrigin = 'https://api.twilio.com';
const apiVersion = '2010-04-01';

/** A message Twilio accepted. */
export interface SentSms {
  sid: string;
  status: string;
}

/** A media file of an inbound MMS. */
export type FetchedMedia = DownloadedFile;

/**
 * Thrown when a call to Twilio fails; `code` is Twilio's error code when Twilio refused it (21610: the
 * number opted out), undefined when Twilio could not be reached or its answer was not one of its own.
 */
export class TwilioApiError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
  ) {
    super(message);
    this.name = 'TwilioApiError';
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

/** The part of Twilio's answers the channel reads: a created message, or a refusal. */
const createdSchema = z.object({ sid: z.string().min(1), status: z.string() });
const refusalSchema = z.object({ code: z.number().int(), message: z.string() });

/** How long a call to Twilio may take. */
const requestTimeoutMs = 30_000;

export function createTwilioClient(options: TwilioClientOptions): SmsClient {
  // A base URL given with a trailing slash names the same API.
  const base = () => (options.apiBaseUrl?.() ?? twilioApiOrigin).replace(/\/+$/, '');
  const account = `/${apiVersion}/Accounts/${options.accountSid}`;
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const sender: Record<string, string> = options.messagingServiceSid
    ? { MessagingServiceSid: options.messagingServiceSid }
    : { From: options.fromNumber ?? '' };

  /** One call on the account's resources; resolves with the answer's JSON (undefined for 204). */
  const call = (method: 'POST' | 'DELETE', path: string, form?: Record<string, string>) => {
    const url = new URL(base() + account + path);
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const headers: Record<string, string | number> = { authorization, accept: 'application/json' };
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const secure = url.protocol === 'https:';
    return new Promise<unknown>((resolve, reject) => {
      const request = (secure ? https : http).request(
        url,
        { method, headers, agent: secure ? agents.https : agents.http, timeout: requestTimeoutMs },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            const answer = text ? parseAnswer(text) : undefined;
            if (status >= 200 && status < 300) resolve(answer);
            else reject(twilioError(status, answer));
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error('Twilio did not answer in time')));
      request.on('error', (error) => reject(new TwilioApiError(error.message, undefined)));
      request.end(body);
    });
  };

  const mediaPath = (mediaUrl: string) => {
    const prefix = `${base()}${account}/Messages/`;
    const match = mediaUrl.startsWith(prefix)
      ? /^(MM[0-9a-fA-F]{32})\/Media\/(ME[0-9a-fA-F]{32})$/.exec(mediaUrl.slice(prefix.length))
      : null;
    if (!match) throw new Error('the media URL is not one of this account on the configured API');
    return `/Messages/${match[1]!}/Media/${match[2]!}`;
  };

  return {
    async send({ to, body, statusCallback }) {
      const answer = await call('POST', '/Messages.json', {
        To: to,
        ...sender,
        Body: body,
        StatusCallback: statusCallback,
      });
      const message = createdSchema.safeParse(answer);
      if (!message.success) throw new TwilioApiError("Twilio's answer is not a message", undefined);
      return { sid: message.data.sid, status: message.data.status };
    },

    async fetchMedia(mediaUrl, maxBytes) {
      mediaPath(mediaUrl);
      return readCapped(await fetch(mediaUrl, { headers: { authorization } }), maxBytes, 'the photo');
    },

    async deleteMedia(mediaUrl) {
      // The resource, named with Twilio's `.json` suffix as its own clients name it.
      await call('DELETE', `${mediaPath(mediaUrl)}.json`);
    },
  };
}

function parseAnswer(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Twilio's refusal (`{ code, message }`), or the status alone for an answer that is not Twilio's. */
function twilioError(status: number, answer: unknown): TwilioApiError {
  const refusal = refusalSchema.safeParse(answer);
  return refusal.success
    ? new TwilioApiError(refusal.data.message, refusal.data.code)
    : new TwilioApiError(`Twilio answered ${status}`, undefined);
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

/**
 * The one wrapper around the `twilio` SDK: sending messages (with a status callback), fetching and
 * deleting an inbound message's media, and checking webhook signatures. Typed inputs, plain outputs.
 *
 * The SDK builds every URL on `https://api.twilio.com` (its `edge`/`region` options only pick another
 * `*.twilio.com` host), so a stand-in is reached through the SDK's own extension point: a custom
 * `httpClient`, here the SDK's `RequestClient` with each request's origin swapped for the base URL.
 */
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

/** The SDK's request client, sending to another base URL. */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(private readonly base: () => string | undefined) {
    super();
  }

  override request<TData>(opts: Parameters<twilio.RequestClient['request']>[0] & { data?: TData }) {
    const base = this.base();
    const uri =
      base && opts.uri.startsWith(twilioApiOrigin) ? base + opts.uri.slice(twilioApiOrigin.length) : opts.uri;
    return super.request<TData>({ ...opts, uri });
  }
}

export function createTwilioClient(options: TwilioClientOptions): SmsClient {
  const base = options.apiBaseUrl ?? (() => undefined);
  const client = twilio(options.accountSid, options.authToken, {
    httpClient: new RebasedRequestClient(base),
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
  return twilio.validateRequest(authToken, signature, url, params);
}

/** The signature Twilio puts on a webhook request (the stand-in signs its webhooks with it). */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

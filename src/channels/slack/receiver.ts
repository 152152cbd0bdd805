/**
 * A Bolt receiver on the bot's own restify server: `POST /api/slack/events` takes events,
 * interactivity, slash commands and options alike. The raw body goes to Bolt's own verification
 * (`X-Slack-Signature`, v0, within five minutes of `X-Slack-Request-Timestamp`) on every request; one
 * that fails it is answered 401 and never reaches a listener. The response is sent when a listener
 * acknowledges, so listeners ack first and work after.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  HTTPModuleFunctions,
  HTTPResponseAck,
  type App,
  type Logger as BoltLogger,
  type Receiver,
  type ReceiverEvent,
} from '@slack/bolt';
import type { Logger } from '../../log.js';

/** Options of {@link RestifyReceiver}. */
export interface RestifyReceiverOptions {
  signingSecret: string;
  logger: Logger;
  boltLogger: BoltLogger;
}

export class RestifyReceiver implements Receiver {
  private app: App | undefined;

  constructor(private readonly options: RestifyReceiverOptions) {}

  init(app: App): void {
    this.app = app;
  }

  /** The server is the app's: nothing to start or stop here. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /** Serves one request to `POST /api/slack/events`; resolves once every listener has finished. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.app) throw new Error('the receiver has no Bolt app');
    let buffered;
    try {
      buffered = await HTTPModuleFunctions.parseAndVerifyHTTPRequest(
        { signingSecret: this.options.signingSecret, logger: this.options.boltLogger },
        req,
      );
    } catch (error) {
      if (HTTPModuleFunctions.isRawBodyError(error)) {
        return reply(
          res,
          error.statusCode === 413 ? 413 : 400,
          'bad_request',
          'The request body could not be read.',
        );
      }
      return reply(res, 401, 'invalid_signature', 'The request is not signed by Slack.');
    }
    let body: Record<string, unknown>;
    try {
      body = HTTPModuleFunctions.parseHTTPRequestBody(buffered) as Record<string, unknown>;
    } catch {
      return reply(res, 400, 'bad_request', 'The request body is not a Slack payload.');
    }
    if (typeof body !== 'object' || body === null) {
      return reply(res, 400, 'bad_request', 'The request body is not a Slack payload.');
    }
    if (body.ssl_check) return HTTPModuleFunctions.buildSSLCheckResponse(res);
    if (body.type === 'url_verification') return HTTPModuleFunctions.buildUrlVerificationResponse(res, body);

    const ack = new HTTPResponseAck({
      logger: this.options.boltLogger,
      processBeforeResponse: false,
      httpRequest: buffered,
      httpRequestBody: body,
      httpResponse: res,
    });
    const event: ReceiverEvent = {
      body,
      ack: ack.bind(),
      retryNum: HTTPModuleFunctions.extractRetryNumFromHTTPRequest(req),
      retryReason: HTTPModuleFunctions.extractRetryReasonFromHTTPRequest(req),
      customProperties: {},
    };
    try {
      await this.app.processEvent(event);
    } catch (error) {
      this.options.logger.error({ err: error }, 'slack listener failed');
      if (!res.headersSent) reply(res, 500, 'internal', 'Something went wrong on our side.');
    }
  }
}

function reply(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message } }));
}

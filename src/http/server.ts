/**
 * The restify server every channel and API registers its routes on: request ids, access logs without
 * personal data, security headers, and JSON errors that never carry a stack trace.
 */
import restify, { type Server } from 'restify';
import type { Logger } from '../log.js';
import { describeError } from './errors.js';
import { registerSecurityHeaders } from './security-headers.js';

/** Options of {@link createHttpServer}. */
export interface HttpServerOptions {
  /** Default true; only the chat benchmark's baseline leaves them out, to measure what they cost. */
  securityHeaders?: boolean;
}

export function createHttpServer(logger: Logger, options: HttpServerOptions = {}): Server {
  const server = restify.createServer({ name: 'insuralink', handleUncaughtExceptions: false });
  server.pre((req, res, next) => {
    res.header('x-request-id', req.id());
    next();
  });
  if (options.securityHeaders ?? true) registerSecurityHeaders(server);
  server.use(restify.plugins.queryParser({ mapParams: false }));

  server.on('restifyError', (req, res, error: unknown, callback: () => void) => {
    const { status, body } = describeError(error);
    if (status >= 500) logger.error({ err: error, reqId: req.id() }, 'request failed');
    res.send(status, body);
    callback();
  });

  server.on('after', (req, res, route) => {
    logger.info(
      {
        reqId: req.id(),
        method: req.method,
        // The route pattern, not the URL: URLs can carry tokens or personal data.
        route: route?.path ?? '(no route)',
        status: res.statusCode,
        ms: Date.now() - req.time(),
      },
      'request',
    );
  });
  return server;
}

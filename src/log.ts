import { pino, type Logger } from 'pino';

export type { Logger };

/** An error as it appears in the log: what kind, where, and a message with its values masked. */
export interface LoggedError {
  type: string;
  message: string;
  stack?: string;
  code?: string | number;
  cause?: LoggedError;
}

/** How deep a chain of causes is followed; a cycle or a very long chain stops there. */
const maxCauseDepth = 5;

/**
 * Error messages quote what went wrong with (a duplicate key's value, a date that did not parse, an
 * address that bounced), so digits and e-mail addresses are masked and nothing but the name, message,
 * code, stack frames and cause is kept: errors carry extra properties (a dialog error its whole dialog
 * stack, with every value the customer typed) that must never reach the log.
 */
export function serializeError(error: unknown, depth = 0): LoggedError {
  if (!(error instanceof Error)) return { type: typeof error, message: '[not an Error]' };
  const type = error.constructor?.name || error.name || 'Error';
  const message = mask(error.message);
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  const logged: LoggedError = { type, message };
  if (frames.length) logged.stack = [`${type}: ${message}`, ...frames].join('\n');
  const code: unknown = (error as { code?: unknown }).code;
  if (typeof code === 'number' || (typeof code === 'string' && /^[\w.-]{1,64}$/.test(code))) {
    logged.code = code;
  }
  if (error.cause !== undefined && depth < maxCauseDepth)
    logged.cause = serializeError(error.cause, depth + 1);
  return logged;
}

function mask(text: string): string {
  return text.replace(/[^\s@"'<>()[\]{},;:]+@[^\s@"'<>()[\]{},;:]+/g, '[email]').replace(/\d/g, '#');
}

/**
 * The app's logger. Personal data never belongs in logs: errors go through {@link serializeError}, and
 * the redaction list is a safety net for fields that could slip in through request objects.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'insuralink' },
    serializers: { err: serializeError, error: serializeError },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-twilio-signature"]',
        'req.headers["x-slack-signature"]',
        '*.phone',
        '*.email',
        '*.dateOfBirth',
        '*.text',
        '*.Body',
        '*.From',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

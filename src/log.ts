import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The app's logger. Personal data never belongs in logs; the redaction list is a safety net for
 * fields that could slip in through request or error objects.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'insuralink' },
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
  });
}

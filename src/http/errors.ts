import { ZodError } from 'zod';
import { DomainError, type DomainErrorCode } from '../domain/errors.js';
import { FileRejectedError } from '../files/file-store.js';

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; fields?: { path: string; message: string }[] };
}

/** An error a handler raises on purpose, with the status and code the client should get. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const domainStatus: Record<DomainErrorCode, number> = {
  validation: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
};

/** Errors with a status of their own (restify's, body parsers'). */
interface StatusError extends Error {
  statusCode: number;
  body?: { code?: unknown };
}

function hasStatus(error: unknown): error is StatusError {
  return error instanceof Error && typeof (error as Partial<StatusError>).statusCode === 'number';
}

/**
 * Maps anything a handler threw to a status and a client-safe body. Unknown errors become a plain 500:
 * messages and stacks of unexpected errors stay in the log.
 */
export function describeError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof HttpError || error instanceof FileRejectedError) {
    return { status: error.status, body: { error: { code: error.code, message: error.message } } };
  }
  if (error instanceof DomainError) {
    return {
      status: domainStatus[error.code],
      body: { error: { code: error.code, message: error.message } },
    };
  }
  if (error instanceof ZodError) {
    const fields = error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    const names = fields.map((field) => field.path || '(body)').join(', ');
    return {
      status: 400,
      body: { error: { code: 'validation_failed', message: `Invalid request: ${names}`, fields } },
    };
  }
  if (hasStatus(error) && error.statusCode >= 400 && error.statusCode < 500) {
    const code = typeof error.body?.code === 'string' ? error.body.code : error.name.replace(/Error$/, '');
    return { status: error.statusCode, body: { error: { code: snakeCase(code), message: error.message } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'Something went wrong on our side.' } } };
}

function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
}

import type { z } from 'zod';

/** One structured-output request: the model must answer with a JSON object matching `schema`. */
export interface LlmRequest<T> {
  /** Instructions for the model. */
  system: string;
  /** The content to work on (a customer message, a question with its sources). */
  user: string;
  /**
   * The expected answer. Must be representable as a strict JSON schema: an object at the root, and
   * every field present (use `.nullable()` rather than `.optional()`).
   */
  schema: z.ZodType<T>;
  /** Name of the schema as the model sees it: letters, digits, `_` and `-`, at most 64 characters. */
  schemaName: string;
  /** Lets the caller give up early; the client's own deadline applies as well. */
  signal?: AbortSignal;
}

/** A language model that answers with validated structured output. The app's only view of a model. */
export interface LlmClient {
  /**
   * Asks the model and returns its answer parsed and validated by `request.schema`.
   * Rejects with an {@link LlmError} when the call fails; never returns unvalidated output. A schema that
   * strict mode cannot express is a programming error: it rejects with a plain `Error` before any request.
   */
  complete<T>(request: LlmRequest<T>): Promise<T>;
}

/**
 * Why a model call failed:
 * - `timeout`: the client's deadline passed;
 * - `aborted`: the caller's signal fired;
 * - `api`: the API answered with an error status (see `status`);
 * - `connection`: the API could not be reached;
 * - `refusal`: the model declined to answer;
 * - `malformed`: the answer was missing, truncated, not JSON, or did not match the schema.
 */
export type LlmErrorCode = 'timeout' | 'aborted' | 'api' | 'connection' | 'refusal' | 'malformed';

/** The one error type {@link LlmClient.complete} rejects with. Messages never contain model output. */
export class LlmError extends Error {
  override readonly name = 'LlmError';

  constructor(
    readonly code: LlmErrorCode,
    message: string,
    /** HTTP status for `api` errors. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The little of a logger that language features need; pino's logger satisfies it.
 * Callers log error codes and timings only, never message text or customer data.
 */
export interface LlmLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

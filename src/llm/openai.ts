import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { JSONSchema } from 'openai/lib/jsonschema';
import { toStrictJsonSchema } from 'openai/lib/transform';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { z } from 'zod';
import { LlmError, type LlmClient, type LlmRequest } from './types.js';

/** Settings of {@link OpenAILlmClient}. */
export interface OpenAILlmClientConfig {
  apiKey: string;
  /** API root, e.g. a stand-in's `http://127.0.0.1:PORT/v1`; the SDK default when absent. */
  baseURL?: string;
  model: string;
  /** Deadline for one call, connection to validated answer. */
  timeoutMs?: number;
}

export const DEFAULT_LLM_TIMEOUT_MS = 5000;

/** {@link LlmClient} over OpenAI Chat Completions with strict Structured Outputs. */
export class OpenAILlmClient implements LlmClient {
  private readonly client: OpenAI;
  private readonly model: string;
  private readonly timeoutMs: number;
  private readonly jsonSchemas = new WeakMap<z.ZodType, Record<string, unknown>>();

  constructor(config: OpenAILlmClientConfig) {
    this.model = config.model;
    this.timeoutMs = config.timeoutMs ?? DEFAULT_LLM_TIMEOUT_MS;
    // Retries would stretch a call past the deadline the conversation depends on; callers fall back instead.
    this.client = new OpenAI({
      apiKey: config.apiKey,
      baseURL: config.baseURL,
      maxRetries: 0,
      timeout: this.timeoutMs,
    });
  }

  async complete<T>(request: LlmRequest<T>): Promise<T> {
    const schema = this.jsonSchemaFor(request.schema);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, deadline.signal]) : deadline.signal;
    try {
      const completion = await this.client.chat.completions.create(
        {
          model: this.model,
          messages: [
            { role: 'system', content: request.system },
            { role: 'user', content: request.user },
          ],
          response_format: {
            type: 'json_schema',
            json_schema: { name: request.schemaName, strict: true, schema },
          },
        },
        { signal },
      );
      return parseCompletion(completion, request.schema);
    } catch (error) {
      if (error instanceof LlmError) throw error;
      if (deadline.signal.aborted) {
        throw new LlmError('timeout', `no answer within ${this.timeoutMs} ms`, undefined, { cause: error });
      }
      throw toLlmError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Strict JSON schema for a zod schema, computed once per schema; throws when strict mode cannot express it. */
  private jsonSchemaFor(schema: z.ZodType): Record<string, unknown> {
    let jsonSchema = this.jsonSchemas.get(schema);
    if (!jsonSchema) {
      const draft = z.toJSONSchema(schema, { target: 'draft-7', io: 'output' }) as JSONSchema;
      jsonSchema = toStrictJsonSchema(draft) as Record<string, unknown>;
      this.jsonSchemas.set(schema, jsonSchema);
    }
    return jsonSchema;
  }
}

function parseCompletion<T>(completion: ChatCompletion, schema: z.ZodType<T>): T {
  const choice = completion.choices[0];
  if (!choice) throw new LlmError('malformed', 'the completion has no choices');
  if (choice.message.refusal) throw new LlmError('refusal', 'the model refused to answer');
  if (choice.finish_reason === 'length') throw new LlmError('malformed', 'the answer was cut off');
  const content = choice.message.content;
  if (content === null || content === '') throw new LlmError('malformed', 'the answer is empty');
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error) {
    throw new LlmError('malformed', 'the answer is not JSON', undefined, { cause: error });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    // Paths and codes only: the offending values may echo what the customer wrote.
    const where = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`);
    throw new LlmError('malformed', `the answer does not match the schema (${where.join('; ')})`);
  }
  return parsed.data;
}

function toLlmError(error: unknown): LlmError {
  if (error instanceof APIConnectionTimeoutError) {
    return new LlmError('timeout', 'the API did not answer in time', undefined, { cause: error });
  }
  if (error instanceof APIUserAbortError)
    return new LlmError('aborted', 'the call was aborted', undefined, { cause: error });
  if (error instanceof APIConnectionError) {
    return new LlmError('connection', 'the API could not be reached', undefined, { cause: error });
  }
  if (error instanceof APIError) {
    return new LlmError('api', `the API answered ${error.status ?? 'with an error'}`, error.status, {
      cause: error,
    });
  }
  return new LlmError('connection', 'the call failed', undefined, { cause: error });
}

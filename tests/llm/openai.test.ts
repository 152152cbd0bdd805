import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import { OpenAILlmClient } from '../../src/llm/openai.js';
import { LlmError, type LlmErrorCode } from '../../src/llm/types.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';

const answerSchema = z.object({
  color: z.enum(['red', 'green']),
  count: z.number().int(),
  note: z.string().nullable(),
});

const request = {
  system: 'Answer with a colour and a count.',
  user: 'How many apples?',
  schema: answerSchema,
  schemaName: 'apples',
};

async function rejectsWith(promise: Promise<unknown>, code: LlmErrorCode, status?: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof LlmError, `expected LlmError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (status !== undefined) assert.equal(error.status, status);
    return true;
  });
}

describe('OpenAILlmClient against the fake OpenAI API', () => {
  let fake: FakeOpenAI;
  let client: OpenAILlmClient;
  /** Gives up after 200 ms, so the timeout test stays short; the others use the default deadline. */
  let hasty: OpenAILlmClient;

  before(async () => {
    fake = await startFakeOpenAI();
    const config = { apiKey: fake.apiKey, baseURL: fake.baseURL, model: 'gpt-test-mini' };
    client = new OpenAILlmClient(config);
    hasty = new OpenAILlmClient({ ...config, timeoutMs: 200 });
  });
  after(() => fake.stop());
  beforeEach(() => fake.reset());

  it('returns the validated structured answer', async () => {
    fake.respondWith({ json: { color: 'green', count: 3, note: null } });
    assert.deepEqual(await client.complete(request), { color: 'green', count: 3, note: null });
  });

  it('sends the key, the model, both messages and a strict JSON schema', async () => {
    fake.respondWith({ json: { color: 'red', count: 1, note: 'ok' } });
    await client.complete(request);
    assert.equal(fake.requests.length, 1);
    const [sent] = fake.requests;
    assert.equal(sent?.headers.authorization, `Bearer ${fake.apiKey}`);
    assert.equal(sent?.path, '/v1/chat/completions');
    assert.equal(sent?.body?.model, 'gpt-test-mini');
    assert.deepEqual(sent?.body?.messages, [
      { role: 'system', content: request.system },
      { role: 'user', content: request.user },
    ]);
    const format = sent?.body?.response_format;
    assert.ok(format && format.type === 'json_schema');
    assert.equal(format.json_schema.name, 'apples');
    assert.equal(format.json_schema.strict, true);
    assert.equal(format.json_schema.schema.additionalProperties, false);
    assert.deepEqual(format.json_schema.schema.required, ['color', 'count', 'note']);
  });

  it('rejects a schema strict mode cannot express before calling the API', async () => {
    const loose = z.object({ maybe: z.string().optional() });
    await assert.rejects(client.complete({ ...request, schema: loose }), /optional/);
    assert.equal(fake.requests.length, 0);
  });

  it('rejects output that is not JSON', async () => {
    fake.respondWith({ content: '{"color": "green", "count": 3' });
    await rejectsWith(client.complete(request), 'malformed');
  });

  it('rejects JSON that violates the schema, without echoing it', async () => {
    fake.respondWith({ json: { color: 'blue', count: 'three', note: 'secret-value' } });
    await assert.rejects(client.complete(request), (error: unknown) => {
      assert.ok(error instanceof LlmError);
      assert.equal(error.code, 'malformed');
      assert.match(error.message, /color/);
      assert.doesNotMatch(error.message, /secret-value|blue/);
      return true;
    });
  });

  it('rejects an answer cut off at the token limit', async () => {
    fake.respondWith({ content: '{"color":"red","count":1,"note":null}', finishReason: 'length' });
    await rejectsWith(client.complete(request), 'malformed');
  });

  it('reports a refusal', async () => {
    fake.respondWith({ refusal: 'I cannot help with that.' });
    await rejectsWith(client.complete(request), 'refusal');
  });

  it('reports 500 and 429 once each, without retrying', async () => {
    fake.respondWith({ status: 500 });
    await rejectsWith(client.complete(request), 'api', 500);
    fake.respondWith({ status: 429 });
    await rejectsWith(client.complete(request), 'api', 429);
    assert.equal(fake.requests.length, 2);
  });

  it('reports a wrong API key as a 401', async () => {
    const wrongKey = new OpenAILlmClient({
      apiKey: 'sk-wrong',
      baseURL: fake.baseURL,
      model: 'gpt-test-mini',
    });
    fake.respondWith({ json: { color: 'red', count: 1, note: null } });
    await rejectsWith(wrongKey.complete(request), 'api', 401);
  });

  it('gives up at its deadline when the API is slow', async () => {
    fake.respondWith({ delayMs: 3000, then: { json: { color: 'red', count: 1, note: null } } });
    await rejectsWith(hasty.complete(request), 'timeout');
    assert.equal(fake.requests.length, 1);
  });

  it("stops when the caller's signal fires", async () => {
    fake.respondWith({ delayMs: 3000 });
    const controller = new AbortController();
    const call = client.complete({ ...request, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await rejectsWith(call, 'aborted');
  });

  it('reports an unreachable API as a connection error', async () => {
    const nowhere = await startFakeOpenAI();
    const baseURL = nowhere.baseURL;
    await nowhere.stop();
    const unreachable = new OpenAILlmClient({ apiKey: 'sk-test-fake', baseURL, model: 'gpt-test-mini' });
    await rejectsWith(unreachable.complete(request), 'connection');
  });
});

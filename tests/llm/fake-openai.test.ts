import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';

const chatBody = {
  model: 'gpt-test',
  messages: [{ role: 'user', content: 'hello' }],
  response_format: {
    type: 'json_schema',
    json_schema: { name: 'reply', strict: true, schema: { type: 'object', properties: {} } },
  },
};

describe('the fake OpenAI API', () => {
  let fake: FakeOpenAI;

  before(async () => {
    fake = await startFakeOpenAI({ apiKey: 'sk-fake-key' });
  });
  after(() => fake.stop());
  beforeEach(() => fake.reset());

  async function post(path: string, body: unknown, key = 'sk-fake-key'): Promise<Response> {
    return fetch(`${fake.baseURL}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  it('answers a chat completion in the real response shape', async () => {
    fake.respondWith({ json: { ok: true } });
    const response = await post('/chat/completions', chatBody);
    assert.equal(response.status, 200);
    const completion = (await response.json()) as {
      object: string;
      model: string;
      choices: { message: { role: string; content: string }; finish_reason: string }[];
    };
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, 'gpt-test');
    assert.equal(completion.choices[0]?.message.role, 'assistant');
    assert.equal(completion.choices[0]?.message.content, '{"ok":true}');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
  });

  it('rejects a wrong key with 401 and OpenAI’s error body, and records the attempt', async () => {
    fake.respondWith({ json: {} });
    const response = await post('/chat/completions', chatBody, 'sk-other');
    assert.equal(response.status, 401);
    const body = (await response.json()) as { error: { type: string; code: string } };
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.code, 'invalid_api_key');
    assert.equal(fake.requests.length, 1);
    assert.equal(fake.requests[0]?.body, null);
  });

  it('rejects bodies that are not chat completion requests with 400', async () => {
    fake.respondWith({ json: {} });
    assert.equal((await post('/chat/completions', '{not json')).status, 400);
    assert.equal((await post('/chat/completions', { model: 'gpt-test', messages: [] })).status, 400);
  });

  it('answers unknown routes with 404', async () => {
    assert.equal((await post('/embeddings', { model: 'x', input: 'y' })).status, 404);
  });

  it('fails loudly when a test forgot to script a reply', async () => {
    const response = await post('/chat/completions', chatBody);
    assert.equal(response.status, 500);
  });

  it('replies per request through a function', async () => {
    fake.respondWith((request) => ({ json: { echoed: request.body?.messages[0]?.content } }));
    const response = await post('/chat/completions', chatBody);
    const completion = (await response.json()) as { choices: { message: { content: string } }[] };
    assert.deepEqual(JSON.parse(completion.choices[0]?.message.content ?? ''), { echoed: 'hello' });
  });
});

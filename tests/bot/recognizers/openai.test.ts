import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createRecognizer } from '../../../src/bot/recognizers/index.js';
import { LocalRecognizer } from '../../../src/bot/recognizers/local.js';
import { OpenAIRecognizer } from '../../../src/bot/recognizers/openai.js';
import { OpenAILlmClient } from '../../../src/llm/openai.js';
import type { LlmLogger } from '../../../src/llm/types.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai.js';

interface LogEntry {
  level: 'debug' | 'warn';
  obj: object;
  msg?: string;
}

function recordingLogger(entries: LogEntry[]): LlmLogger {
  return {
    debug: (obj, msg) => entries.push({ level: 'debug', obj, msg }),
    warn: (obj, msg) => entries.push({ level: 'warn', obj, msg }),
  };
}

const modelAnswer = {
  intent: 'file_claim',
  score: 0.93,
  entities: {
    policyNumber: 'aut-100200',
    claimNumber: null,
    requestNumber: null,
    phone: null,
    date: '2026-11-20',
    amount: 1250.5,
    claimType: 'auto_accident',
  },
};

describe('OpenAIRecognizer against the fake OpenAI API', () => {
  let fake: FakeOpenAI;
  let recognizer: OpenAIRecognizer;
  /** Gives up after 200 ms, so the timeout test stays short; the others use the default deadline. */
  let hasty: OpenAIRecognizer;
  const logs: LogEntry[] = [];
  const local = new LocalRecognizer({ now: () => new Date(2026, 10, 21, 12) });

  before(async () => {
    fake = await startFakeOpenAI();
    const config = { apiKey: fake.apiKey, baseURL: fake.baseURL, model: 'gpt-test' };
    const logger = recordingLogger(logs);
    recognizer = new OpenAIRecognizer({ llm: new OpenAILlmClient(config), fallback: local, logger });
    hasty = new OpenAIRecognizer({
      llm: new OpenAILlmClient({ ...config, timeoutMs: 200 }),
      fallback: local,
      logger,
    });
  });
  after(() => fake.stop());
  beforeEach(() => {
    fake.reset();
    logs.length = 0;
  });

  it("returns the model's intent with its entities checked and normalised", async () => {
    fake.respondWith({ json: modelAnswer });
    const result = await recognizer.recognize(
      'I crashed my car yesterday, about $1,250.50 of damage, policy AUT-100200',
    );
    assert.deepEqual(result, {
      intent: 'file_claim',
      score: 0.93,
      entities: {
        policyNumber: 'AUT-100200',
        date: '2026-11-20',
        amount: 1250.5,
        claimType: 'auto_accident',
      },
    });
  });

  it('sends only the message text, with the model and key configured', async () => {
    fake.respondWith({ json: modelAnswer });
    const message = 'my car was hit, policy AUT-100200';
    await recognizer.recognize(message);
    const [sent] = fake.requests;
    assert.equal(sent?.headers.authorization, `Bearer ${fake.apiKey}`);
    assert.equal(sent?.body?.model, 'gpt-test');
    const user = sent?.body?.messages.filter((m) => m.role === 'user');
    assert.deepEqual(user, [{ role: 'user', content: message }]);
    const format = sent?.body?.response_format;
    assert.ok(format?.type === 'json_schema' && format.json_schema.strict === true);
  });

  it('drops entities the model invented in the wrong format and fills in what it missed', async () => {
    fake.respondWith({
      json: {
        intent: 'claim_status',
        score: 0.8,
        entities: {
          ...modelAnswer.entities,
          policyNumber: 'policy 12',
          date: 'last spring',
          claimType: null,
        },
      },
    });
    const result = await recognizer.recognize('status of CLM-000123 please, it was a fire');
    assert.equal(result.intent, 'claim_status');
    assert.equal(result.entities.policyNumber, undefined);
    assert.equal(result.entities.date, undefined);
    assert.equal(result.entities.claimNumber, 'CLM-000123');
    assert.equal(result.entities.claimType, 'fire');
  });

  const failures = [
    { name: 'malformed JSON', reply: { content: '{"intent": "file_claim", ' }, code: 'malformed' },
    {
      name: 'an unknown intent',
      reply: { json: { ...modelAnswer, intent: 'buy_pizza' } },
      code: 'malformed',
    },
    { name: 'a score out of range', reply: { json: { ...modelAnswer, score: 7 } }, code: 'malformed' },
    { name: 'a refusal', reply: { refusal: 'I cannot help with that.' }, code: 'refusal' },
    { name: 'a 500', reply: { status: 500 }, code: 'api' },
    { name: 'a 429', reply: { status: 429 }, code: 'api' },
    { name: 'a timeout', reply: { delayMs: 3000, then: { json: modelAnswer } }, code: 'timeout' },
  ] as const;
  for (const { name, reply, code } of failures) {
    it(`falls back to the local reading on ${name}`, async () => {
      fake.respondWith(reply);
      const message = 'where is my claim CLM-000123? my phone is 415 555 2671';
      const result = await (code === 'timeout' ? hasty : recognizer).recognize(message);
      assert.deepEqual(result, local.recognizeNow(message));
      assert.equal(result.intent, 'claim_status');
      assert.equal(fake.requests.length, 1);
      assert.equal(logs.length, 1);
      assert.equal(logs[0]?.level, 'debug');
      assert.equal((logs[0]?.obj as { code?: string }).code, code);
      const logged = JSON.stringify(logs);
      assert.doesNotMatch(logged, /CLM-000123|555|claim\?/);
    });
  }
});

describe('createRecognizer', () => {
  it('is local without a language model and OpenAI-backed with one', () => {
    assert.ok(createRecognizer() instanceof LocalRecognizer);
    const llm = new OpenAILlmClient({
      apiKey: 'sk-test-fake',
      baseURL: 'http://127.0.0.1:9/v1',
      model: 'gpt-test',
    });
    assert.ok(createRecognizer({ llm }) instanceof OpenAIRecognizer);
  });
});

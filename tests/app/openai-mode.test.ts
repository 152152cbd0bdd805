/**
 * The whole app with OPENAI_API_KEY set, against the local stand-in of the OpenAI API: the recognizer
 * and grounded answers go through the model, and the customer notices nothing when the model fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeOpenAI, type FakeOpenAI, type RecordedRequest } from '../fakes/openai.js';
import { startDemoApp, type RunningApp } from '../support/app.js';
import { openConversation } from '../support/conversation.js';

const noEntities = {
  policyNumber: null,
  claimNumber: null,
  requestNumber: null,
  phone: null,
  date: null,
  amount: null,
  claimType: null,
};

function schemaOf(request: RecordedRequest): string | undefined {
  const format = request.body?.response_format;
  return format && 'json_schema' in format ? format.json_schema.name : undefined;
}

describe('OpenAI mode', () => {
  let openai: FakeOpenAI;
  let app: RunningApp;

  before(async () => {
    openai = await startFakeOpenAI();
    app = await startDemoApp({
      OPENAI_API_KEY: openai.apiKey,
      OPENAI_BASE_URL: openai.baseURL,
      OPENAI_MODEL: 'gpt-test-model',
    });
  });
  after(async () => {
    await app.stop();
    await openai.stop();
  });

  test('recognises with the model and answers grounded in the articles it cites', async () => {
    openai.reset();
    openai.respondWith((request) =>
      schemaOf(request) === 'recognition'
        ? { json: { intent: 'faq', score: 0.93, entities: noEntities } }
        : {
            json: {
              answer: 'Your deductible is what you pay first on a covered claim; the insurer pays the rest.',
              citations: ['deductible'],
              outOfScope: false,
            },
          },
    );
    const conversation = await openConversation(app.url);
    const text = await conversation.say('how does a deductible work?');
    assert.match(text, /Your deductible is what you pay first/);

    const schemas = openai.requests.map(schemaOf);
    assert.deepEqual(schemas, ['recognition', 'grounded_answer']);
    for (const request of openai.requests) {
      assert.equal(request.headers.authorization, `Bearer ${openai.apiKey}`);
      assert.equal(request.body?.model, 'gpt-test-model');
    }
    const grounded = openai.requests[1]!.rawBody;
    assert.match(grounded, /slug=\\"deductible\\"/);
  });

  test('an answer citing a source it was not given is replaced by the article', async () => {
    openai.reset();
    openai.respondWith((request) =>
      schemaOf(request) === 'recognition'
        ? { json: { intent: 'faq', score: 0.9, entities: noEntities } }
        : {
            json: { answer: 'Floods are always covered.', citations: ['made-up-source'], outOfScope: false },
          },
    );
    const conversation = await openConversation(app.url);
    const text = await conversation.say('my basement flooded, am I covered?');
    assert.doesNotMatch(text, /always covered/);
    assert.match(text, /Flood and earthquake/);
  });

  test('model errors and malformed output fall back to the local path unnoticed', async () => {
    openai.reset();
    openai.respondWith((request) =>
      schemaOf(request) === 'recognition' ? { status: 500 } : { content: '{"answer": "unterminated' },
    );
    const conversation = await openConversation(app.url);
    const text = await conversation.say('what is a deductible?');
    assert.match(text, /What a deductible is/);
    assert.match(text, /part of a covered loss you pay yourself/);
    assert.equal(openai.requests.length, 2);
  });

  test('a verified customer is recognised from the model, and their date of birth never reaches it', async () => {
    openai.reset();
    openai.respondWith({ json: { intent: 'policy_lookup', score: 0.95, entities: noEntities } });
    const conversation = await openConversation(app.url);
    await conversation.say('show my policies');
    await conversation.say('AUT-100200');
    const listed = await conversation.say('April 12, 1988');
    assert.match(listed, /AUT-100200/);
    assert.match(listed, /HOM-300400/);
    for (const request of openai.requests) {
      assert.doesNotMatch(request.rawBody, /1988|April 12/);
    }
  });
});

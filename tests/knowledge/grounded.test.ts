import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GroundedAnswerer, type PolicyFacts } from '../../src/knowledge/grounded.js';
import type { Article, KnowledgeAnswer, KnowledgeMatch, KnowledgeSource } from '../../src/knowledge/types.js';
import { OpenAILlmClient } from '../../src/llm/openai.js';
import type { LlmLogger } from '../../src/llm/types.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';

function article(slug: string, title: string, tags: string[], summary: string, more: string): Article {
  return { slug, title, tags, summary, body: `${summary}\n\n${more}`, file: `${slug}.md` };
}

const articles: readonly Article[] = [
  article(
    'deductibles',
    'What a deductible is',
    ['deductible', 'pay', 'excess'],
    'A deductible is the part of a covered loss you pay before the policy pays the rest.',
    'Each coverage on your policy can have its own deductible.',
  ),
  article(
    'flood-damage',
    'Flood and water damage',
    ['flood', 'flooded', 'water', 'basement'],
    'Standard home policies cover sudden water damage such as a burst pipe, but not flooding from outside.',
    'Flood cover is a separate policy or endorsement.',
  ),
  article(
    'roadside-assistance',
    'Roadside assistance',
    ['tow', 'roadside', 'breakdown', 'flat'],
    'Roadside assistance pays for towing, jump starts and flat tyres when it is on your auto policy.',
    'Call the number on your insurance card.',
  ),
];

/** A tiny keyword-counting knowledge source: enough to decide in or out of scope deterministically. */
class TinyKnowledge implements KnowledgeSource {
  search(question: string, limit = 5): KnowledgeMatch[] {
    const words = new Set(question.toLowerCase().split(/[^a-z]+/));
    return articles
      .map((a) => ({ slug: a.slug, title: a.title, score: a.tags.filter((tag) => words.has(tag)).length }))
      .filter((match) => match.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  }
  answer(question: string): KnowledgeAnswer {
    const matches = this.search(question);
    const best = matches[0];
    const found = best && this.article(best.slug);
    if (!best || !found) return { slug: null, title: null, score: 0, answer: null, matches };
    return { slug: found.slug, title: found.title, score: best.score, answer: found.summary, matches };
  }
  article(slug: string): Article | undefined {
    return articles.find((a) => a.slug === slug);
  }
  articles(): readonly Article[] {
    return articles;
  }
}

const knowledge = new TinyKnowledge();
const floodQuestion = 'My basement flooded with water, what does my deductible mean here?';

describe('GroundedAnswerer against the fake OpenAI API', () => {
  let fake: FakeOpenAI;
  let answerer: GroundedAnswerer;
  /** Gives up after 200 ms, for the timeout test only. */
  let hasty: GroundedAnswerer;
  const warnings: object[] = [];
  const debugs: object[] = [];
  const logger: LlmLogger = { debug: (obj) => debugs.push(obj), warn: (obj) => warnings.push(obj) };

  before(async () => {
    fake = await startFakeOpenAI();
    const config = { apiKey: fake.apiKey, baseURL: fake.baseURL, model: 'gpt-grounded' };
    answerer = new GroundedAnswerer({ knowledge, llm: new OpenAILlmClient(config), logger });
    hasty = new GroundedAnswerer({
      knowledge,
      llm: new OpenAILlmClient({ ...config, timeoutMs: 200 }),
      logger,
    });
  });
  after(() => fake.stop());
  beforeEach(() => {
    fake.reset();
    warnings.length = 0;
    debugs.length = 0;
  });

  const localFlood = {
    slug: 'flood-damage',
    title: 'Flood and water damage',
    answer: articles[1]?.summary,
    citations: ['flood-damage'],
    source: 'local',
  };

  it("returns the model's answer with its validated citations", async () => {
    fake.respondWith({
      json: {
        answer: 'Flooding from outside is not covered by a standard home policy; a burst pipe is.',
        citations: ['flood-damage', 'deductibles', 'flood-damage'],
        outOfScope: false,
      },
    });
    const result = await answerer.answer(floodQuestion);
    assert.deepEqual(result, {
      slug: 'flood-damage',
      title: 'Flood and water damage',
      answer: 'Flooding from outside is not covered by a standard home policy; a burst pipe is.',
      citations: ['flood-damage', 'deductibles'],
      source: 'openai',
    });
  });

  it('puts the best articles in the prompt, the local best first, and asks for a strict schema', async () => {
    fake.respondWith({ json: { answer: 'ok', citations: ['flood-damage'], outOfScope: false } });
    await answerer.answer(floodQuestion);
    const [sent] = fake.requests;
    assert.equal(sent?.headers.authorization, `Bearer ${fake.apiKey}`);
    assert.equal(sent?.body?.model, 'gpt-grounded');
    const system = sent?.body?.messages.find((m) => m.role === 'system')?.content ?? '';
    const user = sent?.body?.messages.find((m) => m.role === 'user')?.content ?? '';
    assert.match(system, /Never state or suggest that something is covered/);
    assert.ok(user.includes(floodQuestion));
    assert.ok(user.indexOf('slug="flood-damage"') < user.indexOf('slug="deductibles"'));
    assert.ok(user.includes('Flood cover is a separate policy or endorsement.'));
    assert.ok(!user.includes('roadside-assistance'), 'an unrelated article was sent');
    assert.ok(!user.includes('policy (verified)'), 'policy facts were sent without being given');
    const format = sent?.body?.response_format;
    assert.ok(format?.type === 'json_schema');
    assert.equal(format.json_schema.name, 'grounded_answer');
    assert.deepEqual(format.json_schema.schema.required, ['answer', 'citations', 'outOfScope']);
  });

  it('sends the policy facts it is given and nothing else about the customer', async () => {
    const customerRecord = {
      policyNumber: 'HOM-300400',
      type: 'home',
      status: 'active',
      coverages: [
        { name: 'Dwelling', limit: 350000, deductible: 1000, internalCode: 'DW-77' },
        { name: 'Water backup', limit: 10000, deductible: 500 },
      ],
      holderName: 'Jordan Example',
      dateOfBirth: '1988-04-12',
      phone: '+14155552671',
      email: 'jordan@example.com',
      address: '1 Example Street',
    };
    const facts: PolicyFacts = customerRecord;
    fake.respondWith({
      json: { answer: 'Your deductible is $500.', citations: ['deductibles'], outOfScope: false },
    });
    const result = await answerer.answer(floodQuestion, { policy: facts });
    assert.equal(result.source, 'openai');
    const body = fake.requests[0]?.rawBody ?? '';
    for (const expected of [
      'HOM-300400',
      'home',
      'active',
      'Dwelling',
      '350000',
      'Water backup',
      '10000',
      '500',
    ]) {
      assert.ok(body.includes(expected), `missing ${expected}`);
    }
    for (const personal of [
      'Jordan',
      '1988-04-12',
      '4155552671',
      'jordan@example.com',
      'Example Street',
      'DW-77',
    ]) {
      assert.ok(!body.includes(personal), `sent ${personal}`);
    }
    const user = fake.requests[0]?.body?.messages.find((m) => m.role === 'user')?.content ?? '';
    assert.doesNotMatch(user, /"(?:dateOfBirth|holderName|phone|email|address|internalCode)"/);
  });

  it('does not call the model for an out-of-scope question', async () => {
    fake.respondWith({ json: { answer: 'Anything', citations: ['deductibles'], outOfScope: false } });
    const result = await answerer.answer('Can you recommend a good pizza place?');
    assert.deepEqual(result, { slug: null, title: null, answer: null, citations: [], source: 'local' });
    assert.equal(fake.requests.length, 0);
  });

  it('says out of scope when the model finds no answer in the sources', async () => {
    fake.respondWith({ json: { answer: '', citations: [], outOfScope: true } });
    const result = await answerer.answer(floodQuestion);
    assert.deepEqual(result, { slug: null, title: null, answer: null, citations: [], source: 'openai' });
  });

  it('rejects citations of articles it was not given, and answers locally', async () => {
    fake.respondWith({
      json: {
        answer: 'Floods are always covered.',
        citations: ['flood-damage', 'made-up-article'],
        outOfScope: false,
      },
    });
    assert.deepEqual(await answerer.answer(floodQuestion), localFlood);
    assert.equal(warnings.length, 1);
    assert.equal((warnings[0] as { code?: string }).code, 'ungrounded');
  });

  const unsupported = [
    {
      name: 'rejects a cited slug that exists but was not among the sources',
      answer: 'Call for a tow.',
      citations: ['roadside-assistance'],
    },
    { name: 'rejects an answer without citations', answer: 'Floods are covered.', citations: [] },
  ];
  for (const { name, answer, citations } of unsupported) {
    it(name, async () => {
      fake.respondWith({ json: { answer, citations, outOfScope: false } });
      assert.deepEqual(await answerer.answer(floodQuestion), localFlood);
    });
  }

  it("falls back to the local answer when the caller's signal fires", async () => {
    fake.respondWith({ delayMs: 3000 });
    const controller = new AbortController();
    const pending = answerer.answer(floodQuestion, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    assert.deepEqual(await pending, localFlood);
    assert.deepEqual(
      debugs.map((entry) => (entry as { code?: string }).code),
      ['aborted'],
    );
  });

  const failures = [
    { name: 'malformed JSON', reply: { content: '{"answer": "Floods are' }, code: 'malformed' },
    {
      name: 'JSON violating the schema',
      reply: { json: { answer: 42, citations: 'flood-damage' } },
      code: 'malformed',
    },
    { name: 'a 500', reply: { status: 500 }, code: 'api' },
    { name: 'a 429', reply: { status: 429 }, code: 'api' },
    { name: 'a timeout', reply: { delayMs: 3000 }, code: 'timeout' },
  ] as const;
  for (const { name, reply, code } of failures) {
    it(`falls back to the local answer on ${name}`, async () => {
      fake.respondWith(reply);
      const subject = code === 'timeout' ? hasty : answerer;
      assert.deepEqual(await subject.answer(floodQuestion), localFlood);
      assert.equal(fake.requests.length, 1);
      assert.deepEqual(
        debugs.map((entry) => (entry as { code?: string }).code),
        [code],
      );
    });
  }
});

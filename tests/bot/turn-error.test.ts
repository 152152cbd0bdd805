import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestAdapter } from 'botbuilder';
import { LocalRecognizer } from '../../src/bot/recognizers/local.js';
import { createBot } from '../../dialogs/index.js';
import { MongoStorage } from '../../src/bot/storage.js';
import { turnErrorHandler } from '../../src/bot/turn-error.js';
import { demoCustomer } from '../../src/db/seed.js';
import type { VerificationService } from '../../src/domain/verification.js';
import { loadKnowledgeBase } from '../../src/knowledge/load.js';
import { knowledgeBaseDir } from '../../src/knowledge/paths.js';
import { createKnowledgeSource } from '../../src/knowledge/retrieval.js';
import type { KnowledgeSource } from '../../src/knowledge/types.js';
import { createLogger } from '../../src/log.js';
import { startHarness, type Harness } from '../dialogs/harness.js';
import { channelSourceMiddleware } from '../../src/bot/channel-source.js';

/** Everything a customer typed in the turns below, in the forms they typed it and as stored. */
const personal = [
  demoCustomer.dateOfBirth,
  '1988',
  'April 12',
  demoCustomer.phone,
  '5555550123',
  '555 555 0123',
  demoCustomer.email,
  'jordan.rivera',
  demoCustomer.policies.auto,
  demoCustomer.policies.auto.replace(/\D/g, ''),
  'Show my policies',
  'my phone is',
];

describe('failed turns in the log', () => {
  let harness: Harness;
  let knowledge: KnowledgeSource;
  const output: string[] = [];

  before(async () => {
    harness = await startHarness();
    knowledge = createKnowledgeSource(await loadKnowledgeBase(knowledgeBaseDir()));
  });
  after(() => harness.stop());

  /** A bot whose verification fails the way a database or a bug would, quoting what it was given. */
  function failingBot(failure: (claim: object) => Error) {
    const logger = createLogger('trace', { write: (line: string) => void output.push(line) });
    const verification: VerificationService = {
      verify: (claim) => Promise.reject(failure(claim)),
      conversationLockedUntil: () => Promise.resolve(null),
      sealIdentifier: (identifier) => harness.domain.verification.sealIdentifier(identifier),
      openIdentifier: (sealed) => harness.domain.verification.openIdentifier(sealed),
    };
    return {
      logger,
      bot: createBot({
        storage: new MongoStorage(harness.db.connection),
        services: { ...harness.domain, verification },
        conversations: harness.domain.conversations,
        recognizer: new LocalRecognizer(),
        knowledge,
        files: {
          signedUrl: (id: string) => `http://files.test/${id}`,
          fileIdOf: () => undefined,
          find: () => Promise.resolve(undefined),
        },
        logger,
        defaultTimeZone: 'America/New_York',
      }),
    };
  }

  async function chat(failure: (claim: object) => Error, messages: string[]): Promise<string[]> {
    const { bot, logger } = failingBot(failure);
    const adapter = new TestAdapter((context) => bot.run(context));
    adapter.use(channelSourceMiddleware('directline'));
    adapter.onTurnError = turnErrorHandler(logger);
    const replies: string[] = [];
    for (const message of messages) {
      await adapter.receiveActivity(message);
      replies.push(...adapter.activeQueue.splice(0).map((reply) => reply.text ?? ''));
    }
    return replies;
  }

  it('logs that a turn failed, and where, with no value the customer typed', async () => {
    const replies = await chat(
      (claim) => new Error(`no match for ${JSON.stringify(claim)}`),
      ['Show my policies', demoCustomer.policies.auto, demoCustomer.dateOfBirth],
    );
    assert.match(replies.at(-1) ?? '', /something went wrong/);
    await chat(
      () =>
        Object.assign(
          new Error(`E11000 duplicate key error dup key: { phone: "${demoCustomer.phone}" }`, {
            cause: new Error(`mail to ${demoCustomer.email} bounced`),
          }),
          { code: 11000, keyValue: { phone: demoCustomer.phone }, claim: { email: demoCustomer.email } },
        ),
      ['Show my policies', `my phone is 555 555 0123 and my e-mail ${demoCustomer.email}`, 'April 12, 1988'],
    );

    const log = output.join('');
    const failures = output.map((line) => JSON.parse(line) as Record<string, unknown>);
    const turns = failures.filter((entry) => entry.msg === 'bot turn failed');
    assert.equal(turns.length, 2);
    assert.ok(
      turns.every(
        (entry) => Array.isArray(entry.dialogs) && entry.dialogs.includes('verifyIdentityDialog.steps'),
      ),
    );
    assert.equal((turns[1]?.err as { code?: unknown }).code, 11000);
    for (const value of personal) assert.ok(!log.includes(value), `the log holds "${value}"`);
  });
});

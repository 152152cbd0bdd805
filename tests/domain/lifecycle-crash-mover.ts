/**
 * Child process of lifecycle-crash.test.ts: moves claims back and forth between `in_review` and
 * `info_requested` through the claim service on a durable embedded database in DIR, 8 moves in flight,
 * printing a line per acknowledged move; the parent kills it with SIGKILL at a random point.
 */
import mongoose, { Types } from 'mongoose';
import { createFieldCipher } from '../../src/db/encryption.js';
import { createModels, ensureIndexes } from '../../src/db/models/index.js';
import { createDomainServices, type Actor } from '../../src/domain/index.js';
import { startEmbeddedMongo } from '../../src/embedded-mongo/index.js';

const claimCount = 20;
const inFlight = 8;
const officer = 'U0CRASHTEST';

const [dir] = process.argv.slice(2);
if (!dir) throw new Error('usage: lifecycle-crash-mover.ts DIR');
const server = await startEmbeddedMongo({ dataDir: dir });
const connection = await mongoose
  .createConnection(server.uri, { dbName: 'crash', autoIndex: false })
  .asPromise();
const models = createModels(connection);
await ensureIndexes(models);
if (!(await models.claims.exists({}))) {
  await models.officers.create({
    slackUserId: officer,
    name: 'Crash Test',
    role: 'supervisor',
    approvalLimit: '1000',
  });
  await models.claims.insertMany(
    Array.from({ length: claimCount }, (_, n) => ({
      number: `CLM-${String(n + 1).padStart(6, '0')}`,
      policy: new Types.ObjectId(),
      customer: new Types.ObjectId(),
      incidentDate: new Date('2026-01-01'),
      type: 'collision',
      description: 'seeded for the crash test',
      amountClaimed: '100',
      status: 'in_review',
    })),
  );
}
const { claims } = createDomainServices(models, createFieldCipher(Buffer.alloc(32)));
const actors: Record<'in_review' | 'info_requested', Actor> = {
  info_requested: { type: 'officer', id: officer, channel: 'slack' },
  in_review: { type: 'system', id: 'crash-test' },
};

await Promise.all(
  Array.from({ length: inFlight }, async () => {
    for (;;) {
      const number = `CLM-${String(1 + Math.floor(Math.random() * claimCount)).padStart(6, '0')}`;
      const { status } = await claims.getByNumber(number);
      const to = status === 'in_review' ? 'info_requested' : 'in_review';
      try {
        await claims.transition(number, to, actors[to], 'please send the repair estimate');
        process.stdout.write(`${number} ${to}\n`);
      } catch (error) {
        // Two workers on one claim: the second move was chosen from a stale status and is refused.
        const code = (error as { code?: string }).code;
        if (code !== 'conflict' && code !== 'invalid_transition') throw error;
      }
    }
  }),
);

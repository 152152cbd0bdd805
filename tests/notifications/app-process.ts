/**
 * Child process of multi-process.test.ts: the whole app (as `npm start` builds it) on the settings in
 * its environment, printing `{"url": …}` once it listens. A line `{"approve": "CLM-…"}` on stdin makes
 * an officer approve that claim through this process's claim service, answered by `{"approved": …}`.
 */
import { createInterface } from 'node:readline';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

const app = createApp(loadConfig());
const url = await app.start();
process.stdout.write(`${JSON.stringify({ url })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const { approve } = JSON.parse(line) as { approve: string };
  const claim = await app.domain.claims.transition(approve, 'approved', {
    type: 'officer',
    id: 'U0DEMOAVERY',
    channel: 'slack',
  });
  process.stdout.write(`${JSON.stringify({ approved: claim.number })}\n`);
}
await app.stop();

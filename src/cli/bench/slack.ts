/**
 * Slack benchmark: signed approval submissions through `POST /api/slack/events`, each applying a
 * decision, sent at a steady 20 a second and then as fast as one client goes. Figures: the rate, the
 * ack latency (request to Slack's 200) p50/p99 — target p99 < 300 ms at 20/s — and from the submission
 * to the claim's card updated in place and to the customer's notification in the outbox, p50/p99. The
 * outbox section measures the rest of the way to the customer's screen.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp, type App } from '../../app.js';
import { loadConfig } from '../../config.js';
import { signedHeaders } from '../../sandbox/slack/signing.js';
import { percentile } from '../percentile.js';

const paced = 60;
const burst = 60;

export async function run(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'insuralink-bench-slack-'));
  const app = createApp(loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), {
    inMemoryDatabase: true,
    shutdownGraceMs: 1000,
  });
  try {
    const url = await app.start();
    await series(app, url, paced, 20);
    await series(app, url, burst, undefined);
  } finally {
    await app.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function series(app: App, url: string, count: number, perSecond: number | undefined): Promise<void> {
  const sandbox = app.slackSandbox!;
  const numbers: string[] = [];
  for (let n = 0; n < count; n++) numbers.push(await claimInReview(app));
  // Every card posted before the clock starts.
  await until(() => numbers.every((number) => cardOf(app, number)), 10, 120_000);
  const acks: number[] = [];
  const toCard: number[] = [];
  const toOutbox: number[] = [];
  const started = performance.now();
  await Promise.all(
    numbers.map(async (number, index) => {
      if (perSecond) await sleep(Math.max(0, started + (index * 1000) / perSecond - performance.now()));
      else await sleep(0);
      const card = cardOf(app, number)!;
      const body = submission(number, card.state, sandbox.approvalsChannel, index);
      const sent = performance.now();
      const response = await fetch(`${url}/api/slack/events`, {
        method: 'POST',
        headers: signedHeaders(sandbox.signingSecret, body, 'application/x-www-form-urlencoded'),
        body,
      });
      await response.text();
      acks.push(performance.now() - sent);
      if (response.status !== 200) throw new Error(`submission answered ${response.status}`);
      await until(() => /Approved/.test(cardOf(app, number)?.message.text ?? ''), 1);
      toCard.push(performance.now() - sent);
      await until(async () => {
        const row = await app.database.connection
          .collection('notifications')
          .findOne({ template: 'claim.status', 'payload.number': number, 'payload.status': 'approved' });
        return row !== null;
      }, 1);
      toOutbox.push(performance.now() - sent);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const ms = (values: number[], p: number) =>
    `${percentile(
      [...values].sort((x, y) => x - y),
      p / 100,
    ).toFixed(1)} ms`;
  console.log(
    `${perSecond ? `paced at ${perSecond}/s` : 'unpaced'}: ${count} approvals in ${seconds.toFixed(2)} s ` +
      `(${(count / seconds).toFixed(1)}/s); ack p50 ${ms(acks, 50)}, p99 ${ms(acks, 99)}` +
      `${perSecond ? ` (target p99 < 300 ms)` : ''}; to the card p50 ${ms(toCard, 50)}, p99 ${ms(toCard, 99)}; ` +
      `to the customer's outbox row p50 ${ms(toOutbox, 50)}, p99 ${ms(toOutbox, 99)}`,
  );
}

async function claimInReview(app: App): Promise<string> {
  const customer = await app.domain.customers.findByPolicyNumber('AUT-100200');
  if (!customer) throw new Error('the demo customer is missing');
  const claim = await app.domain.claims.create(
    {
      customerId: customer.id,
      policyNumber: 'AUT-100200',
      incidentDate: new Date(Date.now() - 86_400_000),
      type: 'collision',
      description: 'Benchmark claim.',
      amountClaimed: 500,
    },
    { type: 'customer', id: customer.id },
  );
  await app.domain.claims.transition(claim.number, 'in_review', { type: 'system', id: 'bench' });
  return claim.number;
}

/** The claim's card in the stand-in, with the state its buttons carry. */
function cardOf(app: App, number: string) {
  const message = app
    .slackSandbox!.workspace.channels.get(app.slackSandbox!.approvalsChannel)
    ?.messages.find((entry) => entry.text.includes(number));
  if (!message?.blocks) return undefined;
  const actions = (message.blocks as { type: string; elements?: { value?: string }[] }[]).find(
    (block) => block.type === 'actions',
  );
  const value = actions?.elements?.[0]?.value;
  return { message, state: value ? (JSON.parse(value) as { s: string }).s : '' };
}

/** An approval modal submitted by Avery Chen, as Slack sends it. */
function submission(number: string, state: string, channel: string, index: number): string {
  return new URLSearchParams({
    payload: JSON.stringify({
      type: 'view_submission',
      team: { id: 'T0SANDBOX', domain: 'insuralink-sandbox' },
      user: { id: 'U0DEMOAVERY', username: 'avery.chen', team_id: 'T0SANDBOX' },
      api_app_id: 'A0INSURALINK',
      trigger_id: `bench.${index}`,
      view: {
        id: `VBENCH${index}`,
        type: 'modal',
        callback_id: 'claim_approve_modal',
        private_metadata: JSON.stringify({ n: number, s: state, c: channel, a: 500 }),
        state: { values: { amount: { amount: { type: 'plain_text_input', value: '500.00' } } } },
      },
    }),
  }).toString();
}

async function until(
  check: () => boolean | Promise<boolean>,
  pollMs = 10,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('timed out');
    await sleep(pollMs);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * SMS benchmark: N phones each text the app M messages through `POST /api/sms/inbound`, signed as
 * Twilio signs (the app checks every signature), and a turn ends when its replies have reached the
 * Twilio stand-in through the REST API. In the same run, the same turns go over Direct Line (a POST of
 * the activity, answered once the bot's turn is over). Two figures matter: how fast the webhook answers
 * (Twilio gives up after 15 s; target p99 < 100 ms) and SMS turns/s against Direct Line turns/s (target
 * ≥ 80%). One app, in memory, in this process; rounds alternate so drift favours neither channel.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../../app.js';
import { loadConfig } from '../../config.js';
import type { TwilioSandbox } from '../../sandbox/twilio/index.js';
import { percentile } from '../percentile.js';

const conversations = 20;
const messagesPerConversation = 10;
/** What each customer says, round-robin; none needs signing in, so both channels do the same work. */
const messages = ['hi', 'what is a deductible?', 'help', 'what does home insurance cover?'];

interface Round {
  turns: number;
  seconds: number;
  /** Per turn, ms: the webhook's answer (SMS) or the POST's (Direct Line). */
  answered: number[];
  /** Per turn, ms, until the replies arrived. */
  turnMs: number[];
}

export async function run(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'insuralink-bench-sms-'));
  const app = createApp(loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), {
    inMemoryDatabase: true,
    shutdownGraceMs: 1000,
  });
  try {
    const url = await app.start();
    const sandbox = app.twilioSandbox;
    if (!sandbox) throw new Error('the SMS benchmark needs the Twilio stand-in (unset TWILIO_*)');
    const replies = await repliesPerMessage(sandbox);
    let phoneSeq = 0;
    const smsRound = () =>
      runRound((index) =>
        smsConversation(sandbox, `+1555557${String(phoneSeq++).padStart(4, '0')}`, replies, index),
      );
    const directLineRound = () => runRound(() => directLineConversation(url));
    // Warm-up, unmeasured.
    await smsRound();
    await directLineRound();
    const sms: Round[] = [];
    const directLine: Round[] = [];
    for (let i = 0; i < 2; i++) {
      sms.push(await smsRound());
      directLine.push(await directLineRound());
    }
    const smsFigures = summarise(sms);
    const dlFigures = summarise(directLine);
    console.log(
      `${conversations} conversations × ${messagesPerConversation} messages, 2 rounds each, alternating`,
    );
    print('SMS (signed webhook → reply at the stand-in)', smsFigures);
    print('Direct Line (POST activity → turn over)', dlFigures);
    const ratio = smsFigures.rate / dlFigures.rate;
    console.log(
      `SMS turns/s against Direct Line: ${(ratio * 100).toFixed(0)}% (target ≥ 80%: ${ratio >= 0.8 ? 'met' : 'NOT met'})`,
    );
    console.log(
      `webhook answered p99 ${smsFigures.answeredP99.toFixed(1)} ms (target < 100 ms: ${smsFigures.answeredP99 < 100 ? 'met' : 'NOT met'})`,
    );
  } finally {
    await app.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** How many messages the bot answers each benchmark message with, over SMS (deterministic replies). */
async function repliesPerMessage(sandbox: TwilioSandbox): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const phone = '+15555569999';
  for (const message of messages) {
    const before = sandbox.received(phone).length;
    await sandbox.text({ from: phone, body: message });
    await sandbox.waitUntil(() => sandbox.received(phone).length > before);
    // Replies of one turn leave one after another: wait until no more arrive.
    let seen = -1;
    while (seen !== sandbox.received(phone).length) {
      seen = sandbox.received(phone).length;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    counts.set(message, seen - before);
  }
  return counts;
}

type Conversation = () => Promise<{ answered: number[]; turnMs: number[] }>;

async function runRound(conversation: (index: number) => Conversation): Promise<Round> {
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: conversations }, (_, index) => conversation(index)()),
  );
  const seconds = (performance.now() - started) / 1000;
  const answered = results.flatMap((result) => result.answered);
  return { turns: answered.length, seconds, answered, turnMs: results.flatMap((result) => result.turnMs) };
}

function smsConversation(
  sandbox: TwilioSandbox,
  phone: string,
  replies: Map<string, number>,
  offset: number,
): Conversation {
  return async () => {
    const answered: number[] = [];
    const turnMs: number[] = [];
    for (let n = 0; n < messagesPerConversation; n++) {
      const message = messages[(n + offset) % messages.length]!;
      const expected = sandbox.received(phone).length + (replies.get(message) ?? 1);
      const start = performance.now();
      const { status } = await sandbox.text({ from: phone, body: message });
      answered.push(performance.now() - start);
      if (status !== 200) throw new Error(`the webhook answered ${status}`);
      await sandbox.waitUntil(() => sandbox.received(phone).length >= expected, 30_000);
      turnMs.push(performance.now() - start);
    }
    return { answered, turnMs };
  };
}

function directLineConversation(baseUrl: string): Conversation {
  return async () => {
    const token = (
      (await (await fetch(`${baseUrl}/api/chat/token`, { method: 'POST' })).json()) as { token: string }
    ).token;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const started = await fetch(`${baseUrl}/v3/directline/conversations`, { method: 'POST', headers });
    const { conversationId } = (await started.json()) as { conversationId: string };
    const answered: number[] = [];
    for (let n = 0; n < messagesPerConversation; n++) {
      const start = performance.now();
      const response = await fetch(`${baseUrl}/v3/directline/conversations/${conversationId}/activities`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ type: 'message', from: { id: 'bench' }, text: messages[n % messages.length] }),
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`Direct Line answered ${response.status}`);
      answered.push(performance.now() - start);
    }
    return { answered, turnMs: answered };
  };
}

function summarise(rounds: Round[]) {
  const turns = rounds.reduce((sum, round) => sum + round.turns, 0);
  const seconds = rounds.reduce((sum, round) => sum + round.seconds, 0);
  const answered = rounds.flatMap((round) => round.answered).sort((a, b) => a - b);
  const turnMs = rounds.flatMap((round) => round.turnMs).sort((a, b) => a - b);
  return {
    rate: turns / seconds,
    answeredP50: percentile(answered, 0.5),
    answeredP99: percentile(answered, 0.99),
    turnP50: percentile(turnMs, 0.5),
    turnP99: percentile(turnMs, 0.99),
  };
}

function print(name: string, figures: ReturnType<typeof summarise>): void {
  console.log(
    `${name}: ${figures.rate.toFixed(1)} turns/s; answered p50 ${figures.answeredP50.toFixed(1)} ms, ` +
      `p99 ${figures.answeredP99.toFixed(1)} ms; turn p50 ${figures.turnP50.toFixed(1)} ms, p99 ${figures.turnP99.toFixed(1)} ms`,
  );
}

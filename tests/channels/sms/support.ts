/** The app with its Twilio stand-in, and a phone to text it from. */
import assert from 'node:assert/strict';
import type { SandboxMessage, TwilioSandbox } from '../../../src/sandbox/twilio/index.js';
import { startDemoApp, type RunningApp } from '../../support/app.js';

export interface SmsApp extends RunningApp {
  sandbox: TwilioSandbox;
}

export async function startSmsApp(env: NodeJS.ProcessEnv = {}): Promise<SmsApp> {
  const running = await startDemoApp(env);
  const sandbox = running.app.twilioSandbox;
  assert.ok(sandbox, 'the app runs the Twilio stand-in when TWILIO_* is unset');
  return { ...running, sandbox };
}

/** A phone texting the app: sends a message and waits for the replies it causes. */
export class Phone {
  constructor(
    private readonly sandbox: TwilioSandbox,
    readonly number: string,
  ) {}

  received(): SandboxMessage[] {
    return this.sandbox.received(this.number);
  }

  /** Texts `body` and resolves with the replies that arrive until the bot has been quiet for a moment. */
  async text(body: string, media: { contentType: string; data: string }[] = []): Promise<string[]> {
    const before = this.received().length;
    const { status } = await this.sandbox.text({ from: this.number, body, media });
    assert.equal(status, 200);
    return this.repliesAfter(before);
  }

  /** The replies after the first `before`, once at least one arrived and no more came for 300 ms. */
  async repliesAfter(before: number, quietMs = 300): Promise<string[]> {
    await this.sandbox.waitUntil(() => this.received().length > before);
    let count = -1;
    while (count !== this.received().length) {
      count = this.received().length;
      await new Promise((resolve) => setTimeout(resolve, quietMs));
    }
    return this.received()
      .slice(before)
      .map((message) => message.body);
  }
}

/** Waits `ms` (to show that nothing arrives). */
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

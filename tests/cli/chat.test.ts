import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startDemoApp, type RunningApp } from '../support/app.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** `npm run chat` as a child process, with its output collected; `url` undefined passes no `--url`. */
function startChat(url: string | undefined, env: NodeJS.ProcessEnv = {}) {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/chat.ts', ...(url === undefined ? [] : ['--url', url])],
    { cwd: root, stdio: 'pipe', env: { ...process.env, ...env } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    exited,
    output: () => stdout,
    errors: () => stderr,
    /** Resolves with the output once it matches `pattern`; fails after 15 s or when the chat exits. */
    async waitFor(pattern: RegExp): Promise<string> {
      const deadline = Date.now() + 15_000;
      while (!pattern.test(stdout)) {
        if (child.exitCode !== null) assert.fail(`chat exited early: ${stdout}${stderr}`);
        if (Date.now() > deadline) assert.fail(`no ${pattern} in chat output:\n${stdout}${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return stdout;
    },
  };
}

describe('npm run chat', () => {
  let server: RunningApp;

  before(async () => {
    server = await startDemoApp();
  });

  after(async () => {
    await server.stop();
  });

  test('verifies the demo customer and lists their policies, picking a suggested action by number', async () => {
    const chat = startChat(server.url);
    try {
      // The bot greets a new conversation with its menu, and answers a hello with it again.
      await chat.waitFor(/bot> .*\n {2}1\) Show my policies\n {2}2\) /);
      chat.child.stdin.write('hello\n');
      await chat.waitFor(/1\) Show my policies[\s\S]*1\) Show my policies/);
      chat.child.stdin.write('1\n');
      await chat.waitFor(/bot> .*What is your policy number/);
      chat.child.stdin.write('AUT-100200\n');
      await chat.waitFor(/bot> .*date of birth/);
      chat.child.stdin.write('April 12, 1988\n');
      const output = await chat.waitFor(/HOM-300400[\s\S]*AUT-100200/);
      assert.match(output, /verified/);
      assert.doesNotMatch(output, /BotState|\[object Object\]/);
      chat.child.stdin.end();
      assert.equal(await chat.exited, 0);
      assert.equal(chat.errors(), '');
    } finally {
      chat.child.kill();
    }
  });

  test('/quit leaves cleanly', async () => {
    const chat = startChat(server.url);
    try {
      await chat.waitFor(/1\) Show my policies/);
      chat.child.stdin.write('/quit\n');
      assert.equal(await chat.exited, 0);
    } finally {
      chat.child.kill();
    }
  });

  test('talks to the bot on PORT by default, and --url wins over PORT', async () => {
    const port = new URL(server.url).port;
    const byPort = startChat(undefined, { PORT: port });
    try {
      const output = await byPort.waitFor(/1\) Show my policies/);
      assert.match(output, new RegExp(`^Connected to http://localhost:${port}\\.`));
      byPort.child.stdin.write('/quit\n');
      assert.equal(await byPort.exited, 0);
    } finally {
      byPort.child.kill();
    }

    const byUrl = startChat(server.url, { PORT: '9' });
    try {
      await byUrl.waitFor(/1\) Show my policies/);
      byUrl.child.stdin.write('/quit\n');
      assert.equal(await byUrl.exited, 0);
    } finally {
      byUrl.child.kill();
    }
  });

  test('says in one line that no bot answers when the server is not running', async () => {
    const chat = startChat('http://127.0.0.1:9');
    try {
      assert.equal(await chat.exited, 1);
      assert.equal(
        chat.errors().trim(),
        'No InsuraLink bot answers at http://127.0.0.1:9 — start it with npm start',
      );
      assert.equal(chat.output(), '');
    } finally {
      chat.child.kill();
    }
  });
});

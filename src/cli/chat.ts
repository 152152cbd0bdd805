/**
 * `npm run chat [-- --url URL]`: a terminal chat with a running InsuraLink bot over its Direct Line
 * endpoint, the way the website widget talks to it; the bot at `http://localhost:$PORT` unless `--url`
 * names another. Suggested actions are shown as numbered choices; typing the number alone picks one.
 * `/quit` or Ctrl-D leaves.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../config.js';

const tokenSchema = z.object({ token: z.string(), conversationId: z.string(), userId: z.string() });
const conversationSchema = z.object({ conversationId: z.string(), token: z.string(), streamUrl: z.string() });

const actionSchema = z.looseObject({
  title: z.string().optional(),
  value: z.unknown(),
  text: z.string().optional(),
});
const attachmentSchema = z.looseObject({
  contentType: z.string(),
  content: z.unknown(),
  name: z.string().optional(),
});
const activitySchema = z.looseObject({
  type: z.string(),
  from: z.looseObject({ id: z.string() }).optional(),
  text: z.string().optional(),
  attachments: z.array(attachmentSchema).optional(),
  suggestedActions: z.looseObject({ actions: z.array(actionSchema) }).optional(),
});
const activitySetSchema = z.object({ activities: z.array(z.unknown()) });

type Activity = z.infer<typeof activitySchema>;
type Action = z.infer<typeof actionSchema>;

/** Raised for problems worth one line to the user rather than a stack trace. */
class ChatError extends Error {}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { url: { type: 'string' } } });
  const base = (values.url ?? `http://localhost:${loadConfig().port}`).replace(/\/+$/, '');
  const { userId, token, conversationId, streamUrl } = await connect(base);
  console.log(`Connected to ${base}. Type a message, a number to pick a choice, /quit or Ctrl-D to leave.`);

  const terminal = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal, prompt: 'you> ' });
  let choices: Action[] = [];
  let leaving = false;

  /** Prints above the line being typed, then redraws the prompt with what was typed so far. */
  const print = (lines: string[]) => {
    if (terminal) process.stdout.write('\r\x1b[K');
    process.stdout.write(`${lines.join('\n')}\n`);
    if (terminal) rl.prompt(true);
  };

  const ws = new WebSocket(streamUrl);
  ws.on('message', (data) => {
    const set = activitySetSchema.safeParse(parseJson(data.toString()));
    // Empty frames are the service's keep-alives.
    if (!set.success) return;
    for (const raw of set.data.activities) {
      const activity = activitySchema.safeParse(raw);
      if (!activity.success || activity.data.type !== 'message' || activity.data.from?.id === userId)
        continue;
      choices = activity.data.suggestedActions?.actions ?? [];
      print(render(activity.data, choices));
    }
  });
  ws.on('error', (error) => {
    if (!leaving) fail(`The chat stream failed: ${error.message}`);
  });
  // Exiting outright: a paused stdin pipe would otherwise keep the process alive after `/quit`.
  ws.on('close', () => {
    if (!leaving) console.error('The bot closed the conversation.');
    process.exit(leaving ? 0 : 1);
  });

  rl.on('line', (line) => {
    const input = line.trim();
    if (input === '/quit') return rl.close();
    if (input === '') return terminal && rl.prompt();
    const choice = /^\d+$/.test(input) ? choices[Number(input) - 1] : undefined;
    const message = choice ? actionText(choice) : input;
    if (choice && terminal) print([`(${message})`]);
    else if (terminal) rl.prompt();
    send(base, token, conversationId, userId, message).catch((error: unknown) =>
      print([`Could not send that: ${error instanceof Error ? error.message : String(error)}`]),
    );
  });
  rl.on('close', () => {
    leaving = true;
    // Closing a socket that is still connecting emits an error, then close, which exits.
    ws.close();
  });
  if (terminal) rl.prompt();
}

/** Gets a token from the widget's endpoint and starts the conversation with it. */
async function connect(
  base: string,
): Promise<{ userId: string; token: string; conversationId: string; streamUrl: string }> {
  let response: Response;
  try {
    response = await fetch(`${base}/api/chat/token`, { method: 'POST' });
  } catch {
    throw new ChatError(`No InsuraLink bot answers at ${base} — start it with npm start`);
  }
  if (!response.ok) throw new ChatError(`${base} answered ${response.status} to a chat token request.`);
  const issued = tokenSchema.parse(await response.json());
  const started = await fetch(`${base}/v3/directline/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${issued.token}` },
  });
  if (!started.ok) throw new ChatError(`Starting the conversation failed with ${started.status}.`);
  const conversation = conversationSchema.parse(await started.json());
  return { userId: issued.userId, ...conversation };
}

async function send(base: string, token: string, conversationId: string, userId: string, text: string) {
  const response = await fetch(`${base}/v3/directline/conversations/${conversationId}/activities`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'message', from: { id: userId }, text, locale: 'en-US' }),
  });
  if (!response.ok) throw new Error(`the bot answered ${response.status}`);
}

/** The text a choice sends, as Web Chat does for imBack/postBack/messageBack. */
function actionText(action: Action): string {
  if (typeof action.value === 'string') return action.value;
  return action.text ?? action.title ?? '';
}

/** A bot message as terminal lines: its text, readable cards, then numbered choices. */
function render(activity: Activity, choices: Action[]): string[] {
  const lines: string[] = [];
  if (activity.text)
    lines.push(
      ...activity.text.split('\n').map((line, i) => `${i === 0 ? 'bot> ' : '     '}${line}`.trimEnd()),
    );
  for (const attachment of activity.attachments ?? []) {
    if (attachment.contentType === 'application/vnd.microsoft.card.adaptive') {
      lines.push(...cardLines(attachment.content).map((line) => `     ${line}`));
    } else if (attachment.contentType.startsWith('application/vnd.microsoft.card.')) {
      const card = z
        .looseObject({
          title: z.string().optional(),
          subtitle: z.string().optional(),
          text: z.string().optional(),
        })
        .safeParse(attachment.content);
      if (card.success) {
        const { title, subtitle, text } = card.data;
        lines.push(...[title, subtitle, text].filter((part) => part).map((part) => `     ${part}`));
      }
    } else {
      lines.push(`     [${attachment.name ?? attachment.contentType}]`);
    }
  }
  choices.forEach((choice, index) => lines.push(`  ${index + 1}) ${choice.title ?? actionText(choice)}`));
  return lines;
}

const elementSchema = z.looseObject({
  type: z.string().optional(),
  text: z.string().optional(),
  facts: z.array(z.object({ title: z.string(), value: z.string() })).optional(),
  inlines: z.array(z.unknown()).optional(),
  items: z.array(z.unknown()).optional(),
  columns: z.array(z.unknown()).optional(),
  body: z.array(z.unknown()).optional(),
  fallbackText: z.string().optional(),
  actions: z.array(z.looseObject({ title: z.string().optional(), url: z.string().optional() })).optional(),
});

/** The TextBlocks, RichTextBlocks, FactSets and links of an Adaptive Card, in reading order. */
function cardLines(node: unknown): string[] {
  const element = elementSchema.safeParse(node);
  if (!element.success) return [];
  const { type, text, facts, inlines, items, columns, body, fallbackText, actions } = element.data;
  if (type === 'AdaptiveCard' && !body && fallbackText) return fallbackText.split('\n');
  if (type === 'TextBlock' && text) return text.split('\n');
  if (type === 'FactSet' && facts) return facts.map((fact) => `${fact.title}: ${fact.value}`);
  if (type === 'RichTextBlock' && inlines) {
    return [
      inlines
        .map((inline) =>
          typeof inline === 'string' ? inline : (elementSchema.safeParse(inline).data?.text ?? ''),
        )
        .join(''),
    ];
  }
  const links = (actions ?? []).flatMap((action) =>
    action.url ? [`${action.title ?? 'Link'}: ${action.url}`] : [],
  );
  return [...[...(body ?? []), ...(items ?? []), ...(columns ?? [])].flatMap(cardLines), ...links];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

main().catch((error: unknown) => {
  if (error instanceof ChatError || error instanceof ConfigError) fail(error.message);
  fail(`Chat failed: ${error instanceof Error ? error.message : String(error)}`);
});

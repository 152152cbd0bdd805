/**
 * The Slack stand-in's workspace: two channels with their threads, ephemeral messages, modals and App
 * Home views, kept in memory, and the Web API methods the app calls with Slack's request and response
 * shapes (`{ ok: false, error }` for what Slack refuses, including blocks over Slack's limits).
 */
import { randomBytes } from 'node:crypto';

/** A message in a channel, or a reply in its thread. */
export interface SandboxMessage {
  ts: string;
  channel: string;
  /** A user id, or the app's bot user id for what the app posted. */
  user: string;
  text: string;
  blocks?: unknown[];
  threadTs?: string;
  replies: SandboxMessage[];
  edited?: string;
  /** Files shared with the message, as Slack describes them. */
  files?: Record<string, unknown>[];
}

/** A file someone shared, kept so the app can download it with the bot token. */
export interface SandboxFile {
  id: string;
  name: string;
  mimetype: string;
  user: string;
  created: number;
  data: Buffer;
}

/** Files the stand-in keeps (the oldest go first). */
const maxFiles = 50;

export interface SandboxView {
  id: string;
  hash: string;
  user: string;
  view: Record<string, unknown>;
}

/** Someone who can use the sandbox page. */
export interface SandboxUser {
  id: string;
  name: string;
  role: string;
}

export const sandboxTeam = { id: 'T0SANDBOX', domain: 'insuralink-sandbox' } as const;
export const sandboxBot = { userId: 'U0INSURALINK', botId: 'B0INSURALINK', appId: 'A0INSURALINK' } as const;

/** The stand-in's channels: where claim cards go and where handoffs go. */
export const sandboxChannels = {
  approvals: { id: 'C0APPROVALS', name: 'claims-approvals' },
  support: { id: 'C0SUPPORT', name: 'claims-support' },
} as const;

type Params = Record<string, unknown>;
type Answer = Record<string, unknown> & { ok: boolean };

export class SandboxWorkspace {
  readonly channels = new Map<string, { id: string; name: string; messages: SandboxMessage[] }>();
  readonly ephemerals: { channel: string; user: string; text: string; ts: string }[] = [];
  readonly views = new Map<string, SandboxView>();
  readonly homes = new Map<string, Record<string, unknown>>();
  readonly files = new Map<string, SandboxFile>();
  private readonly triggers = new Map<string, { user: string; expires: number }>();
  private clock = 0;

  /** `filesUrl` is where the files are served (`url_private`), as `https://files.slack.com/files-pri/`. */
  constructor(
    readonly users: () => Promise<SandboxUser[]>,
    private readonly filesUrl: () => string = () => 'http://localhost/sandbox/slack/files-pri/',
  ) {
    for (const channel of Object.values(sandboxChannels)) {
      this.channels.set(channel.id, { id: channel.id, name: channel.name, messages: [] });
    }
  }

  /** A fresh, increasing Slack timestamp id. */
  nextTs(): string {
    const seconds = Math.floor(Date.now() / 1000);
    this.clock = Math.max(this.clock + 1, seconds * 1_000_000);
    return `${Math.floor(this.clock / 1_000_000)}.${String(this.clock % 1_000_000).padStart(6, '0')}`;
  }

  /** A trigger id for an interaction of `user`, valid for a few seconds as in Slack. */
  trigger(user: string): string {
    const id = `${Date.now()}.${randomBytes(6).toString('hex')}`;
    this.triggers.set(id, { user, expires: Date.now() + 10_000 });
    return id;
  }

  findMessage(channel: string, ts: string): SandboxMessage | undefined {
    const messages = this.channels.get(channel)?.messages ?? [];
    for (const message of messages) {
      if (message.ts === ts) return message;
      const reply = message.replies.find((entry) => entry.ts === ts);
      if (reply) return reply;
    }
    return undefined;
  }

  /** Keeps an uploaded file; resolves with it as Slack describes it in a `file_share` message. */
  upload(input: { user: string; name: string; mimetype: string; data: Buffer }): Record<string, unknown> {
    const file: SandboxFile = {
      ...input,
      id: `F${randomBytes(5).toString('hex').toUpperCase()}`,
      created: Math.floor(Date.now() / 1000),
    };
    this.files.set(file.id, file);
    if (this.files.size > maxFiles) this.files.delete(this.files.keys().next().value!);
    return this.wireFile(file);
  }

  /** The file that `url_private` (or `url_private_download`) names, by its id path segment. */
  fileAt(segment: string): SandboxFile | undefined {
    const id = segment.startsWith(`${sandboxTeam.id}-`) ? segment.slice(sandboxTeam.id.length + 1) : '';
    return this.files.get(id);
  }

  /** A file as Slack describes it in events and `files.info`. */
  wireFile(file: SandboxFile): Record<string, unknown> {
    const path = `${this.filesUrl()}${sandboxTeam.id}-${file.id}`;
    const name = encodeURIComponent(file.name);
    const extension = /\.([a-z0-9]{1,8})$/i.exec(file.name)?.[1]?.toLowerCase() ?? 'binary';
    return {
      id: file.id,
      created: file.created,
      timestamp: file.created,
      name: file.name,
      title: file.name,
      mimetype: file.mimetype,
      filetype: extension,
      pretty_type: extension.toUpperCase(),
      user: file.user,
      user_team: sandboxTeam.id,
      editable: false,
      size: file.data.length,
      mode: 'hosted',
      is_external: false,
      external_type: '',
      is_public: true,
      public_url_shared: false,
      display_as_bot: false,
      username: '',
      url_private: `${path}/${name}`,
      url_private_download: `${path}/download/${name}`,
      permalink: `https://${sandboxTeam.domain}.slack.com/files/${file.user}/${file.id}/${name}`,
      has_rich_preview: false,
      file_access: 'visible',
    };
  }

  /** Adds a message (to a thread when `threadTs` is given). */
  post(input: {
    channel: string;
    user: string;
    text: string;
    blocks?: unknown[];
    threadTs?: string;
    files?: Record<string, unknown>[];
  }): SandboxMessage | undefined {
    const channel = this.channels.get(input.channel);
    if (!channel) return undefined;
    const message: SandboxMessage = { ...input, ts: this.nextTs(), replies: [] };
    if (input.threadTs) {
      const parent = channel.messages.find((entry) => entry.ts === input.threadTs);
      if (!parent) return undefined;
      parent.replies.push(message);
    } else channel.messages.push(message);
    return message;
  }

  /** Runs one Web API method. */
  async call(method: string, params: Params): Promise<Answer> {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: `https://${sandboxTeam.domain}.slack.com/`,
          team: 'InsuraLink (sandbox)',
          user: 'insuralink',
          team_id: sandboxTeam.id,
          user_id: sandboxBot.userId,
          bot_id: sandboxBot.botId,
        };
      case 'chat.postMessage': {
        const blocks = list(params.blocks);
        const text = str(params.text);
        if (!text && !blocks) return { ok: false, error: 'no_text' };
        const invalid = blocks && blockProblem(blocks);
        if (invalid) return { ok: false, error: 'invalid_blocks', errors: [invalid] };
        const threadTs = str(params.thread_ts);
        const message = this.post({
          channel: str(params.channel) ?? '',
          user: sandboxBot.userId,
          text: text ?? '',
          ...(blocks ? { blocks } : {}),
          ...(threadTs ? { threadTs } : {}),
        });
        if (!message) return { ok: false, error: threadTs ? 'thread_not_found' : 'channel_not_found' };
        return { ok: true, channel: message.channel, ts: message.ts, message: wire(message) };
      }
      case 'chat.update': {
        const message = this.findMessage(str(params.channel) ?? '', str(params.ts) ?? '');
        if (!message) return { ok: false, error: 'message_not_found' };
        const blocks = list(params.blocks);
        const invalid = blocks && blockProblem(blocks);
        if (invalid) return { ok: false, error: 'invalid_blocks', errors: [invalid] };
        message.text = str(params.text) ?? message.text;
        if (blocks) message.blocks = blocks;
        message.edited = this.nextTs();
        return {
          ok: true,
          channel: message.channel,
          ts: message.ts,
          text: message.text,
          message: wire(message),
        };
      }
      case 'chat.postEphemeral': {
        const channel = str(params.channel) ?? '';
        const user = str(params.user) ?? '';
        if (!this.channels.has(channel)) return { ok: false, error: 'channel_not_found' };
        if (!(await this.knows(user))) return { ok: false, error: 'user_not_found' };
        const ts = this.nextTs();
        this.ephemerals.push({ channel, user, text: str(params.text) ?? '', ts });
        if (this.ephemerals.length > 500) this.ephemerals.shift();
        return { ok: true, message_ts: ts };
      }
      case 'views.open': {
        const trigger = this.triggers.get(str(params.trigger_id) ?? '');
        if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
        if (trigger.expires < Date.now()) return { ok: false, error: 'expired_trigger_id' };
        this.triggers.delete(str(params.trigger_id) ?? '');
        const view = object(params.view);
        if (!view) return { ok: false, error: 'invalid_arguments' };
        const invalid = blockProblem(list(view.blocks) ?? []);
        if (invalid) return { ok: false, error: 'invalid_arguments', errors: [invalid] };
        const stored: SandboxView = {
          id: `V${randomBytes(5).toString('hex').toUpperCase()}`,
          hash: this.nextTs(),
          user: trigger.user,
          view,
        };
        this.views.set(stored.id, stored);
        return { ok: true, view: wireView(stored) };
      }
      case 'views.update': {
        const stored = this.views.get(str(params.view_id) ?? '');
        const view = object(params.view);
        if (!stored || !view) return { ok: false, error: 'not_found' };
        stored.view = view;
        stored.hash = this.nextTs();
        return { ok: true, view: wireView(stored) };
      }
      case 'views.publish': {
        const user = str(params.user_id) ?? '';
        const view = object(params.view);
        if (!view) return { ok: false, error: 'invalid_arguments' };
        if (!(await this.knows(user))) return { ok: false, error: 'user_not_found' };
        this.homes.set(user, view);
        return { ok: true, view: { id: `V${user}`, ...view } };
      }
      case 'users.info': {
        const user = (await this.users()).find((entry) => entry.id === str(params.user));
        if (!user) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id: user.id,
            team_id: sandboxTeam.id,
            name: user.name.toLowerCase().replace(/\s+/g, '.'),
            real_name: user.name,
            profile: { real_name: user.name, display_name: user.name },
          },
        };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private async knows(user: string): Promise<boolean> {
    return (await this.users()).some((entry) => entry.id === user);
  }
}

/** A message as Slack returns it. */
export function wire(message: SandboxMessage): Record<string, unknown> {
  return {
    type: 'message',
    user: message.user,
    text: message.text,
    ts: message.ts,
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
    ...(message.files ? { files: message.files, upload: false } : {}),
    ...(message.user === sandboxBot.userId ? { bot_id: sandboxBot.botId, app_id: sandboxBot.appId } : {}),
  };
}

export function wireView(stored: SandboxView): Record<string, unknown> {
  return {
    ...stored.view,
    id: stored.id,
    hash: stored.hash,
    team_id: sandboxTeam.id,
    app_id: sandboxBot.appId,
  };
}

/** Slack's limits on blocks: what Slack would answer `invalid_blocks` to. */
export function blockProblem(blocks: unknown[]): string | undefined {
  if (blocks.length > 50) return 'no more than 50 items allowed [json-pointer:/blocks]';
  for (const [index, block] of blocks.entries()) {
    const entry = object(block);
    const text = object(entry?.text);
    if (entry?.type === 'section') {
      if (typeof text?.text === 'string' && text.text.length > 3000) {
        return `must be less than 3001 characters [json-pointer:/blocks/${index}/text/text]`;
      }
      const fields = list(entry.fields) ?? [];
      if (fields.length > 10) return `no more than 10 items allowed [json-pointer:/blocks/${index}/fields]`;
      for (const field of fields) {
        const fieldText = object(field)?.text;
        if (typeof fieldText === 'string' && fieldText.length > 2000) {
          return `must be less than 2001 characters [json-pointer:/blocks/${index}/fields]`;
        }
      }
    }
    if (entry?.type === 'header' && typeof text?.text === 'string' && text.text.length > 150) {
      return `must be less than 151 characters [json-pointer:/blocks/${index}/text/text]`;
    }
  }
  return undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The Web API takes JSON-valued arguments as JSON strings in form posts. */
function parsed(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function list(value: unknown): unknown[] | undefined {
  const result = parsed(value);
  return Array.isArray(result) ? result : undefined;
}

function object(value: unknown): Record<string, unknown> | undefined {
  const result = parsed(value);
  return typeof result === 'object' && result !== null && !Array.isArray(result)
    ? (result as Record<string, unknown>)
    : undefined;
}

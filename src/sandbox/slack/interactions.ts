/**
 * What a person does on the sandbox page, turned into the request Slack would send the app (block
 * actions, modal submissions, slash commands, message and App Home events), signed with the sandbox's
 * signing secret and posted to the app's `POST /api/slack/events`, which verifies it like any other.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { signedHeaders } from './signing.js';

/** The largest file the page may attach: above the app's cap, so its refusal can be tried. */
export const sandboxMaxFileBytes = 12 * 1024 * 1024;
import { sandboxBot, sandboxTeam, wire, wireView, type SandboxWorkspace } from './workspace.js';

export const interactionSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('button'),
    user: z.string().min(1).max(30),
    channel: z.string().min(1).max(30),
    messageTs: z.string().min(1).max(30),
    actionId: z.string().min(1).max(255),
    blockId: z.string().max(255).default(''),
    value: z.string().max(2000).default(''),
  }),
  z.object({
    type: z.literal('submit'),
    user: z.string().min(1).max(30),
    viewId: z.string().min(1).max(30),
    values: z.record(z.string().max(255), z.string().max(3000)),
  }),
  z.object({ type: z.literal('close'), user: z.string().min(1).max(30), viewId: z.string().min(1).max(30) }),
  z.object({
    type: z.literal('command'),
    user: z.string().min(1).max(30),
    channel: z.string().min(1).max(30),
    text: z.string().max(3000),
  }),
  z.object({
    type: z.literal('reply'),
    user: z.string().min(1).max(30),
    channel: z.string().min(1).max(30),
    threadTs: z.string().min(1).max(30),
    /** May be empty when a file is attached. */
    text: z.string().trim().max(3000),
    /** A file attached to the reply, its bytes in base64. */
    file: z
      .object({
        name: z.string().trim().min(1).max(255),
        mimetype: z
          .string()
          .regex(/^[\w.+-]+\/[\w.+-]+$/)
          .default('application/octet-stream'),
        data: z.base64().max(Math.ceil((sandboxMaxFileBytes * 4) / 3) + 4),
      })
      .optional(),
  }),
  z.object({ type: z.literal('home'), user: z.string().min(1).max(30) }),
]);
export type Interaction = z.infer<typeof interactionSchema>;

/** What the app answered, as the page needs it. */
export interface InteractionResult {
  status: number;
  /** Messages under modal inputs, when the app kept the modal open. */
  errors?: Record<string, string>;
  /** A command's immediate ephemeral answer. */
  text?: string;
}

/** Options of {@link SandboxInteractions}. */
export interface SandboxInteractionsOptions {
  workspace: SandboxWorkspace;
  signingSecret: string;
  /** Where the app's `POST /api/slack/events` is. */
  eventsUrl: () => string;
}

export class SandboxInteractions {
  constructor(private readonly options: SandboxInteractionsOptions) {}

  async run(interaction: Interaction): Promise<InteractionResult> {
    const { workspace } = this.options;
    const user = (await workspace.users()).find((entry) => entry.id === interaction.user);
    const who = {
      id: interaction.user,
      username: user?.name.toLowerCase().replace(/\s+/g, '.') ?? interaction.user,
      name: user?.name ?? interaction.user,
      team_id: sandboxTeam.id,
    };
    switch (interaction.type) {
      case 'button': {
        const message = workspace.findMessage(interaction.channel, interaction.messageTs);
        if (!message) return { status: 404 };
        const channel = workspace.channels.get(interaction.channel)!;
        return this.send('form', {
          payload: JSON.stringify({
            type: 'block_actions',
            user: who,
            api_app_id: sandboxBot.appId,
            token: 'sandbox',
            container: {
              type: 'message',
              message_ts: message.ts,
              channel_id: channel.id,
              is_ephemeral: false,
            },
            trigger_id: workspace.trigger(interaction.user),
            team: sandboxTeam,
            enterprise: null,
            is_enterprise_install: false,
            channel: { id: channel.id, name: channel.name },
            message: wire(message),
            response_url: `${this.options.eventsUrl()}#response`,
            actions: [
              {
                type: 'button',
                action_id: interaction.actionId,
                block_id: interaction.blockId,
                value: interaction.value,
                text: { type: 'plain_text', text: interaction.actionId },
                action_ts: actionTs(),
              },
            ],
          }),
        });
      }
      case 'submit': {
        const stored = workspace.views.get(interaction.viewId);
        if (!stored || stored.user !== interaction.user) return { status: 404 };
        const values = stateValues(stored.view, interaction.values);
        const result = await this.send('form', {
          payload: JSON.stringify({
            type: 'view_submission',
            team: sandboxTeam,
            user: who,
            api_app_id: sandboxBot.appId,
            token: 'sandbox',
            trigger_id: workspace.trigger(interaction.user),
            view: { ...wireView(stored), state: { values } },
            response_urls: [],
            is_enterprise_install: false,
          }),
        });
        if (!result.errors && result.status === 200) workspace.views.delete(stored.id);
        return result;
      }
      case 'close':
        workspace.views.delete(interaction.viewId);
        return { status: 200 };
      case 'command': {
        const channel = workspace.channels.get(interaction.channel);
        if (!channel) return { status: 404 };
        const [command = '', ...rest] = interaction.text.trim().split(/\s+/);
        return this.send('form', {
          token: 'sandbox',
          team_id: sandboxTeam.id,
          team_domain: sandboxTeam.domain,
          channel_id: channel.id,
          channel_name: channel.name,
          user_id: interaction.user,
          user_name: who.username,
          command: command.startsWith('/') ? command : '/insuralink',
          text: command.startsWith('/') ? rest.join(' ') : interaction.text.trim(),
          api_app_id: sandboxBot.appId,
          is_enterprise_install: 'false',
          response_url: `${this.options.eventsUrl()}#response`,
          trigger_id: workspace.trigger(interaction.user),
        });
      }
      case 'reply': {
        if (!interaction.text && !interaction.file) return { status: 400 };
        if (!workspace.findMessage(interaction.channel, interaction.threadTs)) return { status: 404 };
        // A file shared in a thread is a `file_share` message carrying Slack's description of it.
        const files = interaction.file && [
          workspace.upload({
            user: interaction.user,
            name: interaction.file.name,
            mimetype: interaction.file.mimetype,
            data: Buffer.from(interaction.file.data, 'base64'),
          }),
        ];
        const message = workspace.post({
          channel: interaction.channel,
          user: interaction.user,
          text: interaction.text,
          threadTs: interaction.threadTs,
          ...(files ? { files } : {}),
        });
        if (!message) return { status: 404 };
        return this.event({
          type: 'message',
          ...(files ? { subtype: 'file_share', files, upload: false, display_as_bot: false } : {}),
          channel: interaction.channel,
          channel_type: 'channel',
          user: interaction.user,
          text: interaction.text,
          ts: message.ts,
          thread_ts: interaction.threadTs,
          event_ts: message.ts,
        });
      }
      case 'home':
        return this.event({
          type: 'app_home_opened',
          user: interaction.user,
          channel: `D${interaction.user.slice(1)}`,
          tab: 'home',
          event_ts: workspace.nextTs(),
        });
    }
  }

  /**
   * Sends an Events API callback carrying `event`, as Slack does (a fresh `event_id` unless one is
   * given; `retry` adds Slack's retry headers, as when the first delivery went unanswered).
   */
  event(
    event: Record<string, unknown>,
    delivery: { eventId?: string; retry?: number } = {},
  ): Promise<InteractionResult> {
    return this.send(
      'json',
      {
        token: 'sandbox',
        team_id: sandboxTeam.id,
        api_app_id: sandboxBot.appId,
        event,
        type: 'event_callback',
        event_id: delivery.eventId ?? `Ev${randomBytes(8).toString('hex').toUpperCase()}`,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [{ team_id: sandboxTeam.id, user_id: sandboxBot.userId, is_bot: true }],
      },
      delivery.retry
        ? { 'x-slack-retry-num': String(delivery.retry), 'x-slack-retry-reason': 'http_timeout' }
        : {},
    );
  }

  private async send(
    kind: 'form' | 'json',
    fields: Record<string, unknown>,
    extraHeaders: Record<string, string> = {},
  ): Promise<InteractionResult> {
    const body =
      kind === 'json'
        ? JSON.stringify(fields)
        : new URLSearchParams(Object.entries(fields).map(([key, value]) => [key, String(value)])).toString();
    const contentType = kind === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
    const response = await fetch(this.options.eventsUrl(), {
      method: 'POST',
      headers: { ...signedHeaders(this.options.signingSecret, body, contentType), ...extraHeaders },
      body,
    });
    const text = await response.text();
    const answer = parseAnswer(text);
    return {
      status: response.status,
      ...(answer?.response_action === 'errors' && answer.errors ? { errors: answer.errors } : {}),
      ...(typeof answer?.text === 'string' ? { text: answer.text } : {}),
    };
  }
}

function parseAnswer(
  text: string,
): { response_action?: string; errors?: Record<string, string>; text?: string } | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as { response_action?: string; errors?: Record<string, string>; text?: string };
  } catch {
    return undefined;
  }
}

function actionTs(): string {
  const now = Date.now();
  return `${Math.floor(now / 1000)}.${String((now % 1000) * 1000 + Math.floor(Math.random() * 1000)).padStart(6, '0')}`;
}

/** Slack's `view.state.values` for what was typed or chosen in each input block. */
function stateValues(view: Record<string, unknown>, typed: Record<string, string>) {
  const values: Record<string, Record<string, Record<string, unknown>>> = {};
  const blocks = Array.isArray(view.blocks) ? (view.blocks as Record<string, unknown>[]) : [];
  for (const block of blocks) {
    if (block.type !== 'input' || typeof block.block_id !== 'string') continue;
    const element = block.element as {
      type?: string;
      action_id?: string;
      options?: { value: string; text: unknown }[];
    };
    const actionId = element.action_id ?? block.block_id;
    const value = typed[block.block_id];
    if (element.type === 'static_select') {
      const option = element.options?.find((entry) => entry.value === value);
      values[block.block_id] = { [actionId]: { type: 'static_select', selected_option: option ?? null } };
    } else {
      values[block.block_id] = {
        [actionId]: { type: element.type ?? 'plain_text_input', value: value ?? null },
      };
    }
  }
  return values;
}

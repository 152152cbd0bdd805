/**
 * The one wrapper over the Slack Web API: typed inputs, plain outputs, and only the methods the app
 * uses. The client is made on first use so its base URL may be the app's own address (the local
 * stand-in), which is known only once the server listens. Retries are the outbox's business.
 */
import { WebClient, type KnownBlock, type View } from '@slack/web-api';
import { readCapped, type DownloadedFile } from '../../files/download.js';

/** Block Kit blocks as this app builds them. */
export type Blocks = KnownBlock[];

/** A posted message: where it is and its timestamp id. */
export interface PostedMessage {
  channel: string;
  ts: string;
}

/** The Slack Web API methods the officers' app calls. */
export interface SlackApi {
  postMessage(input: {
    channel: string;
    text: string;
    blocks?: Blocks;
    threadTs?: string;
  }): Promise<PostedMessage>;
  update(input: { channel: string; ts: string; text: string; blocks: Blocks }): Promise<PostedMessage>;
  postEphemeral(input: { channel: string; user: string; text: string }): Promise<void>;
  openView(input: { triggerId: string; view: View }): Promise<{ viewId: string }>;
  publishHome(input: { userId: string; view: View }): Promise<void>;
  authTest(): Promise<{ userId: string; teamId: string; botId?: string }>;
  /**
   * Downloads a file shared in the workspace (`url_private_download`) with the bot token, at most
   * `maxBytes`. Only URLs under the workspace's files address are fetched, never an address an event
   * chose, and redirects are not followed, so a forged event cannot point the app anywhere else.
   */
  downloadFile(input: { url: string; maxBytes: number; name: string }): Promise<DownloadedFile>;
}

/** Where Slack serves the files shared in a workspace. */
export const slackFilesUrl = 'https://files.slack.com/files-pri/';

/** Thrown for a file URL outside the workspace's files address (the app never fetches it). */
export class ForeignFileUrlError extends Error {
  override name = 'ForeignFileUrlError';
}

/** Options of {@link createSlackApi}. */
export interface SlackApiOptions {
  token: string;
  /** The Web API base URL ending in `/`; undefined means Slack's own. */
  apiUrl: () => string | undefined;
  /** Where shared files are downloaded from (a URL prefix); default {@link slackFilesUrl}. */
  filesUrl?: () => string;
}

export function createSlackApi(options: SlackApiOptions): SlackApi {
  let client: WebClient | undefined;
  let clientUrl: string | undefined;
  const web = (): WebClient => {
    const url = options.apiUrl();
    if (!client || url !== clientUrl) {
      client = new WebClient(options.token, {
        ...(url ? { slackApiUrl: url } : {}),
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
      });
      clientUrl = url;
    }
    return client;
  };
  return {
    async postMessage({ channel, text, blocks, threadTs }) {
      const result = await web().chat.postMessage({
        channel,
        text,
        ...(blocks ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        unfurl_links: false,
      });
      if (!result.ts || !result.channel) throw new Error('chat.postMessage returned no ts');
      return { channel: result.channel, ts: result.ts };
    },
    async update({ channel, ts, text, blocks }) {
      const result = await web().chat.update({ channel, ts, text, blocks });
      return { channel: result.channel ?? channel, ts: result.ts ?? ts };
    },
    async postEphemeral({ channel, user, text }) {
      await web().chat.postEphemeral({ channel, user, text });
    },
    async openView({ triggerId, view }) {
      const result = await web().views.open({ trigger_id: triggerId, view });
      return { viewId: result.view?.id ?? '' };
    },
    async publishHome({ userId, view }) {
      await web().views.publish({ user_id: userId, view });
    },
    async downloadFile({ url, maxBytes, name }) {
      if (!isUnder(url, options.filesUrl?.() ?? slackFilesUrl)) {
        throw new ForeignFileUrlError('the file is not on the workspace files address');
      }
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${options.token}` },
        redirect: 'error',
      });
      return readCapped(response, maxBytes, name);
    },
    async authTest() {
      const result = await web().auth.test();
      return {
        userId: result.user_id ?? '',
        teamId: result.team_id ?? '',
        ...(result.bot_id ? { botId: result.bot_id } : {}),
      };
    },
  };
}

/** True when `url` is on the origin of `prefix` and within its path, dot segments resolved. */
function isUnder(url: string, prefix: string): boolean {
  let parsed: URL;
  let base: URL;
  try {
    parsed = new URL(url);
    base = new URL(prefix);
  } catch {
    return false;
  }
  return (
    parsed.origin === base.origin &&
    !parsed.username &&
    !parsed.password &&
    parsed.pathname.startsWith(base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`)
  );
}

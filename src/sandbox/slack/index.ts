/**
 * The local stand-in for Slack, used when `SLACK_*` is unset (and by the tests): the Web API methods
 * the app calls under `/sandbox/slack/api/`, the files shared in threads under
 * `/sandbox/slack/files-pri/` (for the bot token only, as `files.slack.com` serves them), and the page
 * `/sandbox/slack` where a demo officer reads the channels and their threads, presses buttons, fills
 * modals and replies, with a file if they like. The page's actions become requests signed with a
 * secret generated at start, which the app verifies like Slack's own.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import restify, { type Request, type Response, type Server } from 'restify';
import { z } from 'zod';
import { jsonBody } from '../../http/body.js';
import { HttpError } from '../../http/errors.js';
import { pageSecurityPolicy } from '../../http/security-headers.js';
import { SandboxInteractions, interactionSchema, sandboxMaxFileBytes } from './interactions.js';
import { SandboxWorkspace, sandboxChannels, type SandboxUser } from './workspace.js';

const publicDir = new URL('./public/', import.meta.url);
const maxBodyBytes = 256 * 1024;

/** Options of {@link createSlackSandbox}. */
export interface SlackSandboxOptions {
  /** Who can be picked on the page (the demo officers, and someone who is not one). */
  users: () => Promise<SandboxUser[]>;
  /** Where the app is reached; the stand-in posts the page's actions to its `/api/slack/events`. */
  baseUrl: () => string;
}

export interface SlackSandbox {
  botToken: string;
  signingSecret: string;
  approvalsChannel: string;
  supportChannel: string;
  /** The Web API base URL the app's client uses. */
  apiUrl: () => string;
  /** Where shared files are served (`url_private`), the stand-in's `https://files.slack.com/files-pri/`. */
  filesUrl: () => string;
  workspace: SandboxWorkspace;
  interactions: SandboxInteractions;
  register(server: Server): void;
}

const stateQuery = z.object({ user: z.string().max(30).optional() });

export function createSlackSandbox(options: SlackSandboxOptions): SlackSandbox {
  const botToken = `xoxb-sandbox-${randomBytes(12).toString('hex')}`;
  const signingSecret = randomBytes(24).toString('hex');
  const filesUrl = () => `${options.baseUrl()}/sandbox/slack/files-pri/`;
  const workspace = new SandboxWorkspace(options.users, filesUrl);
  const interactions = new SandboxInteractions({
    workspace,
    signingSecret,
    eventsUrl: () => `${options.baseUrl()}/api/slack/events`,
  });

  return {
    botToken,
    signingSecret,
    approvalsChannel: sandboxChannels.approvals.id,
    supportChannel: sandboxChannels.support.id,
    apiUrl: () => `${options.baseUrl()}/sandbox/slack/api/`,
    filesUrl,
    workspace,
    interactions,
    register(server) {
      server.post(
        '/sandbox/slack/api/:method',
        restify.plugins.bodyParser({ mapParams: false, maxBodySize: maxBodyBytes, rejectUnknown: true }),
        async (req: Request, res: Response) => {
          const method = String(req.params.method ?? '');
          if (!/^[a-z]+(\.[a-zA-Z]+)+$/.test(method))
            throw new HttpError(404, 'not_found', 'No such method.');
          const token = (req.header('authorization') ?? '').replace(/^Bearer\s+/i, '');
          const params = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<
            string,
            unknown
          >;
          if (token !== botToken && params.token !== botToken) {
            res.send(200, { ok: false, error: 'invalid_auth' });
            return;
          }
          res.send(200, await workspace.call(method, params));
        },
      );
      // A shared file, for the bot token only, as files.slack.com serves `url_private(_download)`.
      const serveFile = (download: boolean) => async (req: Request, res: Response) => {
        const token = (req.header('authorization') ?? '').replace(/^Bearer\s+/i, '');
        if (token !== botToken) throw new HttpError(401, 'not_authed', 'A bot token is required.');
        const file = workspace.fileAt(String(req.params.file ?? ''));
        if (!file || encodeURIComponent(file.name) !== encodeURIComponent(String(req.params.name ?? ''))) {
          throw new HttpError(404, 'not_found', 'No such file.');
        }
        res.writeHead(200, {
          'content-type': file.mimetype,
          'content-length': file.data.length,
          'content-disposition': `${download ? 'attachment' : 'inline'}; filename="${encodeURIComponent(file.name)}"`,
          'x-content-type-options': 'nosniff',
          'cache-control': 'private, no-store',
        });
        res.end(file.data);
      };
      server.get('/sandbox/slack/files-pri/:file/download/:name', serveFile(true));
      server.get('/sandbox/slack/files-pri/:file/:name', serveFile(false));
      server.get('/sandbox/slack', async (_req: Request, res: Response) => {
        const html = await readFile(new URL('index.html', publicDir), 'utf8');
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': pageSecurityPolicy({ streamOrigin: "'self'" }),
        });
        res.end(html);
      });
      server.get('/sandbox/slack/app.js', async (_req: Request, res: Response) => {
        const script = await readFile(new URL('app.js', publicDir), 'utf8');
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
        res.end(script);
      });
      server.get('/sandbox/slack/state', async (req: Request, res: Response) => {
        const query = stateQuery.safeParse(req.query ?? {});
        if (!query.success) throw new HttpError(400, 'bad_request', 'user must be a Slack user id');
        const user = query.data.user || undefined;
        const view = user
          ? [...workspace.views.values()].filter((entry) => entry.user === user).at(-1)
          : undefined;
        res.send(200, {
          users: await workspace.users(),
          channels: [...workspace.channels.values()],
          ephemerals: user ? workspace.ephemerals.filter((entry) => entry.user === user).slice(-10) : [],
          view: view ? { id: view.id, hash: view.hash, ...view.view } : null,
          home: user ? (workspace.homes.get(user) ?? null) : null,
        });
      });
      server.post(
        '/sandbox/slack/act',
        // Room for a file attached to a thread reply, in base64.
        ...jsonBody({ maxBytes: maxBodyBytes + Math.ceil((sandboxMaxFileBytes * 4) / 3) }),
        async (req: Request, res: Response) => {
          const interaction = interactionSchema.parse(req.body);
          res.send(200, await interactions.run(interaction));
        },
      );
    },
  };
}

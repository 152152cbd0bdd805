/**
 * The website side: the demo insurer page (`GET /`), the embeddable widget (`GET /widget.js`), Web Chat's
 * bundle served from the installed package (no CDN), and the token endpoint the widget calls so the
 * Direct Line secret never reaches a browser.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Request, Response, Server } from 'restify';
import type { ConversationToken } from '../channels/directline/index.js';
import { HttpError } from '../http/errors.js';
import { pageSecurityPolicy } from '../http/security-headers.js';
import type { RateLimitHandler } from '../http/rate-limit.js';
import { sendStream } from '../http/send-stream.js';

const publicDir = fileURLToPath(new URL('./public/', import.meta.url));
const demoPage = join(publicDir, 'index.html');
// The package's exports do not include package.json; its CommonJS entry is lib/index.js, beside dist/.
const webChatBundle = join(
  dirname(createRequire(import.meta.url).resolve('botframework-webchat')),
  '..',
  'dist',
  'webchat.js',
);

const scripts: Record<string, { file: string; maxAge: number }> = {
  '/widget.js': { file: join(publicDir, 'widget.js'), maxAge: 300 },
  '/webchat/webchat.js': { file: webChatBundle, maxAge: 86_400 },
};

/** The demo page marks the demo customer's details this way, so they can be left out. */
const demoHint = /<!-- demo-hint -->[\s\S]*?<!-- \/demo-hint -->\n?/g;

/** Options of {@link registerWebRoutes}. */
export interface WebRoutesOptions {
  issueConversationToken(user: { id: string }): Promise<ConversationToken>;
  /** Where the app is reached: its own origin, and the origin of its Direct Line streams. */
  baseUrl: () => string;
  /** Origins besides the app's own whose pages may get a token; undefined lets any origin. */
  allowedOrigins: string[] | undefined;
  /** Whether `/` shows the demo customer's details (only when the demo data is loaded). */
  showDemoHint: boolean;
  /** The per-address limit on minting tokens, shared with Direct Line's own token endpoints. */
  limitTokens: RateLimitHandler;
}

export function registerWebRoutes(server: Server, options: WebRoutesOptions): void {
  server.get('/', async (_req, res) => {
    const html = await readFile(demoPage, 'utf8');
    const body = Buffer.from(options.showDemoHint ? html : html.replace(demoHint, ''));
    const streamOrigin = new URL(options.baseUrl()).origin.replace(/^http/, 'ws');
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': body.length,
      'cache-control': 'no-cache',
      'content-security-policy': pageSecurityPolicy({ streamOrigin }),
    });
    res.end(body);
  });

  for (const [path, script] of Object.entries(scripts)) {
    server.get(path, async (_req, res) => {
      const { size } = await stat(script.file);
      await sendStream(
        res,
        {
          'content-type': 'text/javascript; charset=utf-8',
          'content-length': size,
          'cache-control': `public, max-age=${script.maxAge}`,
        },
        createReadStream(script.file),
      );
    });
  }

  /**
   * Whether a page on `origin` may read a token. The Host check recognises this server's own pages under
   * any name it is reached by: a browser always sends the real Host, and a client that is not a browser
   * can send any Origin it likes, so this decides only what other websites' pages can do.
   */
  function allowed(req: Request, origin: string): boolean {
    if (options.allowedOrigins === undefined) return true;
    if (origin === new URL(options.baseUrl()).origin) return true;
    if (URL.canParse(origin) && new URL(origin).host === req.headers.host) return true;
    return options.allowedOrigins.includes(origin);
  }

  /** Lets an allowed page read the answer, or refuses a page from anywhere else before any work. */
  function cors(req: Request, res: Response): void {
    const origin = req.headers.origin;
    if (options.allowedOrigins !== undefined) res.header('vary', 'Origin');
    if (origin === undefined) return;
    if (!allowed(req, origin)) {
      throw new HttpError(403, 'origin_not_allowed', 'This website may not embed the chat.');
    }
    res.header('access-control-allow-origin', options.allowedOrigins === undefined ? '*' : origin);
  }

  server.opts('/api/chat/token', async (req, res) => {
    cors(req, res);
    res.header('access-control-allow-methods', 'POST');
    res.header('access-control-allow-headers', 'content-type');
    res.header('access-control-max-age', '600');
    res.send(204);
  });

  // A fresh anonymous visitor id per conversation: who they are is established by verification in chat.
  server.post('/api/chat/token', options.limitTokens, async (req, res) => {
    cors(req, res);
    const userId = `web_${randomBytes(12).toString('base64url')}`;
    const token = await options.issueConversationToken({ id: userId });
    res.header('cache-control', 'no-store');
    res.send(200, { ...token, userId });
  });
}

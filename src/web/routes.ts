/**
 * The website side: the demo insurer page (`GET /`), the embeddable widget (`GET /widget.js`), Web Chat's
 * bundle served from the installed package (no CDN), and the token endpoint the widget calls so the
 * Direct Line secret never reaches a browser.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from 'restify';
import type { ConversationToken } from '../channels/directline/index.js';
import type { RateLimitHandler } from '../http/rate-limit.js';
import { sendStream } from '../http/send-stream.js';

const publicDir = fileURLToPath(new URL('./public/', import.meta.url));
// The package's exports do not include package.json; its CommonJS entry is lib/index.js, beside dist/.
const webChatBundle = join(
  dirname(createRequire(import.meta.url).resolve('botframework-webchat')),
  '..',
  'dist',
  'webchat.js',
);

const assets: Record<string, { file: string; type: string; maxAge: number }> = {
  '/': { file: join(publicDir, 'index.html'), type: 'text/html; charset=utf-8', maxAge: 0 },
  '/widget.js': { file: join(publicDir, 'widget.js'), type: 'text/javascript; charset=utf-8', maxAge: 300 },
  '/webchat/webchat.js': { file: webChatBundle, type: 'text/javascript; charset=utf-8', maxAge: 86_400 },
};

export interface WebRoutesOptions {
  issueConversationToken(user: { id: string }): Promise<ConversationToken>;
  /** The per-address limit on minting tokens, shared with Direct Line's own token endpoints. */
  limitTokens: RateLimitHandler;
}

export function registerWebRoutes(server: Server, options: WebRoutesOptions): void {
  for (const [path, asset] of Object.entries(assets)) {
    server.get(path, async (_req, res) => {
      const { size } = await stat(asset.file);
      await sendStream(
        res,
        {
          'content-type': asset.type,
          'content-length': size,
          'cache-control': asset.maxAge > 0 ? `public, max-age=${asset.maxAge}` : 'no-cache',
          'x-content-type-options': 'nosniff',
        },
        createReadStream(asset.file),
      );
    });
  }

  // A fresh anonymous visitor id per conversation: who they are is established by verification in chat.
  server.post('/api/chat/token', options.limitTokens, async (_req, res) => {
    const userId = `web_${randomBytes(12).toString('base64url')}`;
    const token = await options.issueConversationToken({ id: userId });
    res.header('cache-control', 'no-store');
    res.send(200, { ...token, userId });
  });
}

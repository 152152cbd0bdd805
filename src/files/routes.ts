import type { Server } from 'restify';
import { z } from 'zod';
import { HttpError } from '../http/errors.js';
import { sendStream } from '../http/send-stream.js';
import type { FileStore } from './file-store.js';

const linkQuery = z.object({ expires: z.string(), signature: z.string() });

/** `GET /files/:id`: a download through a signed, expiring link (403 when invalid or expired, 404 unknown). */
export function registerFileRoutes(server: Server, files: FileStore): void {
  server.get('/files/:id', async (req, res) => {
    const id = String(req.params.id);
    const link = linkQuery.safeParse(req.query);
    if (!link.success || !files.verifyLink(id, link.data.expires, link.data.signature)) {
      throw new HttpError(
        403,
        'invalid_link',
        'This link is invalid or has expired; ask the bot for a new one.',
      );
    }
    const file = await files.find(id);
    if (!file) throw new HttpError(404, 'not_found', 'No such file.');
    await sendStream(
      res,
      {
        'content-type': file.contentType,
        'content-length': file.size,
        'content-disposition': `inline; filename="${file.name}"`,
        'x-content-type-options': 'nosniff',
        // Claim photos and policy documents: no copy in any cache, the browser's own included.
        'cache-control': 'no-store',
      },
      files.open(id),
    );
  });
}

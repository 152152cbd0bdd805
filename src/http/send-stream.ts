import type { OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Response } from 'restify';

/**
 * Sends `body` with status 200 and `headers`, resolving once the response is written. A read error
 * rejects, so the route's error handling sees it.
 */
export function sendStream(res: Response, headers: OutgoingHttpHeaders, body: Readable): Promise<void> {
  res.writeHead(200, headers);
  return new Promise<void>((resolve, reject) => {
    body.on('error', reject).pipe(res).on('finish', resolve);
  });
}

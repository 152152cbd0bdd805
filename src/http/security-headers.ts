/**
 * Response headers that make browsers safer with everything this server sends: no content sniffing and
 * no full URLs (which can carry signed links) in the Referer of requests leaving a page. HTML pages also
 * get a Content Security Policy from {@link pageSecurityPolicy}.
 */
import type { Server } from 'restify';

/** Sets the headers every response carries, errors and unknown routes included. */
export function registerSecurityHeaders(server: Server): void {
  server.pre((_req, res, next) => {
    res.header('x-content-type-options', 'nosniff');
    // Not `no-referrer`: that would make a same-origin fetch send `Origin: null`, hiding the page's origin.
    res.header('referrer-policy', 'strict-origin-when-cross-origin');
    next();
  });
}

/**
 * The policy of a page that runs the chat widget: scripts only from this server (the widget and Web
 * Chat's bundle), inline styles (Web Chat injects its own), images from data: and blob: URLs (avatars,
 * uploads previews), connections to this server and its Direct Line stream, and no framing elsewhere.
 *
 * Sending a file needs two blob: sources. The Direct Line client reads the picked file back from its
 * blob: URL (a fetch, so `connect-src`) to put it in the upload; without it the upload is never sent
 * and the message stays "Sending" for good. Web Chat makes the preview of a picked photo in a worker
 * it starts from a blob: URL (`worker-src`). Both URLs can only be made by a script already on the page,
 * which `script-src 'self'` limits to this server's own.
 */
export function pageSecurityPolicy(options: { streamOrigin: string }): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' data: blob:",
    `connect-src 'self' ${options.streamOrigin} blob:`,
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

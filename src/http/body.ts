/**
 * Request bodies, read the same way on every route: raw bytes under a size limit (webhooks, forms), and
 * JSON with a size limit while reading, then a nesting limit before parsing. `JSON.parse` itself copes
 * with any depth, but whatever walks the value later (validation, `JSON.stringify` on the way to the
 * database) recurses and would overflow the stack on a body such as `[[[[…]]]]`, turning a malformed
 * request into a 500.
 */
import restify, { type Request, type RequestHandler } from 'restify';
import { HttpError } from './errors.js';

/** Deepest nesting of arrays and objects a JSON body may have; Bot Framework activities need far less. */
export const maxJsonDepth = 64;

/** Options of {@link jsonBody}. */
export interface JsonBodyOptions {
  /** Largest body accepted, in bytes; a larger one is refused with 413 before it is parsed. */
  maxBytes: number;
}

function tooDeep(): HttpError {
  return new HttpError(400, 'invalid_content', `Invalid JSON: nested deeper than ${maxJsonDepth} levels`);
}

/**
 * Throws a 400 when `text` nests arrays or objects deeper than {@link maxJsonDepth}. Counts brackets
 * outside strings only; whether the text is valid JSON is left to the parser.
 */
export function assertJsonDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c)
        i += 1; // backslash: the next character is escaped
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x5b || char === 0x7b) {
      depth += 1;
      if (depth > maxJsonDepth) throw tooDeep();
    } else if (char === 0x5d || char === 0x7d) {
      depth -= 1;
    }
  }
}

/** `JSON.parse` for text from a client: too deep a value is refused, as is anything that is not JSON. */
export function parseClientJson(text: string, invalid: () => Error): unknown {
  assertJsonDepth(text);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid();
  }
}

/**
 * The handlers that read and parse a JSON body into `req.body` (unparsed when the content type is not
 * JSON, so the route's schema refuses it).
 */
export function jsonBody(options: JsonBodyOptions): RequestHandler[] {
  return [
    restify.plugins.bodyReader({ maxBodySize: options.maxBytes }),
    (req, _res, next) => {
      const body: unknown = req.body;
      const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
      try {
        if (typeof text === 'string') assertJsonDepth(text);
      } catch (error) {
        next(error as Error);
        return;
      }
      next();
    },
    ...restify.plugins.jsonBodyParser({ bodyReader: true, mapParams: false }),
  ];
}

/**
 * The raw body of a request, refused with 413 past `maxBytes` (for webhooks checked over their exact
 * bytes, and forms). Stream events rather than async iteration, which costs more per request.
 */
export function readRawBody(req: Request, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // The rest is read and dropped, so the answer reaches a client still sending.
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, 'payload_too_large', 'the body is too large'));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A form-encoded body as its fields (the last of a repeated name), refused with 413 past `maxBytes`. */
export async function readForm(req: Request, maxBytes: number): Promise<Record<string, string>> {
  return Object.fromEntries(new URLSearchParams((await readRawBody(req, maxBytes)).toString('utf8')));
}

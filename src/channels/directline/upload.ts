/**
 * Reads a Direct Line upload: a multipart body with any number of `file` parts and an optional
 * `activity` part (JSON, sent by the official client as a blob of type
 * `application/vnd.microsoft.activity`). Files are held in memory up to the per-file cap; a larger one is
 * drained and refused with 413 before anything is stored. A body cut off before its closing boundary is
 * refused with 400, and a client that goes away mid-upload leaves nothing behind.
 */
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { parseClientJson } from '../../http/body.js';
import { HttpError } from '../../http/errors.js';

/** One uploaded file. */
export interface UploadedFile {
  name: string;
  /** The type the client declared; the file store checks it against the content. */
  declaredType: string;
  data: Buffer;
}

/** A parsed upload. */
export interface ParsedUpload {
  /** The `activity` part parsed as JSON, when present. */
  activity: unknown;
  files: UploadedFile[];
}

/** Caps of one upload. */
export interface UploadLimits {
  /** Largest file accepted, inclusive. */
  maxFileBytes: number;
  maxFiles: number;
  /** Cap on the `activity` part. */
  maxActivityBytes: number;
  /** Cap on all files together, and the refusal once they pass it (the conversation's remaining quota). */
  total?: { maxBytes: number; refusal: HttpError };
}

/** Parses the request's multipart body; refusals are `HttpError`s (400, 413, 415). */
export function readUpload(req: IncomingMessage, limits: UploadLimits): Promise<ParsedUpload> {
  const type = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\b/i.test(type)) {
    return Promise.reject(
      new HttpError(415, 'unsupported_media_type', 'An upload must be multipart/form-data.'),
    );
  }
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: {
          // busboy reports the limit once a file reaches it, so one byte more lets a file of exactly
          // `maxFileBytes` through and refuses the next size up.
          fileSize: limits.maxFileBytes + 1,
          files: limits.maxFiles + 1,
          fieldSize: limits.maxActivityBytes,
        },
      });
    } catch {
      reject(new HttpError(400, 'bad_argument', 'The multipart body has no boundary.'));
      return;
    }
    const files: UploadedFile[] = [];
    let activityText: string | undefined;
    let totalBytes = 0;
    let problem: HttpError | undefined;
    let settled = false;
    const refuse = (error: HttpError) => {
      problem ??= error;
    };
    const fail = (error: HttpError) => {
      if (settled) return;
      settled = true;
      files.length = 0;
      req.unpipe(parser);
      parser.destroy();
      // The rest of the body is read and dropped, so the refusal can still reach a client that is sending.
      req.resume();
      reject(error);
    };

    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      let size = 0;
      // The parser reports a broken body itself; the part's own copy of that error needs a listener.
      stream.on('error', () => undefined);
      stream.on('data', (chunk: Buffer) => {
        if (problem) return;
        size += chunk.length;
        if (field !== 'activity') totalBytes += chunk.length;
        if (limits.total && totalBytes > limits.total.maxBytes) {
          refuse(limits.total.refusal);
          chunks.length = 0;
          return;
        }
        chunks.push(chunk);
      });
      stream.on('limit', () => {
        chunks.length = 0;
        refuse(
          new HttpError(
            413,
            'file_too_large',
            `"${info.filename}" is larger than ${limits.maxFileBytes / 1024 / 1024} MiB.`,
          ),
        );
      });
      stream.on('end', () => {
        if (problem) return;
        const data = Buffer.concat(chunks, size);
        if (field === 'activity') {
          if (size > limits.maxActivityBytes) {
            refuse(new HttpError(413, 'activity_too_large', 'The activity part is too large.'));
          } else {
            activityText = data.toString('utf8');
          }
          return;
        }
        files.push({ name: info.filename || 'file', declaredType: info.mimeType, data });
      });
    });
    parser.on('field', (field, value, info) => {
      if (field !== 'activity') return;
      if (info.valueTruncated)
        refuse(new HttpError(413, 'activity_too_large', 'The activity part is too large.'));
      else activityText = value;
    });
    parser.on('filesLimit', () => {
      refuse(new HttpError(413, 'too_many_files', `At most ${limits.maxFiles} files can be sent at once.`));
    });
    parser.on('error', () =>
      fail(new HttpError(400, 'bad_argument', 'The multipart body is malformed or incomplete.')),
    );
    // An aborted request never ends the parser: without this the upload would wait, holding its parts.
    const interrupted = () => fail(new HttpError(400, 'bad_argument', 'The upload was interrupted.'));
    // The client may have gone already, while the route checked its token and quota.
    if (req.destroyed) return interrupted();
    req.on('close', () => {
      if (!req.complete) interrupted();
    });
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      if (problem) return reject(problem);
      if (files.length === 0) return reject(new HttpError(400, 'bad_argument', 'The upload holds no file.'));
      if (files.length > limits.maxFiles) {
        return reject(
          new HttpError(413, 'too_many_files', `At most ${limits.maxFiles} files can be sent at once.`),
        );
      }
      let activity: unknown;
      if (activityText !== undefined) {
        try {
          activity = parseClientJson(
            activityText,
            () => new HttpError(400, 'bad_argument', 'The activity part is not valid JSON.'),
          );
        } catch (error) {
          return reject(error as Error);
        }
      }
      resolve({ activity, files });
    });
    req.pipe(parser);
  });
}

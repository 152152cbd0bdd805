/**
 * Reads a Direct Line upload: a multipart body with any number of `file` parts and an optional
 * `activity` part (JSON, sent by the official client as a blob of type
 * `application/vnd.microsoft.activity`). Files are held in memory up to the per-file cap; a larger one is
 * drained and refused with 413 before anything is stored.
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
  maxFileBytes: number;
  maxFiles: number;
  /** Cap on the `activity` part. */
  maxActivityBytes: number;
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
          fileSize: limits.maxFileBytes,
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
    let problem: HttpError | undefined;
    const refuse = (error: HttpError) => {
      problem ??= error;
    };

    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        chunks.push(chunk);
      });
      stream.on('limit', () => {
        refuse(
          new HttpError(
            413,
            'file_too_large',
            `"${info.filename}" is larger than ${Math.floor(limits.maxFileBytes / 1024 / 1024)} MB.`,
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
    parser.on('error', () => reject(new HttpError(400, 'bad_argument', 'The multipart body is malformed.')));
    parser.on('close', () => {
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

/**
 * Attachments (claim photos, PDFs, policy documents) in GridFS. The real type is sniffed from the bytes,
 * never trusted from the client, and downloads go through signed, expiring links.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import { GridFSBucket, ObjectId, type Db } from 'mongodb';

/** An attachment kept by the portal. */
export interface StoredFile {
  id: string;
  name: string;
  contentType: string;
  size: number;
  createdAt: Date;
}

/** Upload cap per file, inclusive: a file of exactly 10 MiB is accepted. */
export const maxFileBytes = 10 * 1024 * 1024;

/** What one conversation may keep: files sent through the chat count against it until they are deleted. */
export const conversationQuota = { files: 20, bytes: 50 * 1024 * 1024 } as const;

/** Files and bytes a conversation has stored. */
export interface Usage {
  files: number;
  bytes: number;
}

/** The types customers may send: photos and PDFs. */
const allowedTypes: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/heic',
  'application/pdf',
]);

/** A file we refuse: 413 when too large, 415 when its type is not allowed or not what it claims. */
export class FileRejectedError extends Error {
  override name = 'FileRejectedError';
  constructor(
    readonly status: 413 | 415,
    readonly code: 'file_too_large' | 'unsupported_file_type',
    message: string,
  ) {
    super(message);
  }
}

/** Storage of attachments; see `createFileStore`. */
export interface FileStore {
  /**
   * Checks size and sniffed type, then stores the bytes. Throws `FileRejectedError`. A file sent in a
   * conversation names it, so it counts against that conversation's quota (and is swept if unused).
   */
  save(input: {
    name: string;
    data: Buffer;
    declaredType?: string;
    conversationId?: string;
  }): Promise<StoredFile>;
  /** Creates the index the per-conversation lookups (quota, sweep) use. */
  ensureIndexes(): Promise<void>;
  /** What the conversation's files take, from the stored metadata (so every process sees the same). */
  usage(conversationId: string): Promise<Usage>;
  /** An absolute, signed link to `GET /files/:id`, valid for `ttlSeconds` (default one hour). */
  signedUrl(id: string, ttlSeconds?: number): string;
  /** True when `signature` was issued by `signedUrl` for this id and `expires` has not passed. */
  verifyLink(id: string, expires: string, signature: string): boolean;
  /** Metadata, or undefined for an unknown id. */
  find(id: string): Promise<StoredFile | undefined>;
  /** The bytes of a stored file (check `find` first). */
  open(id: string): Readable;
}

export function createFileStore(options: { db: Db; secret: string; baseUrl: () => string }): FileStore {
  const bucket = new GridFSBucket(options.db, { bucketName: 'attachments' });
  const sign = (id: string, expires: string) =>
    createHmac('sha256', options.secret).update(`${id}.${expires}`).digest('base64url');

  return {
    async save({ name, data, declaredType, conversationId }) {
      if (data.length > maxFileBytes) {
        throw new FileRejectedError(
          413,
          'file_too_large',
          `"${name}" is ${megabytes(data.length)}; files can be up to ${megabytes(maxFileBytes)}.`,
        );
      }
      const sniffed = await fileTypeFromBuffer(data);
      if (!sniffed || !allowedTypes.has(sniffed.mime)) {
        throw new FileRejectedError(
          415,
          'unsupported_file_type',
          `"${name}" is not a photo (JPEG, PNG, WebP, HEIC) or a PDF.`,
        );
      }
      // A declared type that disagrees with the content is refused: it is either a mistake or a disguise.
      if (declaredType && declaredType !== 'application/octet-stream' && declaredType !== sniffed.mime) {
        throw new FileRejectedError(
          415,
          'unsupported_file_type',
          `"${name}" says it is ${declaredType} but its content is ${sniffed.mime}.`,
        );
      }
      const cleanName = name.replace(/[^\w.\- ]+/g, '_').slice(0, 200) || `file.${sniffed.ext}`;
      const upload = bucket.openUploadStream(cleanName, {
        metadata: { contentType: sniffed.mime, ...(conversationId === undefined ? {} : { conversationId }) },
      });
      await new Promise<void>((resolve, reject) => {
        upload.once('finish', () => resolve());
        upload.once('error', reject);
        upload.end(data);
      });
      return {
        id: upload.id.toHexString(),
        name: cleanName,
        contentType: sniffed.mime,
        size: data.length,
        createdAt: new Date(),
      };
    },

    async ensureIndexes() {
      await options.db
        .collection('attachments.files')
        .createIndex({ 'metadata.conversationId': 1, uploadDate: 1 }, { sparse: true });
    },

    async usage(conversationId) {
      const stored = await bucket
        .find({ 'metadata.conversationId': conversationId }, { projection: { length: 1 } })
        .toArray();
      return { files: stored.length, bytes: stored.reduce((sum, file) => sum + file.length, 0) };
    },

    signedUrl(id, ttlSeconds = 3600) {
      const expires = String(Math.floor(Date.now() / 1000) + ttlSeconds);
      const query = new URLSearchParams({ expires, signature: sign(id, expires) });
      return `${options.baseUrl()}/files/${encodeURIComponent(id)}?${query}`;
    },

    verifyLink(id, expires, signature) {
      if (!/^\d{1,12}$/.test(expires) || Number(expires) < Date.now() / 1000) return false;
      const expected = Buffer.from(sign(id, expires));
      const given = Buffer.from(signature);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },

    async find(id) {
      // Any 24 hex digits make a valid ObjectId; anything else names no file.
      if (!/^[0-9a-f]{24}$/i.test(id)) return undefined;
      const [file] = await bucket
        .find({ _id: new ObjectId(id) })
        .limit(1)
        .toArray();
      if (!file) return undefined;
      const contentType = (file.metadata as { contentType?: unknown } | undefined)?.contentType;
      return {
        id,
        name: file.filename,
        contentType: typeof contentType === 'string' ? contentType : 'application/octet-stream',
        size: file.length,
        createdAt: file.uploadDate,
      };
    },

    open(id) {
      return bucket.openDownloadStream(new ObjectId(id));
    },
  };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

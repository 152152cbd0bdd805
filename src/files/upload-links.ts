/**
 * Signed, expiring upload links for one claim: `GET /files/upload/:token` is a small page for a phone's
 * browser, and `POST /files/upload/:token` attaches the files it sends to that claim. Carriers strip the
 * EXIF data from MMS photos, so when a claim's photos tell nothing about when and where they were taken,
 * the customer is offered one of these links to send the originals.
 *
 * The token names the claim and its customer and is signed with the file links' secret
 * (`FILE_URL_SECRET`), so only a link we issued opens the page, and only until it expires. Files go
 * through the file store (size caps, type sniffed from the bytes, evidence checks) and reach the claim
 * through the claim service, exactly as a web upload does.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response, Server } from 'restify';
import { readUpload } from '../channels/directline/upload.js';
import type { ClaimService } from '../domain/claims.js';
import { isDomainError } from '../domain/errors.js';
import { HttpError } from '../http/errors.js';
import { clientAddress, createMongoLimiter, rateLimit, type Limit } from '../http/rate-limit.js';
import type { Db } from 'mongodb';
import { FileRejectedError, maxFileBytes, type FileStore } from './file-store.js';

/** How long an upload link works. */
export const uploadLinkTtlSeconds = 24 * 60 * 60;
/** Files one upload may carry, as a claim takes at most 20 in all. */
const maxFilesPerUpload = 10;

const uploadPath = '/files/upload';
/** What a token names. */
interface Payload {
  claim: string;
  customer: string;
  /** Epoch seconds. */
  expires: number;
}

/**
 * `<claim digits>.<customer id>.<expiry, base 36>.<signature>`: short, so the link fits in one text
 * message and no phone breaks it in two.
 */
const tokenPattern = /^(\d{6})\.([0-9a-f]{24})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{22})$/;

/** Issues and checks upload-link tokens under `secret`. */
export class UploadLinks {
  constructor(private readonly options: { secret: string; baseUrl: () => string; now?: () => Date }) {}

  /** An absolute link to the upload page of `claimNumber`, for its customer, valid for `ttlSeconds`. */
  url(claimNumber: string, customerId: string, ttlSeconds = uploadLinkTtlSeconds): string {
    const digits = /^CLM-(\d{6})$/.exec(claimNumber)?.[1];
    if (!digits || !/^[0-9a-f]{24}$/.test(customerId)) throw new Error('not a claim number and customer id');
    const expires = (Math.floor(this.nowMs() / 1000) + ttlSeconds).toString(36);
    const body = `${digits}.${customerId}.${expires}`;
    return `${this.options.baseUrl()}${uploadPath}/${body}.${this.sign(body)}`;
  }

  /** What a token names, or undefined when it was not issued here or has expired. */
  verify(token: string): Payload | undefined {
    const match = tokenPattern.exec(token);
    if (!match) return undefined;
    const [, digits, customer, expiresText, signature] = match as unknown as [
      string,
      string,
      string,
      string,
      string,
    ];
    const body = `${digits}.${customer}.${expiresText}`;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const expires = parseInt(expiresText, 36);
    if (expires * 1000 < this.nowMs()) return undefined;
    return { claim: `CLM-${digits}`, customer, expires };
  }

  private sign(body: string): string {
    // A purpose prefix keeps these apart from the download links signed with the same secret; 128 bits.
    return createHmac('sha256', this.options.secret)
      .update(`upload.${body}`)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  }

  private nowMs(): number {
    return (this.options.now?.() ?? new Date()).getTime();
  }
}

/** Options of {@link registerUploadLinkRoutes}. */
export interface UploadLinkRoutesOptions {
  links: UploadLinks;
  files: Pick<FileStore, 'save'>;
  claims: Pick<ClaimService, 'addDocuments'>;
  db: Db;
  /** Uploads per address; default 30 a minute. */
  limit?: Limit;
}

const invalidLink = () =>
  new HttpError(
    403,
    'invalid_link',
    'This upload link is invalid or has expired; ask the bot for a new one.',
  );

/** The page and the upload behind an upload link. */
export async function registerUploadLinkRoutes(
  server: Server,
  options: UploadLinkRoutesOptions,
): Promise<void> {
  const limitUploads = rateLimit(
    await createMongoLimiter(
      options.db,
      'files_uploadsPerAddress',
      options.limit ?? { points: 30, durationSeconds: 60 },
    ),
    clientAddress,
    'uploads from this address',
  );
  const claimOf = (req: Request): Payload => {
    const payload = options.links.verify(String(req.params?.token ?? ''));
    if (!payload) throw invalidLink();
    return payload;
  };

  server.get(`${uploadPath}/:token`, async (req: Request, res: Response) => {
    const { claim } = claimOf(req);
    page(res, 200, formPage(claim));
  });

  server.post(`${uploadPath}/:token`, async (req: Request, res: Response) => {
    const wantsJson = /application\/json/.test(req.header('accept') ?? '');
    try {
      await limitUploads(req, res);
      const { claim, customer } = claimOf(req);
      const attached = await attach(req, claim, customer);
      if (wantsJson) res.send(201, { claim, attached });
      else page(res, 201, donePage(claim, attached));
    } catch (error) {
      // The page is a plain form: a person reading the answer gets a page, a script the JSON error.
      if (wantsJson || !(error instanceof HttpError)) throw error;
      page(res, error.status, errorPage(error.message));
    }
  });

  async function attach(req: Request, claim: string, customer: string): Promise<number> {
    const upload = await readUpload(req, {
      maxFileBytes,
      maxFiles: maxFilesPerUpload,
      maxActivityBytes: 1024,
    });
    const attachments = [];
    for (const file of upload.files) {
      try {
        const stored = await options.files.save({
          name: file.name,
          data: file.data,
          declaredType: file.declaredType,
          // Named like a chat upload, so a file the claim then refuses is swept like one.
          conversationId: `upload-${claim}`,
        });
        attachments.push({
          fileId: stored.id,
          name: stored.name,
          contentType: stored.contentType,
          size: stored.size,
          ...(stored.evidence ? { evidence: stored.evidence } : {}),
        });
      } catch (error) {
        if (error instanceof FileRejectedError) throw new HttpError(error.status, error.code, error.message);
        throw error;
      }
    }
    try {
      await options.claims.addDocuments(claim, attachments, {
        type: 'customer',
        id: customer,
        channel: 'web',
      });
    } catch (error) {
      if (isDomainError(error, 'conflict')) {
        throw new HttpError(409, 'conflict', `Claim ${claim} takes no more documents.`);
      }
      if (isDomainError(error, 'not_found') || isDomainError(error, 'forbidden')) throw invalidLink();
      throw error;
    }
    return attachments.length;
  }
}

const pagePolicy = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function page(res: Response, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': pagePolicy,
    'cache-control': 'no-store',
  });
  res.end(html);
}

const style = `body{font:16px/1.4 system-ui,sans-serif;margin:0 auto;max-width:28rem;padding:1.5rem}
h1{font-size:1.3rem}input,button{font:inherit;margin:.5rem 0;width:100%}
button{background:#1b4f8a;border:0;border-radius:.4rem;color:#fff;padding:.8rem}`;

function shell(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<style>${style}</style></head><body>${body}</body></html>`;
}

function formPage(claim: string): string {
  return shell(
    `Photos for ${claim}`,
    `<h1>Photos and documents for claim ${claim}</h1>
<p>Choose the original photos from your phone's gallery (they keep the time and place they were taken),
or PDF documents. Up to ${maxFilesPerUpload} files at a time, 10 MB each.</p>
<form method="post" enctype="multipart/form-data">
<input type="file" name="file" accept="image/jpeg,image/png,image/webp,image/heic,application/pdf" multiple required>
<button type="submit">Send to claim ${claim}</button></form>`,
  );
}

function errorPage(message: string): string {
  return shell('Not sent', `<h1>Not sent</h1><p>${escapeHtml(message)}</p><p><a href="">Try again</a></p>`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function donePage(claim: string, count: number): string {
  return shell(
    `Sent to ${claim}`,
    `<h1>Thank you</h1><p>${count} file${count === 1 ? '' : 's'} added to claim ${claim}. You can send more with
the same link, or close this page.</p><p><a href="">Send more</a></p>`,
  );
}

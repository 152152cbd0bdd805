/**
 * Files an officer shares in a card's thread for the customer: each is downloaded from the workspace
 * with the bot token (only from its files address, within the upload cap), checked and stored like any
 * upload (sniffed type, size caps, evidence), and handed on with a signed link the customer can open.
 * A file that fails any of this stops the whole message, so the customer never gets half of it.
 */
import { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import type { OfficerFile } from '../../domain/officer-files.js';
import { fileTooLarge } from '../../files/download.js';
import { FileRejectedError, maxFileBytes } from '../../files/file-store.js';
import { ForeignFileUrlError } from './api.js';
import type { SlackDeps } from './context.js';

/** How long the customer's link to a file an officer sent stays valid. */
export const officerFileLinkSeconds = 7 * 24 * 60 * 60;

/** A file of a `file_share` message, as Slack describes it (fields the app does not use are ignored). */
const sharedFileSchema = z.object({
  id: z.string().min(1).max(40),
  name: z.string().max(255).optional(),
  title: z.string().max(255).optional(),
  mimetype: z.string().max(255).optional(),
  size: z.number().int().nonnegative().optional(),
  url_private: z.string().max(2000).optional(),
  url_private_download: z.string().max(2000).optional(),
});
export type SharedFile = z.infer<typeof sharedFileSchema>;

/** The files of a message event; anything that does not look like Slack's files is refused. */
export function sharedFilesOf(files: unknown): SharedFile[] {
  const parsed = z
    .array(sharedFileSchema)
    .max(10)
    .safeParse(files ?? []);
  if (!parsed.success)
    throw new DomainError('validation', 'These files could not be read. Nothing was sent.');
  return parsed.data;
}

/** Downloads, checks and stores each file; resolves with them as the domain sends them. */
export async function storeSharedFiles(
  deps: Pick<SlackDeps, 'api' | 'files' | 'logger'>,
  shared: SharedFile[],
): Promise<OfficerFile[]> {
  const stored: OfficerFile[] = [];
  for (const file of shared) stored.push(await storeOne(deps, file));
  return stored;
}

async function storeOne(
  deps: Pick<SlackDeps, 'api' | 'files' | 'logger'>,
  file: SharedFile,
): Promise<OfficerFile> {
  const name = file.name || file.title || 'file';
  const url = file.url_private_download ?? file.url_private;
  try {
    if (!url) throw new ForeignFileUrlError('the file has no download address');
    if (file.size !== undefined && file.size > maxFileBytes) {
      throw fileTooLarge(name, maxFileBytes);
    }
    const download = await deps.api.downloadFile({ url, maxBytes: maxFileBytes, name });
    const saved = await deps.files.save({
      name,
      data: download.data,
      ...(file.mimetype ? { declaredType: file.mimetype } : {}),
    });
    return {
      fileId: saved.id,
      name: saved.name,
      contentType: saved.contentType,
      size: saved.size,
      link: deps.files.signedUrl(saved.id, officerFileLinkSeconds),
    };
  } catch (error) {
    if (error instanceof FileRejectedError) {
      throw new DomainError('validation', `${error.message} Nothing was sent to the customer.`);
    }
    if (error instanceof ForeignFileUrlError) {
      deps.logger.warn('slack file outside the workspace files address not fetched');
      throw new DomainError('validation', `"${name}" is not a file of this workspace. Nothing was sent.`);
    }
    deps.logger.warn({ err: error }, 'slack file not downloaded');
    throw new DomainError('validation', `"${name}" could not be downloaded from Slack. Nothing was sent.`);
  }
}

/**
 * Files an officer sends a customer from a card's thread (a letter, a repair estimate): already checked
 * and stored by the file store, each with the signed, expiring link the customer opens it through. The
 * message that carries them keeps the files by id, so the claim or the support request records what
 * was sent; the customer's notice carries the links.
 */
import { z } from 'zod';

export const officerFileSchema = z.object({
  fileId: z.string().regex(/^[0-9a-f]{24}$/),
  name: z.string().trim().min(1).max(255),
  contentType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type'),
  size: z.number().int().nonnegative(),
  link: z.url({ protocol: /^https?$/ }),
});
export type OfficerFile = z.infer<typeof officerFileSchema>;

/** Slack puts at most ten files on one message. */
export const officerFilesSchema = z.array(officerFileSchema).max(10).default([]);

/** The files as the message that carried them keeps them (the link expires; the id does not). */
export function keptFiles(files: OfficerFile[]): Omit<OfficerFile, 'link'>[] {
  return files.map(({ fileId, name, contentType, size }) => ({ fileId, name, contentType, size }));
}

/** The files as the customer's notice names them. */
export function linkedFiles(files: OfficerFile[]): { name: string; url: string }[] {
  return files.map((file) => ({ name: file.name, url: file.link }));
}

/** What a message is kept as: its text, or for files sent without words, their names. */
export function messageText(text: string, files: OfficerFile[]): string {
  return text || files.map((file) => `[file] ${file.name}`).join('\n');
}

/** An officer's message with its files, as the claim or the support request keeps it. */
export function keptMessage(author: string, text: string, files: OfficerFile[], at: Date) {
  return {
    from: 'officer' as const,
    author,
    text: messageText(text, files).slice(0, 1000),
    at,
    ...(files.length > 0 ? { files: keptFiles(files) } : {}),
  };
}

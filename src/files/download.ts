/**
 * Reading a file another service serves (an MMS photo from Twilio, a file shared in Slack) without
 * holding more than the upload cap in memory: a declared length over the cap is refused before the
 * body is read, and a body that grows past it is cut off.
 */
import { FileRejectedError } from './file-store.js';

/** A downloaded file and the type its server declared (checked again against its bytes on save). */
export interface DownloadedFile {
  data: Buffer;
  contentType: string;
}

/** The refusal of a file over `maxBytes`, whether its size was declared or found while reading. */
export function fileTooLarge(name: string, maxBytes: number): FileRejectedError {
  return new FileRejectedError(
    413,
    'file_too_large',
    `"${name}" is larger than the ${maxBytes / 1024 / 1024} MiB files can be.`,
  );
}

/** The body of a successful `response`, at most `maxBytes`; throws `FileRejectedError` (413) past it. */
export async function readCapped(
  response: Response,
  maxBytes: number,
  name: string,
): Promise<DownloadedFile> {
  if (!response.ok) throw new Error(`file download failed with ${response.status}`);
  const tooLarge = () => fileTooLarge(name, maxBytes);
  if (Number(response.headers.get('content-length') ?? '0') > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  for (let read = await reader?.read(); reader && read && !read.done; read = await reader.read()) {
    size += read.value.length;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(Buffer.from(read.value));
  }
  return {
    data: Buffer.concat(chunks),
    contentType: response.headers.get('content-type') ?? 'application/octet-stream',
  };
}

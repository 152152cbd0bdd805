/**
 * Secrets that must exist for the app to run. Operators set them in the environment; for a zero-setup
 * local start, missing ones are generated once and kept in `DATA_DIR/secrets.json` (mode 0600), so
 * encrypted data and issued links stay valid across restarts.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Config } from './config.js';
import type { Logger } from './log.js';

export interface Secrets {
  encryptionKey: Buffer;
  fileUrlSecret: string;
  directLineSecret: string;
}

const storedSchema = z.object({
  encryptionKey: z.string().regex(/^[0-9a-f]{64}$/),
  fileUrlSecret: z.string().min(16),
  directLineSecret: z.string().min(16),
});

export async function resolveSecrets(config: Config, logger: Logger): Promise<Secrets> {
  if (config.encryptionKey && config.fileUrlSecret && config.directLineSecret) {
    return {
      encryptionKey: config.encryptionKey,
      fileUrlSecret: config.fileUrlSecret,
      directLineSecret: config.directLineSecret,
    };
  }
  const file = join(config.dataDir, 'secrets.json');
  const stored = await readStored(file);
  const local = stored ?? {
    encryptionKey: randomBytes(32).toString('hex'),
    fileUrlSecret: randomBytes(32).toString('base64url'),
    directLineSecret: randomBytes(32).toString('base64url'),
  };
  if (!stored) {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    await writeFile(file, `${JSON.stringify(local, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  }
  const missing = (['ENCRYPTION_KEY', 'FILE_URL_SECRET', 'DIRECTLINE_SECRET'] as const).filter(
    (name) =>
      !{
        ENCRYPTION_KEY: config.encryptionKey,
        FILE_URL_SECRET: config.fileUrlSecret,
        DIRECTLINE_SECRET: config.directLineSecret,
      }[name],
  );
  logger.warn(
    { file, missing },
    'using locally generated secrets; set them in the environment for deployments',
  );
  return {
    encryptionKey: config.encryptionKey ?? Buffer.from(local.encryptionKey, 'hex'),
    fileUrlSecret: config.fileUrlSecret ?? local.fileUrlSecret,
    directLineSecret: config.directLineSecret ?? local.directLineSecret,
  };
}

async function readStored(file: string): Promise<z.infer<typeof storedSchema> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = storedSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file} is not a valid secrets file; fix or remove it`);
  return parsed.data;
}

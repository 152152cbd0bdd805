/**
 * The one place that reads the environment. Every setting is validated here; the app refuses to start
 * with a message naming each bad variable.
 */
import { resolve } from 'node:path';
import { z } from 'zod';

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();
const url = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });
const optionalUrl = optionalText.pipe(url.optional());

/** A 32-byte key given as 64 hex characters or base64. */
const key32 = optionalText.transform((value, ctx) => {
  if (value === undefined) return undefined;
  const bytes = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (bytes.length !== 32) {
    ctx.addIssue({ code: 'custom', message: 'must be 32 bytes, as 64 hex characters or base64' });
    return z.NEVER;
  }
  return bytes;
});

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  PUBLIC_BASE_URL: optionalUrl,
  DATA_DIR: z.string().trim().min(1).default('./.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MONGODB_URI: optionalText.pipe(
    z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
      .optional(),
  ),
  MicrosoftAppId: optionalText,
  MicrosoftAppPassword: optionalText,
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
  MicrosoftAppTenantId: optionalText,
  DIRECTLINE_SECRET: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  TWILIO_ACCOUNT_SID: optionalText.pipe(
    z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex characters')
      .optional(),
  ),
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_MESSAGING_SERVICE_SID: optionalText.pipe(
    z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/, 'must be MG followed by 32 hex characters')
      .optional(),
  ),
  TWILIO_FROM_NUMBER: optionalText.pipe(
    z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number like +15555550100')
      .optional(),
  ),
  TWILIO_API_BASE_URL: optionalUrl,
  SLACK_BOT_TOKEN: optionalText.pipe(z.string().startsWith('xoxb-', 'must start with xoxb-').optional()),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APPROVALS_CHANNEL: optionalText,
  SLACK_API_URL: optionalUrl,
  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL: z.string().trim().min(1).default('gpt-4o-mini'),
  ENCRYPTION_KEY: key32,
  FILE_URL_SECRET: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  TRANSCRIPT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
});

type Env = z.infer<typeof envSchema>;

/** Validated settings, grouped by the part of the app that uses them. */
export interface Config {
  port: number;
  /** Absolute base URL links and stream URLs are built on; defaults to http://localhost:PORT. */
  publicBaseUrl: string | undefined;
  dataDir: string;
  logLevel: Env['LOG_LEVEL'];
  /** A real MongoDB; undefined means the embedded server with data in `dataDir`. */
  mongodbUri: string | undefined;
  /** Bot Framework credentials; null runs `/api/messages` unauthenticated only for the Emulator-style local use. */
  botFramework: {
    appId: string;
    appPassword?: string;
    appType: Env['MicrosoftAppType'];
    tenantId?: string;
  } | null;
  directLineSecret: string | undefined;
  twilio: {
    accountSid: string;
    authToken: string;
    messagingServiceSid?: string;
    fromNumber?: string;
    apiBaseUrl?: string;
  } | null;
  slack: { botToken: string; signingSecret: string; approvalsChannel: string; apiUrl?: string } | null;
  openai: { apiKey: string; baseUrl?: string; model: string } | null;
  encryptionKey: Buffer | undefined;
  fileUrlSecret: string | undefined;
  /** Days the Direct Line activity history is kept. */
  transcriptRetentionDays: number;
}

/** Thrown when the environment holds a bad or incomplete setting; the message lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Variables that only work together: if any is set, all of `required` must be. */
const groups: { name: string; members: (keyof Env)[]; required: (keyof Env)[] }[] = [
  {
    name: 'Twilio SMS',
    members: [
      'TWILIO_ACCOUNT_SID',
      'TWILIO_AUTH_TOKEN',
      'TWILIO_MESSAGING_SERVICE_SID',
      'TWILIO_FROM_NUMBER',
    ],
    required: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN'],
  },
  {
    name: 'Slack',
    members: ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APPROVALS_CHANNEL'],
    required: ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APPROVALS_CHANNEL'],
  },
  { name: 'Bot Framework', members: ['MicrosoftAppPassword'], required: ['MicrosoftAppId'] },
];

/** Validates `env` (by default the process environment) into a `Config`, or throws `ConfigError`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;

  const problems: string[] = [];
  for (const group of groups) {
    if (!group.members.some((name) => e[name] !== undefined)) continue;
    for (const name of group.required.filter((name) => e[name] === undefined)) {
      problems.push(`${name}: required when any ${group.name} setting is set`);
    }
  }
  if (e.TWILIO_ACCOUNT_SID && !e.TWILIO_MESSAGING_SERVICE_SID && !e.TWILIO_FROM_NUMBER) {
    problems.push('TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER: one is required to send SMS');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    port: e.PORT,
    publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
    dataDir: resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    mongodbUri: e.MONGODB_URI,
    botFramework: e.MicrosoftAppId
      ? {
          appId: e.MicrosoftAppId,
          appPassword: e.MicrosoftAppPassword,
          appType: e.MicrosoftAppType,
          tenantId: e.MicrosoftAppTenantId,
        }
      : null,
    directLineSecret: e.DIRECTLINE_SECRET,
    twilio:
      e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN
        ? {
            accountSid: e.TWILIO_ACCOUNT_SID,
            authToken: e.TWILIO_AUTH_TOKEN,
            messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID,
            fromNumber: e.TWILIO_FROM_NUMBER,
            apiBaseUrl: e.TWILIO_API_BASE_URL,
          }
        : null,
    slack:
      e.SLACK_BOT_TOKEN && e.SLACK_SIGNING_SECRET && e.SLACK_APPROVALS_CHANNEL
        ? {
            botToken: e.SLACK_BOT_TOKEN,
            signingSecret: e.SLACK_SIGNING_SECRET,
            approvalsChannel: e.SLACK_APPROVALS_CHANNEL,
            apiUrl: e.SLACK_API_URL,
          }
        : null,
    openai: e.OPENAI_API_KEY
      ? { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL }
      : null,
    encryptionKey: e.ENCRYPTION_KEY,
    fileUrlSecret: e.FILE_URL_SECRET,
    transcriptRetentionDays: e.TRANSCRIPT_RETENTION_DAYS,
  };
}

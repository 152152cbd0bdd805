/**
 * The one place that reads the environment. Every setting is validated here; the app refuses to start
 * with a message naming each bad variable.
 */
import { resolve } from 'node:path';
import { validate as isCronExpression } from 'node-cron';
import { z } from 'zod';
import { isTimeZone } from './db/models/common.js';
import { businessHoursText, parseBusinessHours, type BusinessHours } from './domain/business-hours.js';

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();
const url = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });
const optionalUrl = optionalText.pipe(url.optional());

/** `*` or a comma-separated list of origins (`https://www.example.com`), each without a path. */
const originList = optionalText.transform((value, ctx) => {
  if (value === undefined || value === '*') return undefined;
  const origins = value.split(',').map((entry) => entry.trim().replace(/\/+$/, ''));
  for (const origin of origins) {
    if (
      !URL.canParse(origin) ||
      !/^https?:$/.test(new URL(origin).protocol) ||
      new URL(origin).origin !== origin
    ) {
      ctx.addIssue({ code: 'custom', message: `"${origin}" is not an origin like https://www.example.com` });
      return z.NEVER;
    }
  }
  return origins;
});

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
  BOT_EMULATOR: z.enum(['allow', 'deny']).default('deny'),
  ToBotFromChannelOpenIdMetadataUrl: optionalUrl,
  ToBotFromChannelTokenIssuer: optionalText,
  ToChannelFromBotLoginUrl: optionalUrl,
  ToChannelFromBotOAuthScope: optionalText,
  OAuthUrl: optionalUrl,
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
  SLACK_SUPPORT_CHANNEL: optionalText,
  HANDOFF_SLA_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  SUPPORT_HOURS: businessHoursText.default('Mon-Fri 09:00-17:00'),
  TICKET_SLA_HOURS: z.coerce.number().int().min(1).max(240).default(8),
  STRIPE_SECRET_KEY: optionalText.pipe(
    z
      .string()
      .regex(/^(?:sk|rk)_(?:test|live)_\w+$/, 'must be a Stripe secret or restricted key (sk_… or rk_…)')
      .optional(),
  ),
  STRIPE_WEBHOOK_SECRET: optionalText.pipe(
    z.string().startsWith('whsec_', 'must be a webhook signing secret (whsec_…)').optional(),
  ),
  STRIPE_API_BASE_URL: optionalUrl.refine(
    (value) => value === undefined || /^\/?$/.test(new URL(value).pathname),
    'must be a base URL without a path (Stripe API paths start at /v1)',
  ),
  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL: z.string().trim().min(1).default('gpt-4o-mini'),
  ENCRYPTION_KEY: key32,
  FILE_URL_SECRET: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  WIDGET_ALLOWED_ORIGINS: originList,
  DEMO_DATA: optionalText.pipe(z.enum(['true', 'false'], { message: 'must be true or false' }).optional()),
  TRANSCRIPT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  REMINDER_CRON: z
    .string()
    .trim()
    .default('*/15 * * * *')
    .refine(
      (value) => value === 'off' || isCronExpression(value),
      'must be a cron expression like */15 * * * *, or off',
    ),
  DEFAULT_TIME_ZONE: z
    .string()
    .trim()
    .default('America/New_York')
    .refine((value) => isTimeZone(value), 'must be an IANA time zone like America/New_York'),
  SMS_RATE_PER_SECOND: z.coerce.number().positive().max(1000).default(1),
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
  /** Bot Framework credentials; null leaves `/api/messages` to the local Emulator, if `allowBotEmulator`. */
  botFramework: {
    appId: string;
    appPassword?: string;
    appType: Env['MicrosoftAppType'];
    tenantId?: string;
    /** A cloud other than public Azure (sovereign or private); unset means public Azure. */
    cloud?: BotFrameworkCloud;
  } | null;
  /**
   * `BOT_EMULATOR=allow`: without credentials, `/api/messages` serves the local Bot Framework Emulator
   * (loopback callers, loopback `serviceUrl`); otherwise it refuses every request.
   */
  allowBotEmulator: boolean;
  directLineSecret: string | undefined;
  twilio: {
    accountSid: string;
    authToken: string;
    messagingServiceSid?: string;
    fromNumber?: string;
    apiBaseUrl?: string;
  } | null;
  slack: {
    botToken: string;
    signingSecret: string;
    approvalsChannel: string;
    /** Where handoffs and tickets go; the approvals channel unless `SLACK_SUPPORT_CHANNEL` says otherwise. */
    supportChannel: string;
    apiUrl?: string;
  } | null;
  /** Live handoffs to a person and support tickets. */
  support: {
    /** Business minutes an officer has to take a live handoff before supervisors are called. */
    handoffSlaMinutes: number;
    /** When the team is in (in `DEFAULT_TIME_ZONE`); outside them a request becomes a ticket. */
    hours: BusinessHours;
    /** Business hours within which a ticket's reply is promised. */
    ticketSlaHours: number;
  };
  /** Stripe payment links and webhooks; null runs the local stand-in. */
  stripe: { secretKey: string; webhookSecret: string; apiBaseUrl?: string } | null;
  openai: { apiKey: string; baseUrl?: string; model: string } | null;
  encryptionKey: Buffer | undefined;
  fileUrlSecret: string | undefined;
  /**
   * Origins whose pages may get widget tokens (besides the app's own); undefined means any origin, as
   * the tokens are anonymous and the endpoint answers any client that is not a browser anyway.
   */
  widgetAllowedOrigins: string[] | undefined;
  /** Load the demo data into an empty database and show the demo customer on `/`. */
  demoData: boolean;
  /** Days the Direct Line activity history is kept. */
  transcriptRetentionDays: number;
  /** Sends of one notification tried before it is marked failed. */
  outboxMaxAttempts: number;
  reminders: {
    /** node-cron schedule of the planning and release pass; undefined (`off`) runs none. */
    cron: string | undefined;
    /** Time zone of the quiet hours of a customer who has none. */
    defaultTimeZone: string;
    /** Outbound SMS per second, over every process sharing the database. */
    smsRatePerSecond: number;
  };
}

/** The Bot Framework endpoints of one cloud, under the SDK's own setting names. */
export interface BotFrameworkCloud {
  /** OpenID metadata of the keys that sign channel tokens. */
  toBotFromChannelOpenIdMetadataUrl: string;
  /** The `iss` of channel tokens. */
  toBotFromChannelTokenIssuer: string;
  /** Where the bot gets its own tokens for replies. */
  toChannelFromBotLoginUrl: string;
  /** The audience the bot asks tokens for. */
  toChannelFromBotOAuthScope: string;
  /** The Bot Framework token service (user sign-in). */
  oAuthUrl: string;
}

/** Thrown when the environment holds a bad or incomplete setting; the message lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A cloud other than public Azure is described by all of these, or none. */
const cloudSettings: (keyof Env)[] = [
  'ToBotFromChannelOpenIdMetadataUrl',
  'ToBotFromChannelTokenIssuer',
  'ToChannelFromBotLoginUrl',
  'ToChannelFromBotOAuthScope',
  'OAuthUrl',
];

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
  {
    name: 'Stripe',
    members: ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'],
    required: ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'],
  },
  { name: 'Bot Framework', members: ['MicrosoftAppPassword'], required: ['MicrosoftAppId'] },
  {
    name: 'Bot Framework cloud',
    members: cloudSettings,
    required: ['MicrosoftAppId', ...cloudSettings],
  },
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
  // Twilio signs its webhooks on the URL it was given; without it no signature can be checked.
  if (e.TWILIO_ACCOUNT_SID && !e.PUBLIC_BASE_URL) {
    problems.push(
      'PUBLIC_BASE_URL: required when Twilio SMS is configured (webhook signatures are computed on it)',
    );
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
          ...(e.ToBotFromChannelOpenIdMetadataUrl &&
          e.ToBotFromChannelTokenIssuer &&
          e.ToChannelFromBotLoginUrl &&
          e.ToChannelFromBotOAuthScope &&
          e.OAuthUrl
            ? {
                cloud: {
                  toBotFromChannelOpenIdMetadataUrl: e.ToBotFromChannelOpenIdMetadataUrl,
                  toBotFromChannelTokenIssuer: e.ToBotFromChannelTokenIssuer,
                  toChannelFromBotLoginUrl: e.ToChannelFromBotLoginUrl,
                  toChannelFromBotOAuthScope: e.ToChannelFromBotOAuthScope,
                  oAuthUrl: e.OAuthUrl,
                },
              }
            : {}),
        }
      : null,
    allowBotEmulator: e.BOT_EMULATOR === 'allow',
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
            supportChannel: e.SLACK_SUPPORT_CHANNEL ?? e.SLACK_APPROVALS_CHANNEL,
            apiUrl: e.SLACK_API_URL,
          }
        : null,
    stripe:
      e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET
        ? {
            secretKey: e.STRIPE_SECRET_KEY,
            webhookSecret: e.STRIPE_WEBHOOK_SECRET,
            ...(e.STRIPE_API_BASE_URL ? { apiBaseUrl: e.STRIPE_API_BASE_URL.replace(/\/+$/, '') } : {}),
          }
        : null,
    openai: e.OPENAI_API_KEY
      ? { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL }
      : null,
    encryptionKey: e.ENCRYPTION_KEY,
    fileUrlSecret: e.FILE_URL_SECRET,
    widgetAllowedOrigins: e.WIDGET_ALLOWED_ORIGINS,
    // Demo data (with a customer whose details the demo page prints) belongs to the embedded database.
    demoData: e.DEMO_DATA === undefined ? e.MONGODB_URI === undefined : e.DEMO_DATA === 'true',
    transcriptRetentionDays: e.TRANSCRIPT_RETENTION_DAYS,
    outboxMaxAttempts: e.OUTBOX_MAX_ATTEMPTS,
    reminders: {
      cron: e.REMINDER_CRON === 'off' ? undefined : e.REMINDER_CRON,
      defaultTimeZone: e.DEFAULT_TIME_ZONE,
      smsRatePerSecond: e.SMS_RATE_PER_SECOND,
    },
    support: {
      handoffSlaMinutes: e.HANDOFF_SLA_MINUTES,
      hours: parseBusinessHours(e.SUPPORT_HOURS, e.DEFAULT_TIME_ZONE)!,
      ticketSlaHours: e.TICKET_SLA_HOURS,
    },
  };
}

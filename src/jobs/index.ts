/** Builds the scheduled jobs and the SMS pacing over one database, for the app and the commands. */
import type { Db } from 'mongodb';
import type { Config } from '../config.js';
import type { Models } from '../db/models/index.js';
import type { ConsentService } from '../domain/consent.js';
import type { ConversationLinkService } from '../domain/conversations.js';
import { MongoReminderService, type MissingItems } from '../domain/reminders.js';
import type { Logger } from '../log.js';
import { SmsPacing, type PacingDocument } from '../notifications/sms-pacing.js';
import type { HandoffService } from '../domain/handoff.js';
import { HandoffSlaJob } from './handoff-sla.js';
import { JobLease, type LeaseDocument } from './lease.js';
import { ReminderJob } from './reminders.js';

/** How long a reminder pass holds its lease without renewing it. */
export const reminderLeaseMs = 60_000;

/** What {@link createReminderJob} is built from. */
export interface ReminderJobParts {
  db: Db;
  models: Models;
  domain: {
    consent: Pick<ConsentService, 'smsStatus'>;
    conversations: Pick<ConversationLinkService, 'latest'>;
  };
  settings: Config['reminders'];
  logger: Logger;
  /** Wakes the dispatcher once reminders are in the outbox. */
  onQueued?: () => void;
  missingItems?: MissingItems;
  leaseMs?: number;
}

export function createReminderJob(parts: ReminderJobParts): ReminderJob {
  return new ReminderJob({
    reminders: new MongoReminderService({
      models: parts.models,
      consent: parts.domain.consent,
      conversations: parts.domain.conversations,
      defaultTimeZone: parts.settings.defaultTimeZone,
      logger: parts.logger,
      missingItems: parts.missingItems,
      onQueued: parts.onQueued,
    }),
    lease: new JobLease({
      collection: parts.db.collection<LeaseDocument>('jobleases'),
      job: 'reminders',
      ttlMs: parts.leaseMs ?? reminderLeaseMs,
    }),
    cron: parts.settings.cron,
    logger: parts.logger,
  });
}

/** The SMS pace and quiet hours the dispatcher consults, shared through `smspacing`. */
export function createSmsPacing(parts: Pick<ReminderJobParts, 'db' | 'models' | 'settings'>): SmsPacing {
  return new SmsPacing({
    models: parts.models,
    collection: parts.db.collection<PacingDocument>('smspacing'),
    ratePerSecond: parts.settings.smsRatePerSecond,
    defaultTimeZone: parts.settings.defaultTimeZone,
  });
}

/** The job that escalates handoffs and tickets past their SLA, one process at a time. */
export function createHandoffSlaJob(parts: {
  db: Db;
  handoffs: Pick<HandoffService, 'escalateOverdue' | 'hasOverdue'>;
  logger: Logger;
  leaseMs?: number;
  now?: () => Date;
}): HandoffSlaJob {
  return new HandoffSlaJob({
    handoffs: parts.handoffs,
    lease: new JobLease({
      collection: parts.db.collection<LeaseDocument>('jobleases'),
      job: 'handoff-sla',
      ttlMs: parts.leaseMs ?? 30_000,
      ...(parts.now ? { now: parts.now } : {}),
    }),
    logger: parts.logger,
  });
}

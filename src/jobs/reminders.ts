/**
 * The reminder job: on its cron schedule and once at start-up, plans reminders and releases the due
 * ones into the outbox, under the `reminders` lease so that one process in the deployment does it per
 * pass. A pass after downtime catches up by itself: planning looks back far enough to find what was
 * missed, and release sends what is less than a day late and drops the rest.
 */
import type { PlanSummary, ReleaseOutcome, ReminderService } from '../domain/reminders.js';
import type { Logger } from '../log.js';
import { startCron, type CronSchedule } from './cron.js';
import type { JobLease } from './lease.js';

/** What one pass did; `ran` is false when another process held the lease. */
export interface ReminderPassReport {
  ran: boolean;
  plan?: PlanSummary;
  outcomes: ReleaseOutcome[];
}

/** Options of {@link ReminderJob}. */
export interface ReminderJobOptions {
  reminders: ReminderService;
  lease: JobLease;
  /** node-cron expression of the schedule; undefined runs passes only when asked (`runPass`). */
  cron: string | undefined;
  logger: Logger;
  now?: () => Date;
}

export class ReminderJob {
  private schedule: CronSchedule | undefined;
  private startup: Promise<unknown> | undefined;
  private readonly now: () => Date;

  constructor(private readonly options: ReminderJobOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** One planning and release pass as of `at` (default now), if this process gets the lease. */
  async runPass(options: { at?: Date; dryRun?: boolean } = {}): Promise<ReminderPassReport> {
    const at = options.at ?? this.now();
    const held = await this.options.lease.run(async (signal) => {
      const plan = await this.options.reminders.plan(at, { signal, dryRun: options.dryRun });
      const outcomes = await this.options.reminders.release(at, { signal, dryRun: options.dryRun });
      return { plan, outcomes };
    });
    if (!held) return { ran: false, outcomes: [] };
    const counts: Record<string, number> = {};
    for (const { outcome } of held.result.outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1;
    this.options.logger.info({ plan: held.result.plan, released: counts }, 'reminder pass done');
    return { ran: true, ...held.result };
  }

  /** Runs a pass now and then on the schedule, until {@link stop}; without a schedule, nothing. */
  start(): void {
    const cron = this.options.cron;
    if (cron === undefined) return;
    const pass = () =>
      this.runPass().then(
        () => undefined,
        (error: unknown) => this.options.logger.error({ err: error }, 'reminder pass failed'),
      );
    this.startup = pass();
    this.schedule = startCron(cron, pass);
  }

  /** Stops the schedule and waits for a pass in progress. */
  async stop(): Promise<void> {
    await this.schedule?.stop();
    await this.startup;
  }
}

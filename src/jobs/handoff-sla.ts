/**
 * The handoff SLA job: every half minute (and at start-up), escalates the handoffs nobody took and the
 * tickets nobody answered by their SLA due time, under the `handoff-sla` lease so one process in the
 * deployment does it per pass. Escalating is guarded per request, so a pass repeated by a process that
 * took the lease over escalates nothing twice.
 */
import type { HandoffService } from '../domain/handoff.js';
import type { Logger } from '../log.js';
import { startCron, type CronSchedule } from './cron.js';
import type { JobLease } from './lease.js';

/** Twice a minute: the SLA is counted in minutes. */
export const handoffSlaCron = '*/30 * * * * *';

/** Options of {@link HandoffSlaJob}. */
export interface HandoffSlaJobOptions {
  handoffs: Pick<HandoffService, 'escalateOverdue' | 'hasOverdue'>;
  lease: JobLease;
  logger: Logger;
  /** node-cron expression; default {@link handoffSlaCron}. */
  cron?: string;
}

export class HandoffSlaJob {
  private schedule: CronSchedule | undefined;
  private startup: Promise<unknown> | undefined;

  constructor(private readonly options: HandoffSlaJobOptions) {}

  /**
   * One pass, if this process gets the lease: how many requests it escalated, or undefined. With
   * nothing overdue it takes no lease, so an idle deployment writes nothing twice a minute.
   */
  async runPass(): Promise<number | undefined> {
    if (!(await this.options.handoffs.hasOverdue())) return 0;
    const held = await this.options.lease.run(() => this.options.handoffs.escalateOverdue());
    if (!held) return undefined;
    if (held.result > 0)
      this.options.logger.info({ escalated: held.result }, 'handoffs past their SLA escalated');
    return held.result;
  }

  start(): void {
    const pass = () =>
      this.runPass().then(
        () => undefined,
        (error: unknown) => this.options.logger.error({ err: error }, 'handoff SLA pass failed'),
      );
    this.startup = pass();
    this.schedule = startCron(this.options.cron ?? handoffSlaCron, pass);
  }

  async stop(): Promise<void> {
    await this.schedule?.stop();
    await this.startup;
  }
}

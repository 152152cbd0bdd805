/**
 * `npm run reminders -- [--at ISO-TIME] [--dry-run]`: one reminder planning and release pass on the
 * bot's database, as if the clock said `--at` (default now), printing what was sent, deferred,
 * skipped, cancelled and dropped. `--dry-run` works everything out and sends nothing: it writes only the
 * newly planned reminders, which the schedule would write anyway. The running bot's dispatcher delivers
 * what the pass puts in the outbox, at the SMS pace.
 */
import { parseArgs } from 'node:util';
import { appBaseUrl, composeCore } from '../app.js';
import type { ReleaseOutcome } from '../domain/reminders.js';
import { createReminderJob } from '../jobs/index.js';
import { UsageError, withDatabase } from './with-database.js';

function options(): { at: Date | undefined; dryRun: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      options: { at: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError(
      `${error instanceof Error ? error.message : String(error)}\nUsage: npm run reminders -- [--at ISO-TIME] [--dry-run]`,
    );
  }
  const at = parsed.at === undefined ? undefined : new Date(parsed.at);
  if (at && (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(parsed.at!))) {
    throw new UsageError(`--at must be an ISO time like 2026-06-15T12:00:00Z, not "${parsed.at}"`);
  }
  return { at, dryRun: parsed['dry-run'] };
}

function line(outcome: ReleaseOutcome): string {
  const parts = [`  ${outcome.outcome.padEnd(9)} ${outcome.kind.padEnd(17)} reminder ${outcome.reminderId}`];
  if (outcome.route) parts.push(`by ${outcome.route}`);
  if (outcome.outcome === 'deferred' && outcome.at)
    parts.push(`at ${outcome.at.toISOString()} (quiet hours)`);
  if (outcome.outcome === 'dropped' && outcome.at) parts.push(`was due ${outcome.at.toISOString()}`);
  return parts.join(' ');
}

await withDatabase(async (database, { config, logger }) => {
  const { at, dryRun } = options();
  const { models, domain } = await composeCore(database, config, logger, () => appBaseUrl(config));
  const mongo = database.connection.db;
  if (!mongo) throw new Error('database not connected');
  const job = createReminderJob({ db: mongo, models, domain, settings: config.reminders, logger });
  const when = at ?? new Date();
  const report = await job.runPass({ at: when, dryRun });
  console.log(`Reminder pass as of ${when.toISOString()}${dryRun ? ' (dry run: nothing sent)' : ''}`);
  if (!report.ran || !report.plan) {
    console.log('Another process is running a reminder pass now; nothing was done.');
    process.exitCode = 1;
    return;
  }
  const { plan, outcomes } = report;
  console.log(
    `planned: ${plan.scheduled} new, ${plan.cancelled} ${dryRun ? 'to cancel' : 'cancelled'} ` +
      `(${plan.subjects} policies and claims looked at)`,
  );
  const order: ReleaseOutcome['outcome'][] = ['sent', 'deferred', 'skipped', 'cancelled', 'dropped'];
  const counts = order.map(
    (name) => `${outcomes.filter((outcome) => outcome.outcome === name).length} ${name}`,
  );
  console.log(`due: ${counts.join(', ')}`);
  for (const name of order)
    for (const outcome of outcomes.filter((o) => o.outcome === name)) console.log(line(outcome));
  const sms = outcomes.filter((outcome) => outcome.route === 'sms' && outcome.outcome === 'sent').length;
  if (sms > 1) {
    const seconds = Math.ceil((sms - 1) / config.reminders.smsRatePerSecond);
    console.log(
      `SMS leave at ${config.reminders.smsRatePerSecond}/s: the last about ${seconds} s after the first.`,
    );
  }
});

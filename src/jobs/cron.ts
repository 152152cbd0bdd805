/** The one wrapper over node-cron: a schedule that runs an async function, never two runs at once. */
import { schedule } from 'node-cron';

/** A running schedule. */
export interface CronSchedule {
  /** Stops the schedule; resolves once a run in progress has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `run` on the cron `expression` (already validated) until stopped. A run still going when the
 * next one is due makes that one be skipped rather than overlap.
 */
export function startCron(expression: string, run: () => Promise<void>): CronSchedule {
  let running: Promise<void> | undefined;
  const task = schedule(
    expression,
    async () => {
      running = run();
      try {
        await running;
      } finally {
        running = undefined;
      }
    },
    { noOverlap: true },
  );
  return {
    async stop() {
      await task.destroy();
      await running;
    },
  };
}

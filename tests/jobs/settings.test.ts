import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

test('reminder settings: defaults, and malformed values refused by name', () => {
  assert.deepEqual(loadConfig({}).reminders, {
    cron: '*/15 * * * *',
    defaultTimeZone: 'America/New_York',
    smsRatePerSecond: 1,
  });
  assert.deepEqual(
    loadConfig({
      REMINDER_CRON: '0 8 * * 1-5',
      DEFAULT_TIME_ZONE: 'Europe/Paris',
      SMS_RATE_PER_SECOND: '2.5',
    }).reminders,
    { cron: '0 8 * * 1-5', defaultTimeZone: 'Europe/Paris', smsRatePerSecond: 2.5 },
  );
  assert.throws(
    () =>
      loadConfig({ REMINDER_CRON: 'every day', DEFAULT_TIME_ZONE: 'Mars/Olympus', SMS_RATE_PER_SECOND: '0' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      ['REMINDER_CRON', 'DEFAULT_TIME_ZONE', 'SMS_RATE_PER_SECOND'].every((name) =>
        error.problems.some((problem) => problem.startsWith(`${name}:`)),
      ),
  );
});

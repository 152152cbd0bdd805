import assert from 'node:assert/strict';
import { isAbsolute } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('settings', () => {
  test('an empty environment gives working local defaults with every channel switched off', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3978);
    assert.ok(isAbsolute(config.dataDir));
    assert.equal(config.logLevel, 'info');
    assert.equal(config.mongodbUri, undefined);
    assert.equal(config.twilio, null);
    assert.equal(config.slack, null);
    assert.equal(config.stripe, null);
    assert.equal(config.openai, null);
    assert.equal(config.botFramework, null);
  });

  test('empty strings count as unset', () => {
    const config = loadConfig({ MONGODB_URI: '', OPENAI_API_KEY: ' ', PORT: '4000' });
    assert.equal(config.mongodbUri, undefined);
    assert.equal(config.openai, null);
    assert.equal(config.port, 4000);
  });

  test('each malformed value is named', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      MONGODB_URI: 'postgres://x',
      LOG_LEVEL: 'loud',
      ENCRYPTION_KEY: 'short',
      PUBLIC_BASE_URL: 'not a url',
    });
    for (const name of ['PORT', 'MONGODB_URI', 'LOG_LEVEL', 'ENCRYPTION_KEY', 'PUBLIC_BASE_URL']) {
      assert.ok(
        problems.some((problem) => problem.startsWith(`${name}:`)),
        `${name} missing from ${problems.join('; ')}`,
      );
    }
  });

  test('a partial channel configuration names the missing variables', () => {
    const problems = problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1' });
    assert.deepEqual(problems.sort(), [
      'SLACK_APPROVALS_CHANNEL: required when any Slack setting is set',
      'SLACK_SIGNING_SECRET: required when any Slack setting is set',
    ]);
    const sms = problemsOf({ TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'secret' });
    assert.equal(sms.length, 2);
    assert.match(sms[0]!, /TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER/);
    assert.match(sms[1]!, /^PUBLIC_BASE_URL: required when Twilio SMS is configured/);
  });

  test('complete channel settings switch channels on', () => {
    const key = 'ab'.repeat(32);
    const config = loadConfig({
      TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'secret',
      TWILIO_FROM_NUMBER: '+15555550100',
      TWILIO_API_BASE_URL: 'http://127.0.0.1:9999',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'shh',
      SLACK_APPROVALS_CHANNEL: 'C123',
      OPENAI_API_KEY: 'sk-test',
      ENCRYPTION_KEY: key,
      PUBLIC_BASE_URL: 'https://bot.example.com/',
    });
    assert.equal(config.twilio?.fromNumber, '+15555550100');
    assert.equal(config.slack?.approvalsChannel, 'C123');
    assert.equal(config.openai?.model, 'gpt-4o-mini');
    assert.deepEqual(config.encryptionKey, Buffer.from(key, 'hex'));
    assert.equal(config.publicBaseUrl, 'https://bot.example.com');
  });

  test('Stripe takes both keys, checks their form, and a stand-in URL without a path', () => {
    assert.deepEqual(problemsOf({ STRIPE_SECRET_KEY: 'sk_test_abc' }), [
      'STRIPE_WEBHOOK_SECRET: required when any Stripe setting is set',
    ]);
    const malformed = problemsOf({
      STRIPE_SECRET_KEY: 'pk_test_abc',
      STRIPE_WEBHOOK_SECRET: 'secret',
      STRIPE_API_BASE_URL: 'http://127.0.0.1:12111/v1',
    });
    for (const name of ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_BASE_URL']) {
      assert.ok(
        malformed.some((problem) => problem.startsWith(`${name}:`)),
        `${name}: ${malformed.join('; ')}`,
      );
    }
    const config = loadConfig({
      STRIPE_SECRET_KEY: 'sk_test_abc',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc',
      STRIPE_API_BASE_URL: 'http://127.0.0.1:12111/',
    });
    assert.deepEqual(config.stripe, {
      secretKey: 'sk_test_abc',
      webhookSecret: 'whsec_abc',
      apiBaseUrl: 'http://127.0.0.1:12111',
    });
  });

  test('handoff settings: the support channel defaults to the approvals channel; hours and SLAs are checked', () => {
    const slack = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_APPROVALS_CHANNEL: 'C123' };
    assert.equal(loadConfig(slack).slack?.supportChannel, 'C123');
    assert.equal(loadConfig({ ...slack, SLACK_SUPPORT_CHANNEL: 'C456' }).slack?.supportChannel, 'C456');
    const support = loadConfig({}).support;
    assert.equal(support.handoffSlaMinutes, 10);
    assert.equal(support.ticketSlaHours, 8);
    assert.deepEqual([...support.hours.days].sort(), [1, 2, 3, 4, 5]);
    assert.equal(support.hours.timeZone, 'America/New_York');
    const custom = loadConfig({
      SUPPORT_HOURS: 'Mon-Sat 08:30-18:00',
      DEFAULT_TIME_ZONE: 'Europe/Paris',
    }).support;
    assert.deepEqual(
      [custom.hours.opensAt, custom.hours.closesAt, custom.hours.timeZone],
      [510, 1080, 'Europe/Paris'],
    );
    const problems = problemsOf({
      SUPPORT_HOURS: 'weekdays',
      HANDOFF_SLA_MINUTES: '0',
      TICKET_SLA_HOURS: 'soon',
    });
    assert.equal(problems.length, 3);
    assert.match(problems.join('\n'), /SUPPORT_HOURS: must look like Mon-Fri 09:00-17:00/);
  });

  test('a base64 encryption key of 32 bytes is accepted', () => {
    const key = Buffer.alloc(32, 7);
    assert.deepEqual(loadConfig({ ENCRYPTION_KEY: key.toString('base64') }).encryptionKey, key);
  });
});

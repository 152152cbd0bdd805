import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config.js';

const cloud = {
  ToBotFromChannelOpenIdMetadataUrl: 'https://api.botframework.example/v1/.well-known/openidconfiguration',
  ToBotFromChannelTokenIssuer: 'https://api.botframework.example',
  ToChannelFromBotLoginUrl: 'https://login.example/botframework.example',
  ToChannelFromBotOAuthScope: 'https://api.botframework.example',
  OAuthUrl: 'https://token.botframework.example',
};
const credentials = { MicrosoftAppId: 'app-id', MicrosoftAppPassword: 'app-password' };

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('Bot Framework settings', () => {
  test('the Emulator is refused unless BOT_EMULATOR=allow', () => {
    assert.equal(loadConfig({}).allowBotEmulator, false);
    assert.equal(loadConfig({ BOT_EMULATOR: 'deny' }).allowBotEmulator, false);
    assert.equal(loadConfig({ BOT_EMULATOR: 'allow' }).allowBotEmulator, true);
    assert.match(problems({ BOT_EMULATOR: 'yes' }).join('\n'), /^BOT_EMULATOR:/);
  });

  test('a cloud other than public Azure takes all five endpoints and the credentials', () => {
    assert.equal(loadConfig(credentials).botFramework?.cloud, undefined);
    assert.deepEqual(loadConfig({ ...credentials, ...cloud }).botFramework?.cloud, {
      toBotFromChannelOpenIdMetadataUrl: cloud.ToBotFromChannelOpenIdMetadataUrl,
      toBotFromChannelTokenIssuer: cloud.ToBotFromChannelTokenIssuer,
      toChannelFromBotLoginUrl: cloud.ToChannelFromBotLoginUrl,
      toChannelFromBotOAuthScope: cloud.ToChannelFromBotOAuthScope,
      oAuthUrl: cloud.OAuthUrl,
    });
    const { OAuthUrl: _missing, ...partial } = cloud;
    assert.deepEqual(problems({ ...credentials, ...partial }), [
      'OAuthUrl: required when any Bot Framework cloud setting is set',
    ]);
    assert.deepEqual(problems(cloud), [
      'MicrosoftAppId: required when any Bot Framework cloud setting is set',
    ]);
    assert.match(
      problems({ ...credentials, ...cloud, ToBotFromChannelOpenIdMetadataUrl: 'not a url' }).join('\n'),
      /^ToBotFromChannelOpenIdMetadataUrl:/,
    );
  });
});

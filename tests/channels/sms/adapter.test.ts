import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import { channelSourceOf } from '../../../src/bot/channel-source.js';
import { clientKeyOf } from '../../../src/bot/client-key.js';
import { identityHintOf } from '../../../src/bot/identity-hint.js';
import { SmsAdapter } from '../../../src/channels/sms/adapter.js';
import { SmsOutbound } from '../../../src/channels/sms/outbound.js';
import { maxMessagesPerTurn, moreHint } from '../../../src/channels/sms/render.js';
import { SmsStore } from '../../../src/channels/sms/store.js';
import type { SmsClient } from '../../../src/channels/sms/twilio-client.js';
import type { SmsConsentState } from '../../../src/db/models/index.js';
import { startTestDatabase, type TestDatabase } from '../../support/db.js';

let db: TestDatabase;
let adapter: SmsAdapter;
let store: SmsStore;
let outbound: SmsOutbound;
const sent: { to: string; body: string }[] = [];
const consent = new Map<string, SmsConsentState>();
const customer = '+15555550123';
const ours = '+15555550100';
let sequence = 0;

before(async () => {
  db = await startTestDatabase();
  store = new SmsStore(db.connection);
  await store.ensureIndexes();
  const client: SmsClient = {
    async send({ to, body }) {
      sent.push({ to, body });
      return { sid: `SM${randomBytes(16).toString('hex')}`, status: 'queued' };
    },
    fetchMedia: () => Promise.reject(new Error('no media here')),
    deleteMedia: () => Promise.resolve(),
  };
  outbound = new SmsOutbound({
    client,
    store,
    consent: { smsStatus: async (phone) => consent.get(phone) ?? 'unknown' },
    hashKey: randomBytes(32),
    statusCallback: () => 'https://bot.example.com/api/sms/status',
  });
  adapter = new SmsAdapter({ outbound, store });
});
after(async () => {
  await db.stop();
});

async function inbound(text: string, logic: (context: TurnContext) => Promise<void>, hint = false) {
  const before = sent.length;
  const messageSid = `SM${String(++sequence).padStart(32, '0')}`;
  // As the webhook does: the message is recorded on its conversation, which is read in the same call.
  const state = await store.receive(
    outbound.conversationId(customer, ours),
    messageSid,
    outbound.senderKey(customer),
    new Date(),
  );
  assert.ok(state);
  await adapter.processInbound(
    {
      messageSid,
      from: customer,
      to: ours,
      text,
      attachments: [],
      ...(hint ? { hint: { phone: customer, onFile: () => Promise.resolve(true) } } : {}),
    },
    logic,
    state,
  );
  return sent.slice(before).map((message) => message.body);
}

const longText = Array.from({ length: 14 }, (_, i) => `Point ${i + 1}: ${'cover '.repeat(20).trim()}.`).join(
  '\n',
);

describe('the SMS adapter', () => {
  test('turns carry the sms source, a client key that is no phone number, and the hint', async () => {
    let seen: { source: string; key?: string; hint?: string; conversation: string } | undefined;
    await inbound(
      'hi',
      async (context) => {
        seen = {
          source: channelSourceOf(context),
          key: clientKeyOf(context),
          hint: identityHintOf(context)?.phone,
          conversation: context.activity.conversation.id,
        };
      },
      true,
    );
    assert.equal(seen?.source, 'sms');
    assert.equal(seen?.hint, customer);
    assert.ok(seen?.key && !seen.key.includes('555'), 'the client key is a keyed hash');
    assert.ok(!seen.conversation.includes('555'), 'the conversation id names no number');
  });

  test('replies of a turn go out together, choices numbered, cards as text', async () => {
    const replies = await inbound('hi', async (context) => {
      await context.sendActivity({ type: 'typing' });
      await context.sendActivity('Hello.');
      await context.sendActivity(
        MessageFactory.attachment(
          CardFactory.heroCard('Claim CLM-000123', 'was approved.', undefined, ['See claim']),
        ),
      );
    });
    assert.deepEqual(replies, ['Hello.\nClaim CLM-000123\nwas approved.\nReply 1 for See claim.']);
  });

  test('"1" means the first choice offered last', async () => {
    await inbound('menu', async (context) => {
      await context.sendActivity(
        MessageFactory.suggestedActions(['Show my policies', 'Talk to a person'], 'Pick.'),
      );
    });
    let received = '';
    await inbound('2', async (context) => {
      received = context.activity.text;
    });
    assert.equal(received, 'Talk to a person');
    // Once a reply offers nothing, numbers are just numbers again.
    await inbound('3', async (context) => {
      received = context.activity.text;
    });
    assert.equal(received, '3');
  });

  test('a long reply: four messages under 320 characters, then the rest on MORE', async () => {
    const first = await inbound('tell me', async (context) => {
      await context.sendActivity(longText);
    });
    assert.equal(first.length, maxMessagesPerTurn);
    assert.ok(first.every((message) => message.length <= 320));
    assert.ok(first[first.length - 1]!.endsWith(moreHint));
    let ran = false;
    const rest = await inbound('more', async () => {
      ran = true;
    });
    assert.equal(ran, false, 'MORE is answered by the channel');
    assert.ok(rest.length >= 1);
    const all = [...first, ...rest].join('\n').replaceAll(`\n${moreHint}`, '');
    assert.ok(all.includes('Point 1:') && all.includes('Point 14:'));
  });

  test('an opted-out number gets no reply at all', async () => {
    consent.set(customer, 'opted_out');
    try {
      const replies = await inbound('hi', async (context) => {
        await context.sendActivity('Hello.');
      });
      assert.deepEqual(replies, []);
    } finally {
      consent.delete(customer);
    }
  });

  test('a failed turn still tells the customer', async () => {
    adapter.onTurnError = async (context) => {
      await context.sendActivity('Sorry, something went wrong on our side.');
    };
    const replies = await inbound('hi', async () => {
      throw new Error('boom');
    });
    assert.deepEqual(replies, ['Sorry, something went wrong on our side.']);
  });
});

describe("a conversation's copy of the consent ledger", () => {
  const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 12, minutes));
  const conversation = 'sms-consent-copy';
  const sender = 'sender-of-consent-copy';
  const copyOf = async () =>
    (await store.receive(conversation, `SM${++sequence}`, sender, new Date()))?.consent;

  test('takes a decision only if it is at least as new as the one it holds', async () => {
    assert.equal(await copyOf(), undefined, 'a new conversation holds no copy');
    await store.copyConsent(sender, { state: 'opted_in', at: at(1) });
    assert.equal((await copyOf())?.state, 'opted_in');
    await store.copyConsent(sender, { state: 'opted_out', at: at(3) });
    assert.deepEqual(await copyOf(), { state: 'opted_out', at: at(3) });
    // A reading of the ledger taken before the opt-out, or an older decision arriving late, changes nothing.
    await store.copyConsent(sender, { state: 'opted_in', at: at(2) });
    await store.copyConsent(sender, { state: 'opted_in', at: at(2) });
    assert.equal((await copyOf())?.state, 'opted_out');
    await store.copyConsent(sender, { state: 'opted_in', at: at(4) });
    assert.deepEqual(await copyOf(), { state: 'opted_in', at: at(4) });
  });
});

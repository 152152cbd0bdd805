import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TestAdapter, TurnContext, type Activity } from 'botbuilder';
import type { DialogDependencies } from '../../dialogs/dependencies.js';
import { handOff } from '../../dialogs/replies.js';
import { setChannelSource } from '../../src/bot/channel-source.js';

/** `handOff` over stand-ins: an anonymous visitor whose request became a ticket due at `respondBy`. */
async function ticketReply(defaultTimeZone: string, timezone?: string): Promise<string> {
  const respondBy = new Date('2026-11-23T14:00:00Z');
  const deps = {
    defaultTimeZone,
    session: {
      customer: () =>
        Promise.resolve(timezone ? { customerId: 'c1', firstName: 'Ana', timezone } : undefined),
      recent: () => Promise.resolve([]),
      noteHandoff: () => Promise.resolve(),
    },
    services: {
      handoff: {
        requestSupport: () =>
          Promise.resolve({ mode: 'ticket', reference: 'SR-000001', respondBy, createdAt: respondBy }),
      },
    },
  } as unknown as Pick<DialogDependencies, 'services' | 'session' | 'defaultTimeZone'>;
  const sent: Partial<Activity>[] = [];
  const adapter = new TestAdapter(async (context) => {
    context.onSendActivities(async (_context, activities, next) => {
      sent.push(...activities);
      return next();
    });
    setChannelSource(context, 'directline');
    await handOff(context as TurnContext, deps, 'customer_request');
  });
  await adapter.send('a person please');
  return sent.map((activity) => activity.text ?? '').join('\n');
}

describe('handing off', () => {
  test('a ticket says its time in DEFAULT_TIME_ZONE to someone with no time zone on file', async () => {
    assert.match(await ticketReply('Europe/Lisbon'), /by Monday, November 23 at 2:00\s?PM GMT/);
    assert.match(await ticketReply('America/Chicago'), /by Monday, November 23 at 8:00\s?AM CST/);
  });

  test("and in the customer's own time zone when there is one", async () => {
    assert.match(await ticketReply('Europe/Lisbon', 'America/New_York'), /at 9:00\s?AM EST/);
  });
});

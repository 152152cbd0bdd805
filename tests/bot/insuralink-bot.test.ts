import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Storage, StoreItems } from 'botbuilder';
import { MongoStorage, StoragePreconditionError } from '../../src/bot/storage.js';
import { startHarness, textOf, type Harness } from '../dialogs/harness.js';

/**
 * Holds reads, once armed, until two turns have both read: the two turns then hold the same state and
 * eTag, the worst case of two messages of one conversation arriving together.
 */
class ReadGate {
  private waiting: (() => void)[] = [];
  armed = false;

  async pass(): Promise<void> {
    if (!this.armed) return;
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      if (this.waiting.length === 2) {
        this.armed = false;
        for (const release of this.waiting.splice(0)) release();
      }
    });
  }
}

/** MongoStorage whose reads pass through a gate shared by every bot instance of the test. */
class RacingStorage implements Storage {
  constructor(
    private readonly inner: MongoStorage,
    private readonly gate: ReadGate,
  ) {}

  async read(keys: string[]): Promise<StoreItems> {
    const items = await this.inner.read(keys);
    await this.gate.pass();
    return items;
  }

  write(changes: StoreItems): Promise<void> {
    return this.inner.write(changes);
  }

  delete(keys: string[]): Promise<void> {
    return this.inner.delete(keys);
  }
}

describe('InsuraLinkBot', () => {
  let harness: Harness;
  const gate = new ReadGate();
  before(async () => {
    harness = await startHarness({
      storage: (connection) => new RacingStorage(new MongoStorage(connection), gate),
    });
  });
  after(async () => {
    await harness.stop();
  });

  it('saves conversation state in MongoDB after every turn', async () => {
    const chat = harness.conversation();
    await chat.say('Show my policies');
    const key = `directline/conversations/${chat.id}/`;
    const rows = await harness.db.connection
      .collection('botstate')
      .find({ _id: key as never })
      .toArray();
    assert.equal(rows.length, 1);
    const state = JSON.parse(String(rows[0]?.data)) as { dialogState?: { dialogStack: unknown[] } };
    assert.equal(state.dialogState?.dialogStack.length, 1);

    // A new bot instance (a restart) carries on from the stored state.
    const restarted = harness.conversation({ id: chat.id, bot: harness.newBot() });
    assert.match(textOf(await restarted.say('AUT-100200')), /date of birth/);
  });

  it('runs the turns of one conversation in order when they arrive together', async () => {
    const chat = harness.conversation();
    const [first, second] = await Promise.all([chat.say('Show my policies'), chat.say('AUT-100200')]);
    assert.match(textOf(first), /policy number .* or the phone number/);
    assert.match(textOf(second), /date of birth/);
  });

  it('refuses the later of two racing turns from two app instances instead of losing a write', async () => {
    const id = 'racing-conversation';
    const here = harness.conversation({ id });
    const there = harness.conversation({ id, bot: harness.newBot() });
    await here.say('hello');
    gate.armed = true;
    const turns = await Promise.allSettled([
      here.say('Show my policies'),
      there.say('what is a deductible?'),
    ]);
    const failed = turns.filter((turn) => turn.status === 'rejected');
    assert.equal(failed.length, 1);
    assert.ok(failed[0]?.status === 'rejected' && failed[0].reason instanceof StoragePreconditionError);

    // The winner's state stands: the conversation continues from the turn that saved.
    const winner = turns.findIndex((turn) => turn.status === 'fulfilled');
    const next = textOf(await here.say('help'));
    assert.match(next, winner === 0 ? /confirm who you are/ : /answered your question/);
  });
});

/** Tiered authority and four-eyes in the approval service itself, whatever the UI shows. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDemoApp, type RunningApp } from '../support/app.js';
import { avery, claimInReview, morgan, sam } from '../channels/slack/support.js';

const as = (id: string) => ({ type: 'officer' as const, id, channel: 'slack' });

describe('approval service', () => {
  let running: RunningApp;
  before(async () => {
    running = await startDemoApp();
  });
  after(async () => {
    await running.stop();
  });

  test('within the limit one officer decides; above it the decision waits for a second officer', async () => {
    const { approvals, claims } = running.app.domain;
    const small = await claimInReview(running.app, 4000);
    const state = (await approvals.card(small)).state;
    assert.equal(
      (await approvals.approve({ claimNumber: small, actor: as(avery), shownState: state })).outcome,
      'moved',
    );
    assert.equal((await claims.getByNumber(small)).status, 'approved');

    const large = await claimInReview(running.app, 60_000);
    let card = await approvals.card(large);
    const first = await approvals.deny({
      claimNumber: large,
      actor: as(morgan),
      shownState: card.state,
      reason: 'Not covered.',
    });
    assert.equal(first.outcome, 'awaiting_second_officer');
    card = await approvals.card(large);
    assert.equal(card.approvals[0]?.officer.name, 'Morgan Patel');
    await assert.rejects(
      approvals.deny({
        claimNumber: large,
        actor: as(morgan),
        shownState: card.state,
        reason: 'Not covered.',
      }),
      /second, different officer/,
    );
    const second = await approvals.deny({
      claimNumber: large,
      actor: as(sam),
      shownState: (await approvals.card(large)).state,
      reason: 'Not covered.',
    });
    assert.equal(second.outcome, 'moved');
    assert.equal((await claims.getByNumber(large)).status, 'denied');
  });

  test('a decision on a state that changed meanwhile is refused, naming who changed it', async () => {
    const { approvals } = running.app.domain;
    const number = await claimInReview(running.app, 100);
    const shown = (await approvals.card(number)).state;
    await approvals.approve({ claimNumber: number, actor: as(avery), shownState: shown });
    await assert.rejects(
      approvals.deny({ claimNumber: number, actor: as(morgan), shownState: shown, reason: 'x' }),
      /already approved by Avery Chen/,
    );
  });

  test('someone who is not an active officer cannot decide, and a customer cannot either', async () => {
    const { approvals } = running.app.domain;
    const number = await claimInReview(running.app, 100);
    const shown = (await approvals.card(number)).state;
    await assert.rejects(
      approvals.approve({ claimNumber: number, actor: as('U0GUEST'), shownState: shown }),
      /not an active officer/,
    );
    await assert.rejects(
      approvals.approve({ claimNumber: number, actor: { type: 'customer', id: 'x' }, shownState: shown }),
      /only officers/,
    );
    await assert.rejects(
      approvals.approve({ claimNumber: number, actor: as(avery), shownState: shown, amount: 101 }),
      /more than the amount claimed/,
    );
  });
});

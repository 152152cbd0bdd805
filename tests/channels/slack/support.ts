/** Driving the officers' Slack app through the local stand-in, as the sandbox page does. */
import assert from 'node:assert/strict';
import type { App } from '../../../src/app.js';
import type { SlackSandbox } from '../../../src/sandbox/slack/index.js';
import type { SandboxMessage } from '../../../src/sandbox/slack/workspace.js';

export const avery = 'U0DEMOAVERY';
export const morgan = 'U0DEMOMORGAN';
export const sam = 'U0DEMOSAM';
export const guest = 'U0GUEST';

export function sandboxOf(app: App): SlackSandbox {
  const sandbox = app.slackSandbox;
  assert.ok(sandbox, 'the Slack stand-in runs when SLACK_* is unset');
  return sandbox;
}

/** Files a claim for the demo customer and moves it to review; resolves with its number. */
export async function claimInReview(
  app: App,
  amountClaimed: number,
  extra: {
    attachments?: { fileId: string; name: string; contentType: string; size: number }[];
    description?: string;
    /** Default three days ago by the real clock. */
    incidentDate?: Date;
  } = {},
): Promise<string> {
  const customer = await app.domain.customers.findByPolicyNumber('AUT-100200');
  assert.ok(customer);
  const claim = await app.domain.claims.create(
    {
      customerId: customer.id,
      policyNumber: 'AUT-100200',
      incidentDate: extra.incidentDate ?? new Date(Date.now() - 3 * 86_400_000),
      type: 'collision',
      description: extra.description ?? 'Rear-ended at a red light.',
      location: 'Main St & 3rd Ave',
      amountClaimed,
      attachments: extra.attachments ?? [],
    },
    { type: 'customer', id: customer.id },
  );
  await app.domain.claims.transition(claim.number, 'in_review', { type: 'system', id: 'test' });
  return claim.number;
}

/** Waits until `check` holds, or fails after `ms`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The card of `number` in the approvals channel, once posted (and, with `until`, once it shows that). */
export function cardOf(sandbox: SlackSandbox, number: string, until?: (card: SandboxMessage) => boolean) {
  return eventually(() =>
    sandbox.workspace.channels
      .get(sandbox.approvalsChannel)
      ?.messages.find((message) => message.text.includes(number) && (!until || until(message))),
  );
}

interface ButtonElement {
  type: string;
  action_id: string;
  value: string;
}

export function buttonsOf(card: SandboxMessage): ButtonElement[] {
  return (card.blocks as { type: string; elements?: ButtonElement[] }[])
    .filter((block) => block.type === 'actions')
    .flatMap((block) => block.elements ?? []);
}

/** Presses a button of the card as `user`. */
export async function press(sandbox: SlackSandbox, user: string, card: SandboxMessage, actionId: string) {
  const button = buttonsOf(card).find((entry) => entry.action_id === actionId);
  assert.ok(button, `the card has a ${actionId} button`);
  return sandbox.interactions.run({
    type: 'button',
    user,
    channel: card.channel,
    messageTs: card.ts,
    actionId,
    blockId: 'claim_actions',
    value: button.value,
  });
}

/** The modal open for `user`. */
export function modalOf(sandbox: SlackSandbox, user: string) {
  return eventually(() => [...sandbox.workspace.views.values()].filter((view) => view.user === user).at(-1));
}

export async function submit(sandbox: SlackSandbox, user: string, values: Record<string, string>) {
  const view = await modalOf(sandbox, user);
  return sandbox.interactions.run({ type: 'submit', user, viewId: view.id, values });
}

/** The ephemeral messages `user` got. */
export function ephemeralsOf(sandbox: SlackSandbox, user: string): string[] {
  return sandbox.workspace.ephemerals.filter((entry) => entry.user === user).map((entry) => entry.text);
}

/**
 * `POST /api/payments/stripe` on the running app with the local Stripe stand-in: payment links are
 * Checkout Sessions made through the real `stripe` SDK; webhooks are verified over the raw body with
 * Stripe's own check, so a missing, forged or stale signature is refused and changes nothing, and a
 * redelivered event records nothing twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Types } from 'mongoose';
import { pino } from 'pino';
import { StripeSandbox, stripeSignature } from '../../src/sandbox/stripe/index.js';
import { startDemoApp, type RunningApp } from '../support/app.js';

describe('Stripe payments on the stand-in', () => {
  let running: RunningApp;
  let sandbox: StripeSandbox;
  let customerId: string;
  const webhook = () => `${running.url}/api/payments/stripe`;
  const collection = (name: string) => running.app.database.connection.collection(name);
  const policy = (number: string) =>
    collection('policies').findOne<{ _id: Types.ObjectId; holder: Types.ObjectId; nextDueDate: Date }>({
      number,
    });

  before(async () => {
    running = await startDemoApp();
    sandbox = running.app.stripeSandbox!;
    customerId = (await policy('AUT-100200'))!.holder.toString();
  });

  after(() => running.stop());

  it('makes a payment link: a Checkout Session for the amount due with the policy in its metadata', async () => {
    const start = await running.app.domain.payments.startPayment(customerId, 'AUT-100200');
    assert.equal(start.kind, 'link');
    assert.ok(start.kind === 'link');
    assert.match(start.url, new RegExp(`^${running.url}/sandbox/pay/cs_test_\\w{24}$`));
    const session = sandbox.session(start.url.split('/').at(-1)!);
    assert.equal(session.amount_total, 14250);
    assert.equal(session.currency, 'usd');
    assert.equal(session.mode, 'payment');
    assert.equal(session.metadata.policyNumber, 'AUT-100200');
    assert.equal(session.metadata.dueDate, start.due.dueDate!.toISOString().slice(0, 10));
    assert.equal(session.success_url, `${running.url}/?payment=success`);
    // Asking again gives the same checkout, so a customer never has two charges open for one premium.
    const again = await running.app.domain.payments.startPayment(customerId, 'AUT-100200');
    assert.ok(again.kind === 'link');
    assert.equal(again.url, start.url);
  });

  it('refuses a missing, forged or stale signature with 400 and changes nothing', async () => {
    const start = await running.app.domain.payments.startPayment(customerId, 'HLT-500600');
    assert.ok(start.kind === 'link');
    const session = {
      ...sandbox.session(start.url.split('/').at(-1)!),
      status: 'complete',
      payment_status: 'paid',
    };
    const now = Math.floor(Date.now() / 1000);
    const payload = JSON.stringify({
      id: 'evt_forgedforgedforged000001',
      object: 'event',
      created: now,
      type: 'checkout.session.completed',
      data: { object: session },
    });
    const before = await policy('HLT-500600');
    const post = (body: string, signature?: string) =>
      fetch(webhook(), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(signature === undefined ? {} : { 'stripe-signature': signature }),
        },
        body,
      });

    const tampered = payload.replace('"amount_total":41575', '"amount_total":1');
    assert.notEqual(tampered, payload);
    const cases: [string, Response][] = [
      ['unsigned', await post(payload)],
      [
        'signed with another secret',
        await post(payload, stripeSignature('whsec_not_the_secret', payload, now)),
      ],
      ['tampered after signing', await post(tampered, stripeSignature(sandbox.webhookSecret, payload, now))],
      [
        'signed six minutes ago',
        await post(payload, stripeSignature(sandbox.webhookSecret, payload, now - 360)),
      ],
      ['a signature header of garbage', await post(payload, 't=abc,v1=zzz')],
    ];
    for (const [name, response] of cases) {
      assert.equal(response.status, 400, name);
      const body = (await response.json()) as { error: { code: string } };
      assert.match(body.error.code, /^(missing|invalid)_signature$/, name);
    }
    assert.equal(await collection('payments').countDocuments({}), 0);
    assert.deepEqual((await policy('HLT-500600'))!.nextDueDate, before!.nextDueDate);
    assert.equal(await collection('notifications').countDocuments({ template: 'payment.received' }), 0);

    // The same event signed properly now is accepted: it was the signatures that were refused.
    const accepted = await post(payload, stripeSignature(sandbox.webhookSecret, payload, now));
    assert.equal(accepted.status, 200);
    assert.deepEqual(await accepted.json(), { received: true, recorded: true });
    assert.equal(await collection('payments').countDocuments({ policyNumber: 'HLT-500600' }), 1);
  });

  it('records a redelivered event once and acknowledges events it does not act on', async () => {
    const start = await running.app.domain.payments.startPayment(customerId, 'AUT-100200');
    assert.ok(start.kind === 'link');
    const dueBefore = (await policy('AUT-100200'))!.nextDueDate;
    const first = await sandbox.complete(start.url.split('/').at(-1)!);
    assert.equal(first.status, 200);
    const moved = (await policy('AUT-100200'))!.nextDueDate;
    assert.ok(moved.getTime() > dueBefore.getTime());

    for (let attempt = 0; attempt < 3; attempt++) {
      assert.equal((await sandbox.redeliver(first.eventId)).status, 200);
    }
    assert.equal(await collection('payments').countDocuments({ policyNumber: 'AUT-100200' }), 1);
    assert.deepEqual((await policy('AUT-100200'))!.nextDueDate, moved);
    assert.equal(
      await collection('notifications').countDocuments({
        template: 'payment.received',
        'payload.number': 'AUT-100200',
      }),
      1,
    );
    const audit = await collection('auditevents').countDocuments({ action: 'payment.recorded' });
    assert.equal(audit, 2, 'one audit entry per payment (the health and the auto premium)');

    const other = JSON.stringify({
      id: 'evt_otherotherotherother0001',
      object: 'event',
      created: Math.floor(Date.now() / 1000),
      type: 'customer.created',
      data: { object: { id: 'cus_123', object: 'customer' } },
    });
    const ignored = await sandbox.post(other);
    assert.equal(ignored, 200);
    assert.equal(await collection('payments').countDocuments({}), 2);
  });
});

describe('Stripe configured with STRIPE_* (pointed at a stand-in by STRIPE_API_BASE_URL)', () => {
  let running: RunningApp;
  let stripe: StripeSandbox;

  before(async () => {
    stripe = new StripeSandbox({
      pageUrl: () => 'https://checkout.stripe.test',
      webhookUrl: () => `${running.url}/api/payments/stripe`,
      logger: pino({ level: 'silent' }),
    });
    await stripe.listen();
    running = await startDemoApp({
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_BASE_URL: stripe.apiBaseUrl(),
    });
  });

  after(async () => {
    await running.stop();
    await stripe.close();
  });

  it('uses the configured account and webhook secret, and runs no local checkout page', async () => {
    assert.equal(running.app.stripeSandbox, undefined);
    assert.equal((await fetch(`${running.url}/sandbox/pay`)).status, 404);
    const holder = await running.app.database.connection
      .collection('policies')
      .findOne<{ holder: Types.ObjectId }>({ number: 'AUT-100200' });
    const start = await running.app.domain.payments.startPayment(holder!.holder.toString(), 'AUT-100200');
    assert.ok(start.kind === 'link');
    assert.match(start.url, /^https:\/\/checkout\.stripe\.test\/sandbox\/pay\/cs_test_/);
    const delivery = await stripe.complete(start.url.split('/').at(-1)!);
    assert.equal(delivery.status, 200);
    assert.equal(
      await running.app.database.connection
        .collection('payments')
        .countDocuments({ policyNumber: 'AUT-100200' }),
      1,
    );
  });
});

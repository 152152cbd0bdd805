import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addBusinessMinutes, isOpen, parseBusinessHours } from '../../src/domain/business-hours.js';
import { isDomainError } from '../../src/domain/errors.js';
import { MongoHandoffService, scrub, type SupportSettings } from '../../src/domain/handoff.js';
import { EventRelay } from '../../src/notifications/relay.js';
import { slackConsequences } from '../../src/notifications/slack-route.js';
import { avery, morgan, startSeededDomain, type SeededDomain } from './fixtures.js';

/** A Friday, 11:00 in New York: within business hours. */
const fridayMorning = new Date('2026-06-12T15:00:00Z');
/** The same Friday at 18:00 in New York: the team has gone home until Monday 9:00. */
const fridayEvening = new Date('2026-06-12T22:00:00Z');
const settings: SupportSettings = {
  handoffSlaMinutes: 10,
  hours: parseBusinessHours('Mon-Fri 09:00-17:00', 'America/New_York')!,
  ticketSlaHours: 8,
};
const sam = { type: 'officer' as const, id: 'U0DEMOSAM', channel: 'slack' };

let env: SeededDomain;
let clock: Date;
let service: MongoHandoffService;
let requests: SeededDomain['db']['models']['supportRequests'];
let conversation = 0;

before(async () => {
  env = await startSeededDomain();
  requests = env.db.models.supportRequests;
  clock = fridayMorning;
  const now = () => clock;
  const events = new EventRelay({ models: env.db.models, now, consequences: slackConsequences });
  service = new MongoHandoffService({
    models: env.db.models,
    events,
    customers: env.services.customers,
    settings,
    now,
  });
});
after(async () => {
  await env.db.stop();
});

function ask(extra: Partial<Parameters<MongoHandoffService['requestSupport']>[0]> = {}) {
  conversation++;
  return service.requestSupport({
    channel: 'DirectLine',
    conversationId: `conv-${conversation}`,
    reason: 'customer_request',
    reference: { channelId: 'directline', conversation: { id: `conv-${conversation}` } },
    ...extra,
  });
}

async function outbox(template: string, request: string) {
  return env.db.models.notifications.find({ template, 'payload.request': request }).lean();
}

describe('business hours', () => {
  it('counts only the minutes the team is in', () => {
    const hours = settings.hours;
    assert.equal(isOpen(hours, fridayMorning), true);
    assert.equal(isOpen(hours, fridayEvening), false);
    // 16:55 Friday + 10 business minutes = Monday 9:05 New York (13:05 UTC).
    const late = new Date('2026-06-12T20:55:00Z');
    assert.equal(addBusinessMinutes(hours, late, 10).toISOString(), '2026-06-15T13:05:00.000Z');
    assert.equal(parseBusinessHours('Mon-Sat 08:30-18:00', 'UTC')?.days.size, 6);
    assert.equal(parseBusinessHours('every day', 'UTC'), undefined);
    assert.equal(parseBusinessHours('Mon-Fri 17:00-09:00', 'UTC'), undefined);
  });
});

describe('MongoHandoffService', () => {
  it('opens a live handoff in business hours, due in the SLA, with an audit entry and its card queued', async () => {
    clock = fridayMorning;
    const ticket = await ask({ context: 'menu' });
    assert.match(ticket.reference, /^SR-\d{6}$/);
    assert.equal(ticket.channel, 'directline');
    assert.equal(ticket.status, 'open');
    assert.equal(ticket.mode, 'live');
    assert.equal(ticket.respondBy.toISOString(), '2026-06-12T15:10:00.000Z');
    const audit = await env.services.audit.listForRecord('supportrequests', ticket.id);
    assert.deepEqual(
      audit.map((entry) => [entry.action, entry.actor.type, entry.details.reference]),
      [['support_request.open', 'system', ticket.reference]],
    );
    const cards = await outbox('slack.handoff_card', ticket.id);
    assert.deepEqual(
      cards.map((row) => [row.route, (row.payload as { post: boolean }).post]),
      [['slack', true]],
    );
  });

  it('opens a ticket outside business hours, promising a reply within the ticket SLA', async () => {
    clock = fridayEvening;
    const ticket = await ask();
    assert.equal(ticket.mode, 'ticket');
    // Monday 9:00 New York + 8 business hours = Monday 17:00 New York.
    assert.equal(ticket.respondBy.toISOString(), '2026-06-15T21:00:00.000Z');
    clock = fridayMorning;
  });

  it('gives the same request to a conversation that asks again, and adds the customer once known', async () => {
    const first = await service.requestSupport({
      channel: 'sms',
      conversationId: 'conv-b',
      reason: 'answer_unhelpful',
    });
    const again = await service.requestSupport({
      channel: 'sms',
      conversationId: 'conv-b',
      reason: 'customer_request',
      customerId: env.jordan.id,
    });
    assert.equal(again.reference, first.reference);
    assert.equal(again.customerId, env.jordan.id);
    assert.equal(await requests.countDocuments({ conversationId: 'conv-b' }), 1);
    assert.equal((await service.card(first.reference)).customerName, 'Jordan Rivera');
  });

  it('keeps the last messages on the card with dates, phones and e-mail addresses hidden', async () => {
    const ticket = await ask({
      transcript: [
        { from: 'bot', text: 'What is your date of birth?', at: fridayMorning },
        { from: 'customer', text: '•••• (hidden)', at: fridayMorning },
        {
          from: 'customer',
          text: 'born April 12, 1988, call +1 555 555 0123 or jr@example.com',
          at: fridayMorning,
        },
        { from: 'customer', text: 'my dob is 04/12/1988 and 1988-04-12', at: fridayMorning },
      ],
    });
    const card = await service.card(ticket.reference);
    const text = card.transcript.map((line) => line.text).join('\n');
    assert.doesNotMatch(text, /1988|0123|example\.com/);
    assert.equal(card.transcript.length, 4);
    assert.equal(scrub('claim CLM-000123 for $1,250.00'), 'claim CLM-000123 for $1,250.00');
  });

  it('lets the first officer take over, tells the customer who joined, and refuses the second click', async () => {
    const ticket = await ask();
    const shown = (await service.card(ticket.reference)).state;
    assert.equal((await service.requestOf('directline', ticket.conversationId))?.live, false);
    const taken = await service.takeOver({ reference: ticket.reference, actor: avery, shownState: shown });
    assert.equal(taken.status, 'in_progress');
    assert.equal(taken.officer?.name, 'Avery Chen');
    assert.deepEqual(await service.requestOf('DirectLine', ticket.conversationId), {
      id: ticket.id,
      live: true,
    });
    await assert.rejects(
      service.takeOver({ reference: ticket.reference, actor: morgan, shownState: shown }),
      (error) => isDomainError(error, 'conflict') && /already taken over by Avery Chen/.test(error.message),
    );
    const joined = await outbox('handoff.joined', ticket.id);
    assert.equal(joined.length, 1);
    assert.equal(joined[0]?.route, 'handoff');
    assert.equal((joined[0]?.payload as { officer: string }).officer, 'Avery Chen');
    assert.deepEqual(await service.conversationOf(ticket.id), {
      channel: 'directline',
      conversationId: ticket.conversationId,
      reference: { channelId: 'directline', conversation: { id: ticket.conversationId } },
      lastUsedAt: (await requests.findById(ticket.id).lean())!.updatedAt,
    });
  });

  it("relays the customer's messages to the thread and the holder's replies to the customer; notes and others stay internal", async () => {
    const ticket = await ask();
    await service.takeOver({ reference: ticket.reference, actor: avery, shownState: 'open:-' });
    await service.customerMessage({ requestId: ticket.id, text: 'my car is at the garage' });
    assert.equal((await outbox('slack.handoff_thread', ticket.id)).length, 1);
    assert.equal(
      await service.officerMessage({ reference: ticket.reference, actor: avery, text: 'Which garage?' }),
      'sent',
    );
    assert.equal(
      await service.officerMessage({
        reference: ticket.reference,
        actor: avery,
        text: '!note check the policy',
      }),
      'internal',
    );
    assert.equal(
      await service.officerMessage({ reference: ticket.reference, actor: morgan, text: 'I can help' }),
      'internal',
    );
    const sent = await outbox('handoff.message', ticket.id);
    assert.deepEqual(
      sent.map((row) => (row.payload as { text: string }).text),
      ['Which garage?'],
    );
    const card = await service.card(ticket.reference);
    assert.deepEqual(
      card.messages.map((line) => [line.from, line.text]),
      [
        ['customer', 'my car is at the garage'],
        ['officer', 'Which garage?'],
      ],
    );
  });

  it("sends the holder's files with their links and keeps them on the request; says who would reach the customer", async () => {
    const ticket = await ask();
    const reference = ticket.reference;
    assert.equal(
      await service.reaches({ reference, actor: avery, text: 'Here it is' }),
      false,
      'nobody has it yet',
    );
    await service.takeOver({ reference, actor: avery, shownState: 'open:-' });
    assert.equal(await service.reaches({ reference, actor: avery, text: 'Here it is' }), true);
    assert.equal(await service.reaches({ reference, actor: avery, text: '!note for us' }), false);
    assert.equal(await service.reaches({ reference, actor: morgan, text: 'Here it is' }), false);
    const file = {
      fileId: 'a'.repeat(24),
      name: 'estimate.pdf',
      contentType: 'application/pdf',
      size: 321,
      link: `https://insuralink.example/files/${'a'.repeat(24)}?expires=1&signature=x`,
    };
    assert.equal(await service.officerMessage({ reference, actor: avery, text: '', files: [file] }), 'sent');
    const [sent] = await outbox('handoff.message', ticket.id);
    assert.deepEqual(sent?.payload, {
      request: ticket.id,
      text: '',
      files: [{ name: 'estimate.pdf', url: file.link }],
    });
    const row = await requests.findById(ticket.id).lean();
    assert.equal(row?.messages.at(-1)?.text, '[file] estimate.pdf');
    assert.deepEqual(row?.messages.at(-1)?.files, [
      { fileId: file.fileId, name: 'estimate.pdf', contentType: 'application/pdf', size: 321 },
    ]);
    // Nothing said and nothing sent is no message.
    await assert.rejects(service.officerMessage({ reference, actor: avery, text: ' ' }), (error) =>
      isDomainError(error, 'validation'),
    );
    // A link that is not one is refused before anything is written.
    await assert.rejects(
      service.officerMessage({
        reference,
        actor: avery,
        text: 'x',
        files: [{ ...file, link: 'javascript:1' }],
      }),
      (error) => isDomainError(error, 'validation'),
    );
  });

  it('lets only the holder (or a supervisor) hand back; the bot resumes and the customer is told', async () => {
    const ticket = await ask();
    await service.takeOver({ reference: ticket.reference, actor: morgan, shownState: 'open:-' });
    const state = (await service.card(ticket.reference)).state;
    await assert.rejects(
      service.handBack({ reference: ticket.reference, actor: avery, shownState: state }),
      (error) => isDomainError(error, 'forbidden') && /with Morgan Patel/.test(error.message),
    );
    const back = await service.handBack({ reference: ticket.reference, actor: morgan, shownState: state });
    assert.equal(back.status, 'closed');
    assert.equal(back.ending, 'handed_back');
    assert.equal(await service.requestOf('directline', ticket.conversationId), undefined);
    await assert.rejects(service.customerMessage({ requestId: ticket.id, text: 'hello?' }), (error) =>
      isDomainError(error, 'conflict'),
    );
    const ended = await outbox('handoff.ended', ticket.id);
    assert.deepEqual(
      ended.map((row) => (row.payload as { ending: string }).ending),
      ['handed_back'],
    );

    const other = await ask();
    await service.takeOver({ reference: other.reference, actor: avery, shownState: 'open:-' });
    const closed = await service.close({
      reference: other.reference,
      actor: sam,
      shownState: `in_progress:${avery.id}`,
    });
    assert.equal(closed.ending, 'closed');
  });

  it('refuses people who are not active officers', async () => {
    const ticket = await ask();
    await assert.rejects(
      service.takeOver({
        reference: ticket.reference,
        actor: { type: 'officer', id: 'U0GUEST' },
        shownState: 'open:-',
      }),
      (error) => isDomainError(error, 'forbidden'),
    );
    await assert.rejects(
      service.takeOver({ reference: ticket.reference, actor: env.jordanActor, shownState: 'open:-' }),
      (error) => isDomainError(error, 'forbidden'),
    );
  });

  it('escalates on a fixed clock: nothing before the SLA, once after it, with the supervisors on the card', async () => {
    await requests.updateMany({ status: { $ne: 'closed' } }, { $set: { status: 'closed' } });
    clock = fridayMorning;
    const live = await ask();
    clock = fridayEvening;
    const ticket = await ask();
    clock = new Date('2026-06-12T15:09:00Z');
    assert.equal(await service.escalateOverdue(), 0);
    clock = new Date('2026-06-12T15:10:00Z');
    assert.equal(await service.escalateOverdue(), 1);
    assert.equal(await service.escalateOverdue(), 0);
    const card = await service.card(live.reference);
    assert.equal(card.escalatedAt?.toISOString(), '2026-06-12T15:10:00.000Z');
    assert.deepEqual(
      card.supervisors.map((entry) => entry.name),
      ['Morgan Patel'],
    );
    const waiting = await outbox('handoff.waiting', live.id);
    assert.deepEqual(
      waiting.map((row) => (row.payload as { minutes: number }).minutes),
      [10],
    );
    // The ticket is due Monday 17:00 New York; its customer was promised that time and is not told again.
    clock = new Date('2026-06-15T20:59:00Z');
    assert.equal(await service.escalateOverdue(), 0);
    clock = new Date('2026-06-15T21:00:00Z');
    assert.equal(await service.escalateOverdue(), 1);
    assert.ok((await service.card(ticket.reference)).escalatedAt);
    assert.equal((await outbox('handoff.waiting', ticket.id)).length, 0);
    assert.equal((await outbox('slack.handoff_card', ticket.id)).length, 2);

    const open = await service.openFor(avery.id);
    assert.deepEqual(
      open.map((entry) => [entry.reference, entry.mode, entry.escalated]),
      [
        [live.reference, 'live', true],
        [ticket.reference, 'ticket', true],
      ],
    );
    clock = fridayMorning;
  });

  it('refuses a request without a conversation or with an unknown reason', async () => {
    await assert.rejects(
      service.requestSupport({ channel: 'sms', conversationId: ' ', reason: 'customer_request' }),
      (error) => isDomainError(error, 'validation'),
    );
    await assert.rejects(
      service.requestSupport({
        channel: 'sms',
        conversationId: 'conv-e',
        reason: 'whatever' as 'customer_request',
      }),
      (error) => isDomainError(error, 'validation'),
    );
  });
});

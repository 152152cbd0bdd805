/**
 * Reminder test data: the demo database with its policies, claims, consent and conversations cleared,
 * and helpers that add exactly the policies, claims and customer states a test needs.
 */
import { Types } from 'mongoose';
import type { PolicyStatus, ReminderKind, ReminderStatus } from '../../src/db/models/index.js';
import { toDecimal } from '../../src/domain/mapping.js';
import { MongoReminderService, type MissingItems } from '../../src/domain/reminders.js';
import { createLogger, type Logger } from '../../src/log.js';
import { startSeededDomain, type SeededDomain } from '../domain/fixtures.js';

export const day = 24 * 60 * 60 * 1000;

export interface ReminderWorld extends SeededDomain {
  /** Jordan's customer id. */
  customer: Types.ObjectId;
  /** A second customer. */
  other: SeededDomain['other'];
  /** Log lines written by services made with {@link service}. */
  logs: string[];
  logger: Logger;
  /** Adds an active policy held by `holder` (default Jordan). */
  policy(fields: {
    nextDueDate?: Date;
    endDate: Date;
    holder?: Types.ObjectId;
    status?: PolicyStatus;
  }): Promise<Types.ObjectId>;
  /** Adds an open claim of Jordan's filed at `filedAt`. */
  claim(fields: { filedAt: Date; infoRequestedAt?: Date; attachments?: number }): Promise<Types.ObjectId>;
  /** Gives the customer SMS consent (or takes it away) and, optionally, a web conversation. */
  reach(
    customer: Types.ObjectId,
    reach: { sms: boolean; conversation?: boolean; timezone?: string },
  ): Promise<void>;
  service(options?: { missingItems?: MissingItems }): MongoReminderService;
  /** The reminders stored, as `kind@ISO` sorted. */
  stored(status?: ReminderStatus): Promise<string[]>;
}

/** Waits for a photo of the damage until the claim has an attachment. */
export const photosUntilAttached: MissingItems = (claim) =>
  claim.attachments.length ? [] : ['photos of the damage'];

let serial = 100000;

export async function startReminderWorld(): Promise<ReminderWorld> {
  const seeded = await startSeededDomain();
  const { models } = seeded.db;
  const template = await models.policies.findOne({ holder: seeded.jordan.id }).lean();
  if (!template) throw new Error('demo policy missing');
  await Promise.all([
    models.policies.deleteMany({}),
    models.claims.deleteMany({}),
    models.consentRecords.deleteMany({}),
    models.conversationLinks.deleteMany({}),
  ]);
  const logs: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void logs.push(line) });
  const customer = new Types.ObjectId(seeded.jordan.id);
  const world: ReminderWorld = {
    ...seeded,
    customer,
    logs,
    logger,
    async policy(fields) {
      const { _id, createdAt, updatedAt, ...rest } = template;
      void _id;
      void createdAt;
      void updatedAt;
      const created = await models.policies.create({
        ...rest,
        number: `TST-${serial++}`,
        holder: fields.holder ?? customer,
        status: fields.status ?? 'active',
        startDate: new Date(fields.endDate.getTime() - 365 * day),
        endDate: fields.endDate,
        nextDueDate: fields.nextDueDate,
        premium: { amount: toDecimal(42.5), currency: 'USD', frequency: 'monthly' },
      });
      return created._id;
    },
    async claim(fields) {
      const policy = await world.policy({ endDate: new Date(fields.filedAt.getTime() + 300 * day) });
      const _id = new Types.ObjectId();
      const statusHistory = [
        { to: 'submitted', actor: { type: 'customer', id: seeded.jordan.id }, at: fields.filedAt },
        ...(fields.infoRequestedAt
          ? [
              {
                from: 'submitted',
                to: 'in_review',
                actor: { type: 'officer', id: 'U0DEMOAVERY' },
                at: fields.filedAt,
              },
              {
                from: 'in_review',
                to: 'info_requested',
                actor: { type: 'officer', id: 'U0DEMOAVERY' },
                at: fields.infoRequestedAt,
              },
            ]
          : []),
      ];
      await models.claims.collection.insertOne({
        _id,
        number: `CLM-${serial++}`,
        policy,
        customer,
        incidentDate: fields.filedAt,
        type: 'collision',
        description: 'rear bumper dented',
        amountClaimed: toDecimal(900),
        currency: 'USD',
        attachments: Array.from({ length: fields.attachments ?? 0 }, (_, index) => ({
          fileId: `f${index}`,
          name: 'photo.jpg',
          contentType: 'image/jpeg',
          size: 10,
          uploadedAt: fields.filedAt,
        })),
        status: fields.infoRequestedAt ? 'info_requested' : 'submitted',
        statusHistory,
        messages: [],
        pendingEvents: [],
        createdAt: fields.filedAt,
        updatedAt: fields.infoRequestedAt ?? fields.filedAt,
      });
      return _id;
    },
    async reach(who, reach) {
      const row = await models.customers.findById(who).lean();
      if (!row) throw new Error('no such customer');
      await models.consentRecords.deleteMany({ phone: row.phone });
      await seeded.services.consent.record(
        { phone: row.phone, action: reach.sms ? 'opt_in' : 'opt_out', source: 'web_form' },
        { type: 'system', id: 'tests' },
      );
      await models.conversationLinks.deleteMany({ customer: who });
      if (reach.conversation) {
        await seeded.services.conversations.record({
          customerId: who.toString(),
          channel: 'directline',
          conversationId: `conv-${who.toString()}`,
          reference: { conversation: { id: `conv-${who.toString()}` } },
        });
      }
      if (reach.timezone)
        await models.customers.updateOne({ _id: who }, { $set: { timezone: reach.timezone } });
    },
    service(options = {}) {
      return new MongoReminderService({
        models,
        consent: seeded.services.consent,
        conversations: seeded.services.conversations,
        defaultTimeZone: 'America/New_York',
        logger,
        missingItems: options.missingItems,
      });
    },
    async stored(status?: ReminderStatus) {
      const rows = await models.reminders.find(status ? { status } : {}).lean();
      return rows.map((row) => `${row.kind as ReminderKind}@${row.dueAt.toISOString()}`).sort();
    },
  };
  return world;
}

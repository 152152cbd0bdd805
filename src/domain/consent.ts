import { z } from 'zod';
import type { ConsentAction, Models, SmsConsentState } from '../db/models/index.js';
import { consentActions } from '../db/models/index.js';
import { actorInputSchema, type Actor } from './actor.js';
import type { AuditLog } from './audit.js';
import { idOf, isDuplicateKeyError, parseInput, parsePhone } from './mapping.js';

export const consentInputSchema = z.object({
  phone: z.string().trim().min(1),
  action: z.enum(consentActions),
  /** Where it came from: `keyword:STOP`, `keyword:START`, `web_form`, `officer`. */
  source: z.string().trim().min(1).max(100),
  /** The inbound SMS that carried it; a webhook retry with the same id records nothing twice. */
  messageSid: z.string().trim().min(1).optional(),
  at: z.date().optional(),
});
export type ConsentInput = z.input<typeof consentInputSchema>;

export interface ConsentEntry {
  id: string;
  phone: string;
  customerId?: string;
  action: ConsentAction;
  source: string;
  at: Date;
}

/** A phone's current state and the time of the decision it stands on (the epoch when there is none). */
export interface ConsentReading {
  state: SmsConsentState;
  at: Date;
}

/**
 * A copy of each phone's current state kept where a channel reads anyway (the SMS channel: on its
 * conversations, read as each message arrives). Every record is copied: an opt-out before it is written
 * and again after, an opt-in after, so a copy never says a number may be texted that the ledger says
 * may not, and a crash between the two leaves it on the side of silence. A copy takes a decision only
 * if it is at least as new as the one it holds.
 */
export interface ConsentMirror {
  copy(phone: string, reading: ConsentReading): Promise<void>;
}

/** SMS consent: an append-only history per phone, mirrored on the customer as their current state. */
export interface ConsentService {
  /**
   * Records an opt-in or opt-out and returns the resulting state. Idempotent per `messageSid`; an
   * older record arriving late is kept in the history but does not override a newer decision.
   */
  record(input: ConsentInput, actor: Actor): Promise<SmsConsentState>;
  /** The phone's current state: its latest record, or `unknown` when it has none. */
  smsStatus(phone: string): Promise<SmsConsentState>;
  /** The same, with the time of that latest record. */
  smsReading(phone: string): Promise<ConsentReading>;
  /** Keeps `mirror` in step with every record from now on. */
  addMirror(mirror: ConsentMirror): void;
  /** Every record for the phone, oldest first. */
  history(phone: string): Promise<ConsentEntry[]>;
}

const stateOf: Record<ConsentAction, SmsConsentState> = { opt_in: 'opted_in', opt_out: 'opted_out' };

export class MongoConsentService implements ConsentService {
  private readonly mirrors: ConsentMirror[] = [];

  constructor(
    private readonly models: Pick<Models, 'consentRecords' | 'customers'>,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(input: ConsentInput, actor: Actor): Promise<SmsConsentState> {
    const data = parseInput(consentInputSchema, input);
    const who = parseInput(actorInputSchema, actor);
    const phone = parsePhone(data.phone);
    const at = data.at ?? this.now();
    const reading = { state: stateOf[data.action], at };
    if (data.action === 'opt_out') await this.copy(phone, reading);
    const customer = await this.models.customers.findOne({ phone }).select({ _id: 1 }).lean();
    let created;
    try {
      created = await this.models.consentRecords.create({
        customer: customer?._id,
        phone,
        channel: 'sms',
        action: data.action,
        source: data.source,
        messageSid: data.messageSid,
        at,
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) return this.smsStatus(phone);
      throw error;
    }
    if (customer) {
      // Only a decision at least as new as the stored one may change the current state.
      await this.models.customers.updateOne(
        {
          _id: customer._id,
          $or: [{ 'smsConsent.updatedAt': { $exists: false } }, { 'smsConsent.updatedAt': { $lte: at } }],
        },
        { $set: { smsConsent: { status: reading.state, updatedAt: at } } },
      );
    }
    await this.audit.record({
      actor: who,
      action: `consent.${data.action}`,
      record: { collection: 'consentrecords', id: idOf(created._id) },
      at,
      details: { source: data.source, ...(customer ? { customerId: idOf(customer._id) } : {}) },
    });
    // After the record too: a copy made while it was being written may have read the ledger before it.
    await this.copy(phone, reading);
    return this.smsStatus(phone);
  }

  async smsStatus(phone: string): Promise<SmsConsentState> {
    return (await this.smsReading(phone)).state;
  }

  async smsReading(phone: string): Promise<ConsentReading> {
    // Through the driver: it is read before every text message the app sends.
    const latest = await this.models.consentRecords.collection.findOne<{ action: ConsentAction; at: Date }>(
      { phone: parsePhone(phone) },
      { sort: { at: -1, _id: -1 }, projection: { _id: 0, action: 1, at: 1 } },
    );
    return latest ? { state: stateOf[latest.action], at: latest.at } : { state: 'unknown', at: new Date(0) };
  }

  addMirror(mirror: ConsentMirror): void {
    this.mirrors.push(mirror);
  }

  private async copy(phone: string, reading: ConsentReading): Promise<void> {
    await Promise.all(this.mirrors.map((mirror) => mirror.copy(phone, reading)));
  }

  async history(phone: string): Promise<ConsentEntry[]> {
    const rows = await this.models.consentRecords
      .find({ phone: parsePhone(phone) })
      .sort({ at: 1, _id: 1 })
      .lean();
    return rows.map((row) => ({
      id: idOf(row._id),
      phone: row.phone,
      ...(row.customer ? { customerId: idOf(row.customer) } : {}),
      action: row.action,
      source: row.source,
      at: row.at,
    }));
  }
}

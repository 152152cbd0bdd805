import { addBusinessDays } from 'date-fns';
import { z } from 'zod';
import type { CounterModel } from '../db/models/counter.js';
import {
  supportReasons,
  type SupportReason,
  type SupportRequestModel,
  type SupportRequestStatus,
} from '../db/models/support-request.js';
import type { AuditLog } from './audit.js';
import { idOf, parseInput, parseObjectId } from './mapping.js';
import { NumberAllocator, type NumberFormat } from './numbers.js';

export type { SupportReason };

export const supportRequestNumbers: NumberFormat = { counter: 'support_request', prefix: 'SR', digits: 6 };

/** How long the team has to answer, in business days; also what the bot promises the customer. */
export const responseBusinessDays = 1;

/** A support request as the services return it. */
export interface SupportTicket {
  id: string;
  /** `SR-000001`: the reference the customer is given. */
  reference: string;
  customerId?: string;
  channel: string;
  conversationId: string;
  reason: SupportReason;
  context?: string;
  status: SupportRequestStatus;
  respondBy: Date;
  createdAt: Date;
}

export const supportRequestInputSchema = z.object({
  channel: z.string().trim().toLowerCase().min(1),
  conversationId: z.string().trim().min(1),
  customerId: z.string().trim().min(1).optional(),
  reason: z.enum(supportReasons),
  context: z.string().trim().min(1).max(200).optional(),
  /** The Bot Framework conversation reference, kept so a person's reply can reach the conversation. */
  reference: z
    .looseObject({ channelId: z.string().min(1), conversation: z.looseObject({ id: z.string().min(1) }) })
    .optional(),
});
export type SupportRequestInput = z.input<typeof supportRequestInputSchema>;

/** Hands a conversation to a person. Until officers answer in Slack, this records the request. */
export interface HandoffService {
  /**
   * Records that the customer wants a person, or returns the request already open for this
   * conversation, so asking twice gives the same reference.
   */
  requestSupport(input: SupportRequestInput): Promise<SupportTicket>;
}

interface Models {
  supportRequests: SupportRequestModel;
  counters: CounterModel;
}

export class MongoHandoffService implements HandoffService {
  constructor(
    private readonly models: Models,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
    private readonly numbers = new NumberAllocator(models),
  ) {}

  async requestSupport(input: SupportRequestInput): Promise<SupportTicket> {
    const data = parseInput(supportRequestInputSchema, input);
    const customer = data.customerId ? parseObjectId(data.customerId, 'customer') : undefined;
    const open = await this.models.supportRequests
      .findOne({ channel: data.channel, conversationId: data.conversationId, status: { $ne: 'closed' } })
      .sort({ createdAt: -1 })
      .lean();
    if (open) {
      // A customer who verifies after asking should still be known to whoever picks the request up.
      if (customer && !open.customer) {
        await this.models.supportRequests.updateOne({ _id: open._id }, { $set: { customer } });
        return toTicket({ ...open, customer });
      }
      return toTicket(open);
    }

    const now = this.now();
    const created = await this.numbers.insertWithNumber(
      supportRequestNumbers,
      this.models.supportRequests,
      (number) =>
        this.models.supportRequests.create({
          number,
          customer,
          channel: data.channel,
          conversationId: data.conversationId,
          reason: data.reason,
          context: data.context,
          reference: data.reference,
          respondBy: addBusinessDays(now, responseBusinessDays),
        }),
    );
    const ticket = toTicket(created.toObject());
    await this.audit.record({
      actor: customer
        ? { type: 'customer', id: idOf(customer), channel: data.channel }
        : { type: 'system', id: 'bot', channel: data.channel },
      action: 'support_request.open',
      record: { collection: 'supportrequests', id: ticket.id },
      details: { reference: ticket.reference, reason: ticket.reason },
    });
    return ticket;
  }
}

interface SupportRequestRow {
  _id: { toString(): string };
  number: string;
  customer?: { toString(): string } | null;
  channel: string;
  conversationId: string;
  reason: SupportReason;
  context?: string | null;
  status: SupportRequestStatus;
  respondBy: Date;
  createdAt: Date;
}

function toTicket(row: SupportRequestRow): SupportTicket {
  return {
    id: idOf(row._id),
    reference: row.number,
    ...(row.customer ? { customerId: idOf(row.customer) } : {}),
    channel: row.channel,
    conversationId: row.conversationId,
    reason: row.reason,
    ...(row.context ? { context: row.context } : {}),
    status: row.status,
    respondBy: row.respondBy,
    createdAt: row.createdAt,
  };
}

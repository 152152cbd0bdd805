import type { Actor } from './actor.js';
import type { Models } from '../db/models/index.js';
import { idOf } from './mapping.js';

/** One entry of the audit trail as services return it. */
export interface AuditEntry {
  id: string;
  actor: { type: Actor['type']; id: string };
  action: string;
  record: { collection: string; id: string };
  at: Date;
  channel?: string;
  details: Record<string, unknown>;
}

export interface AuditInput {
  actor: Actor;
  action: string;
  record: { collection: string; id: string };
  at?: Date;
  /** Facts about the change, never personal data (no names, dates of birth, message text). */
  details?: Record<string, unknown>;
}

/** Append-only trail of who changed what; every state change in the domain writes one entry. */
export interface AuditLog {
  record(input: AuditInput): Promise<void>;
  /** Entries about one record, oldest first. */
  listForRecord(collection: string, id: string): Promise<AuditEntry[]>;
}

export class MongoAuditLog implements AuditLog {
  constructor(
    private readonly models: Pick<Models, 'auditEvents'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(input: AuditInput): Promise<void> {
    await this.models.auditEvents.create({
      actor: { type: input.actor.type, id: input.actor.id },
      action: input.action,
      record: input.record,
      at: input.at ?? this.now(),
      channel: input.actor.channel,
      details: input.details ?? {},
    });
  }

  async listForRecord(collection: string, id: string): Promise<AuditEntry[]> {
    const rows = await this.models.auditEvents
      .find({ 'record.collection': collection, 'record.id': id })
      .sort({ at: 1, _id: 1 })
      .lean();
    return rows.map(toEntry);
  }
}

interface AuditRow {
  _id: { toString(): string };
  actor: { type: Actor['type']; id: string };
  action: string;
  record: { collection: string; id: string };
  at: Date;
  channel?: string | null;
  details?: unknown;
}

function toEntry(row: AuditRow): AuditEntry {
  const details = typeof row.details === 'object' && row.details !== null ? row.details : {};
  return {
    id: idOf(row._id),
    actor: { type: row.actor.type, id: row.actor.id },
    action: row.action,
    record: { collection: row.record.collection, id: row.record.id },
    at: row.at,
    ...(row.channel ? { channel: row.channel } : {}),
    details: { ...details },
  };
}

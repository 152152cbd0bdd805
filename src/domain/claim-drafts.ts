/**
 * Claims a customer started and did not submit. The filing dialog saves its answers after every step,
 * so a customer who leaves can pick up in a later conversation, on any channel.
 */
import { z } from 'zod';
import type { Models } from '../db/models/index.js';
import type { ClaimAttachmentView } from './claims.js';
import { parseInput, parseObjectId } from './mapping.js';
import { fileEvidenceSchema } from '../files/evidence.js';

/** The answers of a claim being filed, as far as the customer got. */
export const claimDraftAnswersSchema = z
  .object({
    policyNumber: z.string().trim().min(1).max(20),
    type: z.string().regex(/^[a-z][a-z_]{1,39}$/),
    /** ISO `YYYY-MM-DD`. */
    incidentDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    incidentTime: z.string().regex(/^\d{2}:\d{2}$/),
    location: z.string().trim().min(1).max(300),
    description: z.string().trim().min(3).max(4000),
    policeAttended: z.boolean(),
    policeReportNumber: z.string().trim().min(1).max(60),
    otherParties: z.string().trim().min(1).max(1000),
    injuries: z.string().trim().min(1).max(1000),
    provider: z.string().trim().min(1).max(300),
    amountClaimed: z.number().finite().nonnegative().max(1_000_000_000),
  })
  .partial()
  .strict();
export type ClaimDraftAnswers = z.infer<typeof claimDraftAnswersSchema>;

const draftAttachmentSchema = z.object({
  fileId: z.string().min(1),
  name: z.string().min(1).max(255),
  contentType: z.string().min(1),
  size: z.number().int().nonnegative(),
  checklistItem: z
    .string()
    .regex(/^[a-z][a-z_]{1,39}$/)
    .optional(),
  evidence: fileEvidenceSchema.optional(),
});
export type DraftAttachment = z.infer<typeof draftAttachmentSchema>;

/** A saved draft. */
export interface ClaimDraft {
  answers: ClaimDraftAnswers;
  attachments: DraftAttachment[];
  createdAt: Date;
  updatedAt: Date;
}

/** Keeps one draft per customer. */
export interface ClaimDraftService {
  /** The customer's draft, if any (a stored draft that no longer validates is treated as none). */
  get(customerId: string): Promise<ClaimDraft | undefined>;
  /** Saves the answers so far (replacing the previous ones) and the files sent so far. */
  save(customerId: string, answers: ClaimDraftAnswers, attachments: DraftAttachment[]): Promise<void>;
  discard(customerId: string): Promise<void>;
}

export class MongoClaimDraftService implements ClaimDraftService {
  constructor(private readonly options: { models: Pick<Models, 'claimDrafts'> }) {}

  async get(customerId: string): Promise<ClaimDraft | undefined> {
    const customer = parseObjectId(customerId, 'customer');
    const row = await this.options.models.claimDrafts.findOne({ customer }).lean();
    if (!row) return undefined;
    const answers = claimDraftAnswersSchema.safeParse(row.answers);
    const attachments = z.array(draftAttachmentSchema).safeParse(
      row.attachments.map((file) => ({
        fileId: file.fileId,
        name: file.name,
        contentType: file.contentType,
        size: file.size,
        ...(file.checklistItem ? { checklistItem: file.checklistItem } : {}),
        ...(file.evidence ? { evidence: withoutNulls(file.evidence) } : {}),
      })),
    );
    if (!answers.success || !attachments.success) return undefined;
    return {
      answers: answers.data,
      attachments: attachments.data,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  async save(customerId: string, answers: ClaimDraftAnswers, attachments: DraftAttachment[]): Promise<void> {
    const customer = parseObjectId(customerId, 'customer');
    const data = parseInput(claimDraftAnswersSchema, answers);
    const files = parseInput(z.array(draftAttachmentSchema).max(20), attachments);
    await this.options.models.claimDrafts.updateOne(
      { customer },
      { $set: { answers: data, attachments: files }, $setOnInsert: { customer } },
      { upsert: true, runValidators: true },
    );
  }

  async discard(customerId: string): Promise<void> {
    const customer = parseObjectId(customerId, 'customer');
    await this.options.models.claimDrafts.deleteOne({ customer });
  }
}

/** Stored evidence with its unset optional fields dropped. */
function withoutNulls(evidence: NonNullable<ClaimAttachmentView['evidence']> | Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(evidence).filter(([, value]) => value !== null && value !== undefined),
  );
}

/**
 * MMS files texted while no dialog waits for them go to the customer's open claim, through the claim
 * service (the same call a web upload to an open claim makes): one open claim takes them at once; with
 * several the customer is asked which ("Reply 1 for CLM-000123…"), and the files wait in the SMS
 * conversation until the answer (any other message lets them go; unused files are swept like any chat
 * upload). Files sent while a claim is being filed are the filing dialog's, as on the web.
 *
 * Carriers strip EXIF data from MMS photos, so when none of the claim's photos says when, where or with
 * what it was taken, the reply offers a signed, expiring upload link for the originals.
 */
import { ActionTypes, MessageFactory, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { LooseFilesHandler } from '../../bot/loose-files.js';
import {
  acceptsDocuments,
  type ClaimAttachmentInput,
  type ClaimService,
  type ClaimView,
} from '../../domain/claims.js';
import { fileEvidenceSchema } from '../../files/evidence.js';
import type { Models } from '../../db/models/index.js';
import type { FileStore } from '../../files/file-store.js';
import type { UploadLinks } from '../../files/upload-links.js';
import type { SmsStore } from './store.js';

/** How long files wait for the customer to say which claim they are for. */
const pendingMs = 15 * 60 * 1000;
/** Claims offered by number (a phone shows one list; ten is already long). */
const maxOffered = 9;

/** Files waiting for the customer to pick their claim. */
export const pendingFilesSchema = z.object({
  customerId: z.string().regex(/^[0-9a-f]{24}$/),
  claims: z.array(z.string().regex(/^CLM-\d{6}$/)).min(1),
  files: z
    .array(
      z.object({
        fileId: z.string().min(1),
        name: z.string().min(1),
        contentType: z.string().min(1),
        size: z.number().int().nonnegative(),
        evidence: fileEvidenceSchema.optional(),
      }),
    )
    .min(1),
  expiresAt: z.coerce.date(),
});
export type PendingFiles = z.infer<typeof pendingFilesSchema>;

/** Photos handed to a dialog, watched until a claim holds them (or the watch ends). */
export const photoWatchSchema = z.object({
  fileIds: z.array(z.string().regex(/^[0-9a-f]{24}$/)).min(1),
  until: z.coerce.date(),
});
export type PhotoWatch = z.infer<typeof photoWatchSchema>;

/** How long photos sent while filing are watched for the claim they end up on. */
const watchMs = 2 * 60 * 60 * 1000;

/** Options of {@link SmsClaimFiles}. */
export interface SmsClaimFilesOptions {
  claims: Pick<ClaimService, 'listForCustomer' | 'addDocuments'>;
  /** Finds the claim a watched photo ended up on (by file id). */
  models: Pick<Models, 'claims'>;
  files: Pick<FileStore, 'fileIdOf' | 'find'>;
  store: SmsStore;
  uploadLinks: Pick<UploadLinks, 'url'>;
  now?: () => Date;
}

export const noOpenClaimText =
  'You have no open claim I could add this to. To file a claim, reply "file a claim" and send the photos when I ask for them.';

export class SmsClaimFiles {
  private readonly now: () => Date;

  constructor(private readonly options: SmsClaimFilesOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The bot's handler for files texted while no dialog waits for them. */
  readonly handler: LooseFilesHandler = async (context, customer) => {
    const files = await this.filesOf(context);
    if (files.length === 0) return false;
    const open = (await this.options.claims.listForCustomer(customer.customerId)).filter((claim) =>
      acceptsDocuments(claim.status),
    );
    if (open.length === 0) {
      await context.sendActivity(noOpenClaimText);
      // The message's text, if any, is still read as a request.
      return false;
    }
    if (open.length === 1) {
      await context.sendActivity(await this.attach(customer.customerId, open[0]!.number, files));
      return true;
    }
    const offered = open.slice(0, maxOffered);
    await this.options.store.savePending(context.activity.conversation.id, {
      customerId: customer.customerId,
      claims: offered.map((claim) => claim.number),
      files,
      expiresAt: new Date(this.now().getTime() + pendingMs),
    });
    await context.sendActivity(
      MessageFactory.suggestedActions(
        offered.map((claim) => ({
          type: ActionTypes.ImBack,
          title: `${claim.number} (${claim.type.replace(/_/g, ' ')})`,
          value: claim.number,
        })),
        `Which claim ${files.length === 1 ? 'is this file' : `are these ${files.length} files`} for?`,
      ),
    );
    return true;
  };

  /**
   * The answer to "which claim": the reply text when `text` names one of the offered claims (the files
   * are then attached), undefined otherwise. Either way the files stop waiting.
   */
  async answer(conversation: string, pending: PendingFiles, text: string): Promise<string | undefined> {
    await this.options.store.clearPending(conversation);
    if (pending.expiresAt.getTime() < this.now().getTime()) return undefined;
    const wanted = text
      .trim()
      .toUpperCase()
      .replace(/^CLM-?/, 'CLM-');
    const claim = pending.claims.find((number) => number === wanted);
    return claim ? this.attach(pending.customerId, claim, pending.files) : undefined;
  }

  /**
   * After a turn: photos the turn handed to a dialog (filing a claim, adding documents) are watched, and
   * once a claim holds a watched photo, the customer is offered the upload link if none of the claim's
   * photos kept its EXIF data. Resolves with that offer, or undefined.
   */
  async afterTurn(
    conversation: string,
    watched: PhotoWatch | undefined,
    handedToDialog: { contentUrl?: string; contentType?: string }[],
  ): Promise<string | undefined> {
    const now = this.now();
    const current = watched && watched.until.getTime() > now.getTime() ? watched.fileIds : [];
    const added = handedToDialog
      .filter((file) => file.contentType?.startsWith('image/') && file.contentUrl)
      .map((file) => this.options.files.fileIdOf(file.contentUrl!))
      .filter((id): id is string => id !== undefined);
    const fileIds = [...new Set([...current, ...added])].slice(-20);
    if (fileIds.length === 0) {
      if (watched) await this.options.store.saveWatch(conversation, undefined);
      return undefined;
    }
    const claim = await this.options.models.claims
      .findOne({ 'attachments.fileId': { $in: fileIds } })
      .select({ number: 1, customer: 1, attachments: 1 })
      .lean();
    if (!claim) {
      if (added.length > 0) {
        await this.options.store.saveWatch(conversation, {
          fileIds,
          until: new Date(now.getTime() + watchMs),
        });
      }
      return undefined;
    }
    await this.options.store.saveWatch(conversation, undefined);
    // Stored evidence keeps absent fields as nulls: only what is there counts.
    const view = {
      attachments: claim.attachments.map((file) => ({
        contentType: file.contentType,
        evidence: {
          ...(file.evidence?.capturedAt ? { capturedAt: file.evidence.capturedAt } : {}),
          ...(typeof file.evidence?.gps?.latitude === 'number' ? { gps: file.evidence.gps } : {}),
          ...(file.evidence?.camera ? { camera: file.evidence.camera } : {}),
        },
      })),
    };
    if (!lacksPhotoEvidence(view)) return undefined;
    return originalsOffer(this.options.uploadLinks.url(claim.number, String(claim.customer)));
  }

  /** Attaches through the claim service and says what happened, offering the upload link if need be. */
  private async attach(
    customerId: string,
    claimNumber: string,
    files: ClaimAttachmentInput[],
  ): Promise<string> {
    let view: ClaimView;
    try {
      view = await this.options.claims.addDocuments(claimNumber, files, {
        type: 'customer',
        id: customerId,
        channel: 'sms',
      });
    } catch {
      return `Sorry, claim ${claimNumber} takes no more documents.`;
    }
    const added = `Thank you, I added ${files.length === 1 ? 'the file' : `the ${files.length} files`} to claim ${claimNumber}.`;
    if (!lacksPhotoEvidence(view)) return added;
    return `${added}\n${originalsOffer(this.options.uploadLinks.url(claimNumber, customerId))}`;
  }

  /** The turn's attachments that are files we stored (by their signed links), as claim attachments. */
  private async filesOf(context: TurnContext): Promise<PendingFiles['files']> {
    const files: PendingFiles['files'] = [];
    for (const attachment of context.activity.attachments ?? []) {
      const id = attachment.contentUrl ? this.options.files.fileIdOf(attachment.contentUrl) : undefined;
      const stored = id ? await this.options.files.find(id) : undefined;
      if (!stored) continue;
      files.push({
        fileId: stored.id,
        name: stored.name,
        contentType: stored.contentType,
        size: stored.size,
        ...(stored.evidence ? { evidence: stored.evidence } : {}),
      });
    }
    return files;
  }
}

/** The offer of the upload link; the link on a line of its own, so no split ever cuts it. */
function originalsOffer(link: string): string {
  return `Text messages drop the time and place a photo was taken. To send the originals (valid 24 hours):\n${link}`;
}

/** The claim has photos and none of them tells when, where or with what it was taken. */
export function lacksPhotoEvidence(claim: {
  attachments: { contentType: string; evidence?: { capturedAt?: Date; gps?: unknown; camera?: string } }[];
}): boolean {
  const photos = claim.attachments.filter((file) => file.contentType.startsWith('image/'));
  return (
    photos.length > 0 &&
    photos.every((file) => !file.evidence?.capturedAt && !file.evidence?.gps && !file.evidence?.camera)
  );
}

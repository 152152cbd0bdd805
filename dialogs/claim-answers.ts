/**
 * Reading what customers type while filing or following a claim: yes and no, a time of day, an
 * amount, a date, and the files they attach. Shared by the claim dialogs; channel-neutral.
 */
import type { TurnContext } from 'botbuilder';
import { extractEntities } from '../src/bot/recognizers/entities.js';
import type { DraftAttachment } from '../src/domain/claim-drafts.js';
import { chosenDate, findDate, type DateOrder } from '../src/domain/dates.js';
import type { ChecklistItem } from '../src/domain/claim-rules.js';
import type { DialogDependencies } from './dependencies.js';

/** True for yes, false for no, undefined for anything else. */
export function yesOrNo(text: string): boolean | undefined {
  const typed = text.trim().toLowerCase();
  if (
    /^(?:y|yes|yeah|yep|yup|correct|right|that's right|thats right|sure|ok|okay|it is|they did|he did|she did)\b/.test(
      typed,
    )
  ) {
    return true;
  }
  if (/^(?:n|no|nope|nah|not really|wrong|they didn't|they did not|none|nobody|no one)\b/.test(typed))
    return false;
  return undefined;
}

/** Phrases that mean "I don't know" or "skip this". */
export function isSkip(text: string): boolean {
  return /^(?:skip|pass|not sure|unsure|don'?t know|do not know|dunno|no idea|i don'?t have (?:it|one)|don'?t have (?:it|one)|none|n\/a)\b/.test(
    text.trim().toLowerCase(),
  );
}

/** "Done" and its friends, which end the sending of files. */
export function isDone(text: string): boolean {
  return /^(?:done|that'?s all|that is all|finished|no more|nothing else|later|not now|skip|no)\b/.test(
    text.trim().toLowerCase(),
  );
}

/** A time of day as `HH:mm`: "3pm", "3:30 pm", "15:30", "noon", "around 9 in the morning". */
export function timeOf(text: string): string | undefined {
  const typed = text.trim().toLowerCase();
  if (/\bnoon\b|\bmidday\b/.test(typed)) return '12:00';
  if (/\bmidnight\b/.test(typed)) return '00:00';
  const match =
    /\b(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|in the morning|in the afternoon|in the evening|at night)?\b/.exec(
      typed,
    );
  if (!match) return undefined;
  let hours = Number(match[1]);
  const minutes = Number(match[2] ?? '0');
  const half = match[3] ?? '';
  if (!match[2] && !half) return undefined;
  if (/^p|afternoon|evening|night/.test(half) && hours < 12) hours += 12;
  if (/^a|morning/.test(half) && hours === 12) hours = 0;
  if (hours > 23 || minutes > 59) return undefined;
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

/** An amount of money in what the customer typed: "$2,400", "about 2400 dollars", "1200.50". */
export function amountOf(text: string): number | undefined {
  const found = extractEntities(text).amount;
  if (found !== undefined) return found;
  const plain = /(?:^|\s)\$?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(?:\s|$)/.exec(` ${text} `);
  return plain ? Number(`${plain[1]!.replaceAll(',', '')}.${plain[2] ?? '0'}`) : undefined;
}

/** A date the customer gave: one day, or two readings to ask them to choose between. */
export type DateAnswer = { date: string } | { choices: [string, string] };

/**
 * A calendar day (ISO `YYYY-MM-DD`) in any common form, "yesterday" and "June 10" included, read in the
 * customer's `order`; a reply to "did you mean…" picks one of `choices`.
 */
export function dateOf(
  text: string,
  now: Date,
  options: { order?: DateOrder | undefined; choices?: readonly [string, string] | undefined } = {},
): DateAnswer | undefined {
  const chosen = options.choices && chosenDate(text, options.choices);
  if (chosen) return { date: chosen };
  const reading = findDate(text, { now, yearless: true, ...(options.order ? { order: options.order } : {}) });
  if (!reading) return undefined;
  return reading.kind === 'date' ? { date: reading.date } : { choices: reading.choices };
}

/** The result of reading a turn's attachments. */
export interface ReceivedFiles {
  files: DraftAttachment[];
  /** Names of attachments that are not files stored by us (a forged or expired link). */
  unreadable: string[];
  /**
   * Files whose kind cannot be told from their type: a document while several documents are wanted, or
   * a photo when no photo is wanted but a document is (a photographed bill). Left untagged in `files`;
   * the customer can be asked which wanted item each one is.
   */
  unsure: { fileId: string; name: string; candidates: ChecklistItem[] }[];
}

/**
 * The files attached to this message. Channels store uploads through the file store and hand the bot a
 * signed link; the file is identified from that link, never fetched over HTTP, and a link we did not
 * sign names no file. A file is tagged with the outstanding checklist item it can only be: a photo with
 * the photo item, a document with the one document still wanted; otherwise it is `unsure`.
 */
export async function receivedFiles(
  context: TurnContext,
  files: DialogDependencies['files'],
  outstanding: ChecklistItem[],
): Promise<ReceivedFiles> {
  const result: ReceivedFiles = { files: [], unreadable: [], unsure: [] };
  const open = [...outstanding];
  for (const attachment of context.activity.attachments ?? []) {
    const id = attachment.contentUrl ? files.fileIdOf(attachment.contentUrl) : undefined;
    const stored = id ? await files.find(id) : undefined;
    if (!stored) {
      result.unreadable.push(attachment.name ?? 'a file');
      continue;
    }
    const isPhoto = stored.contentType.startsWith('image/');
    const documents = open.filter((item) => item.code !== 'photos');
    const photoIndex = open.findIndex((item) => item.code === 'photos');
    let item: ChecklistItem | undefined;
    if (isPhoto && photoIndex >= 0) item = open.splice(photoIndex, 1)[0];
    else if (!isPhoto && documents.length === 1) item = open.splice(open.indexOf(documents[0]!), 1)[0];
    else if (documents.length > 0) {
      result.unsure.push({ fileId: stored.id, name: stored.name, candidates: documents });
    }
    result.files.push({
      fileId: stored.id,
      name: stored.name,
      contentType: stored.contentType,
      size: stored.size,
      ...(item ? { checklistItem: item.code } : {}),
      ...(stored.evidence ? { evidence: stored.evidence } : {}),
    });
  }
  return result;
}

/** True when the message carries attachments. */
export function hasAttachments(context: TurnContext): boolean {
  return (context.activity.attachments ?? []).some((attachment) => attachment.contentUrl);
}

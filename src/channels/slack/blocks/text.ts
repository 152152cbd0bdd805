/** Slack's limits and the text helpers every builder uses. */

import { formatCurrency } from '../../../domain/money.js';

/** Blocks in one message or view. */
export const maxBlocks = 50;
/** Characters of a section's text. */
export const maxSectionText = 3000;
/** Characters of one section field. */
export const maxFieldText = 2000;
/** Fields of one section. */
export const maxFields = 10;
/** Characters of a header or a button label. */
export const maxHeaderText = 150;
export const maxButtonText = 75;
/** Characters of a button's value and of a view's private metadata. */
export const maxValue = 2000;
export const maxMetadata = 3000;

/** Escapes what mrkdwn would read as markup (`&`, `<`, `>`), so customer text shows as written. */
export function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts `text` to `max` characters, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Packs lines into as few texts of at most `max` characters as possible; a line longer than `max` is
 * clipped.
 */
export function packLines(lines: string[], max: number = maxSectionText): string[] {
  const texts: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = clip(raw, max);
    if (current && current.length + 1 + line.length > max) {
      texts.push(current);
      current = line;
    } else {
      current = current ? `${current}\n${line}` : line;
    }
  }
  if (current) texts.push(current);
  return texts;
}

/** A link in mrkdwn; the label is escaped and stripped of the `|` that would end it. */
export function link(url: string, label: string): string {
  return `<${url}|${escape(label).replace(/\|/g, '¦')}>`;
}

export function formatMoney(amount: number, currency: string): string {
  return formatCurrency(amount, currency);
}

export function formatDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A time as Slack shows it in the reader's own zone, with a UTC fallback. */
export function slackTime(date: Date): string {
  const seconds = Math.floor(date.getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${date.toISOString().replace('T', ' ').slice(0, 16)} UTC>`;
}

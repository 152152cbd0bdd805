/**
 * The keywords carriers require every SMS program to honour, and what the app answers to each. The
 * insurer's name and the way to stop are in the help text, as the carriers' rules ask.
 */

export const optOutKeywords = [
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'REVOKE',
  'OPTOUT',
] as const;
export const optInKeywords = ['START', 'YES', 'UNSTOP'] as const;
export const helpKeywords = ['HELP', 'INFO'] as const;

/** The name messages are signed with. */
export const senderName = 'InsuraLink';

export const optOutConfirmation = `${senderName}: you are unsubscribed and will get no more messages from us. Reply START to subscribe again.`;
export const optInConfirmation = `${senderName}: you are subscribed to messages from us again. Reply HELP for help, STOP to opt out.`;
export const helpReply =
  `${senderName} insurance assistant: ask about your policies, claims and benefits, or say "talk to a person". ` +
  'Msg & data rates may apply. Reply STOP to opt out, START to opt back in.';

export type KeywordKind = 'opt_out' | 'opt_in' | 'help';

/** The keyword a whole message is (case and surrounding punctuation ignored), if it is one. */
export function keywordOf(text: string): { kind: KeywordKind; word: string } | undefined {
  const word = text
    .trim()
    .replace(/^[^A-Za-z]+|[^A-Za-z]+$/g, '')
    .toUpperCase();
  if ((optOutKeywords as readonly string[]).includes(word)) return { kind: 'opt_out', word };
  if ((optInKeywords as readonly string[]).includes(word)) return { kind: 'opt_in', word };
  if ((helpKeywords as readonly string[]).includes(word)) return { kind: 'help', word };
  return undefined;
}

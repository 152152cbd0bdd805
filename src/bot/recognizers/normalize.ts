import { distance } from 'fastest-levenshtein';

/** Words that carry nothing for intent and are dropped, so "please cancel" reads like "cancel". */
const fillerWords = new Set([
  'please',
  'pls',
  'plz',
  'kindly',
  'ok',
  'okay',
  'um',
  'uh',
  'hmm',
  'so',
  'well',
]);

/** The result of {@link normalizeText}. */
export interface NormalizedText {
  /** Lower case, letters and digits only, single spaces, filler dropped, typos in key words corrected. */
  text: string;
  /** How many words were corrected. */
  corrections: number;
}

/**
 * Prepares a message for intent patterns: case, apostrophes ("what's" → "whats") and punctuation are
 * flattened, and words within a small edit distance of a key word become that key word, except
 * `realWords`: ordinary words that merely look like a key word ("police" is not "policy").
 */
export function normalizeText(
  message: string,
  keywords: ReadonlySet<string>,
  realWords: ReadonlySet<string> = new Set(),
): NormalizedText {
  const words = message
    .toLowerCase()
    .replaceAll(/['\u2018\u2019`]/g, '')
    .replaceAll(/[^a-z0-9]+/g, ' ')
    .split(' ')
    .filter((word) => word !== '' && !fillerWords.has(word));
  let corrections = 0;
  const corrected = words.map((word) => {
    const fixed = realWords.has(word) ? word : correct(word, keywords);
    if (fixed !== word) corrections += 1;
    return fixed;
  });
  return { text: corrected.join(' '), corrections };
}

/** The key word `word` was probably meant to be, or `word` itself when none is clearly closest. */
function correct(word: string, keywords: ReadonlySet<string>): string {
  if (keywords.has(word) || /\d/.test(word) || word.length < 4) return word;
  // A plural of a key word is not a typo of it.
  if (word.endsWith('s') && keywords.has(word.slice(0, -1))) return word;
  // Short words have many real neighbours ("held" is not "help"), so they only get swapped letters.
  const allowed = word.length >= 8 ? 2 : word.length >= 5 ? 1 : 0;
  let best: string | undefined;
  let bestDistance = Infinity;
  let tie = false;
  for (const keyword of keywords) {
    const swapped = isTransposition(word, keyword);
    if (!swapped && Math.abs(keyword.length - word.length) > allowed) continue;
    const d = swapped ? 1 : distance(word, keyword);
    if (d > (swapped ? 1 : allowed)) continue;
    if (d < bestDistance) {
      best = keyword;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance) {
      tie = true;
    }
  }
  return best && !tie ? best : word;
}

/** True when `a` is `b` with two neighbouring letters swapped ("stauts", "status"). */
function isTransposition(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const diff: number[] = [];
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] !== b[i]) diff.push(i);
    if (diff.length > 2) return false;
  }
  const [i, j] = diff;
  return i !== undefined && j === i + 1 && a[i] === b[j] && a[j] === b[i];
}

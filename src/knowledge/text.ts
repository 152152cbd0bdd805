import { createRequire } from 'node:module';
import levenshtein from 'damerau-levenshtein';
import { stemmer } from 'stemmer';
import { eng } from 'stopword';
import { synonymGroups } from './synonyms.js';

/**
 * Words that carry no topic in a customer's question. The library list covers English function words;
 * these are the conversational fillers around an insurance question ("can you tell me what ... means").
 */
const questionFillers = (
  'does doing done will shall when why whats whos hows im ive id dont doesnt didnt cant cannot wont isnt ' +
  'arent please hi hello hey thanks thank want wanna need know tell mean means meaning happen happens work ' +
  'works explain question really ok okay yes just anyone anything something thing things etc get gets ' +
  'getting ever us lot someone somebody help'
).split(' ');
const stopWords = new Set([...eng, ...questionFillers]);

let english: ReadonlySet<string> | undefined;

/** The English word list, loaded once on first use (it is large). */
function englishWords(): ReadonlySet<string> {
  if (english === undefined) {
    const list: unknown = createRequire(import.meta.url)('an-array-of-english-words');
    if (!Array.isArray(list)) throw new Error('an-array-of-english-words did not load as an array');
    english = new Set(list.filter((word): word is string => typeof word === 'string'));
  }
  return english;
}

/** Phrase boundaries: a phrase never spans a sentence, list item or tag. */
const SEGMENT_BREAK = /[.,;:!?|()[\]{}"\n\r\t]+/;

/** Lowercases, strips accents and possessives, and turns everything but letters and digits into spaces. */
export function normalize(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`]/g, "'")
    .replace(/'s\b/g, '')
    .replace(/'/g, '');
}

/** The words of a text, grouped by segment (sentence, list item, tag). */
export function segments(text: string): string[][] {
  return normalize(text)
    .split(SEGMENT_BREAK)
    .map((segment) => segment.split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 0))
    .filter((words) => words.length > 0);
}

interface Token {
  stem: string;
  stop: boolean;
}

interface Phrase {
  stems: string[];
  replacement: string[];
}

/** How far a misspelt word may be from a known one: one edit for short words, two for long ones. */
function maxEdits(length: number): number {
  if (length >= 8) return 2;
  if (length >= 5) return 1;
  return 0;
}

const CORRECTION_CACHE_LIMIT = 10_000;

/** Strings grouped by length, each with its frequency. */
type ByLength = Map<number, Map<string, number>>;

function addTo(groups: ByLength, value: string, frequency: number): void {
  const group = groups.get(value.length) ?? new Map<string, number>();
  group.set(value, frequency);
  groups.set(value.length, group);
}

/** The string within `budget` edits of `value` (fewest edits, then most frequent), if any. */
function closest(value: string, groups: ByLength, budget: number): string | undefined {
  let best: string | undefined;
  let bestSteps = budget + 1;
  let bestFrequency = 0;
  for (let length = value.length - budget; length <= value.length + budget; length += 1) {
    for (const [candidate, frequency] of groups.get(length) ?? []) {
      const { steps } = levenshtein(value, candidate);
      if (steps > budget) continue;
      if (steps < bestSteps || (steps === bestSteps && frequency > bestFrequency)) {
        best = candidate;
        bestSteps = steps;
        bestFrequency = frequency;
      }
    }
  }
  return best;
}

/**
 * Turns text into index terms: words are corrected against the knowledge base's own vocabulary when
 * misspelt, stemmed, rewritten to their synonym group's canonical term (phrases first), and stripped of
 * stop words. Articles and questions go through the same analyser, so both sides meet in one vocabulary.
 */
export class Analyzer {
  private readonly vocabulary = new Set<string>();
  private readonly knownStems = new Set<string>();
  /** Known words and stems by length, each with how often it occurs. */
  private readonly wordsByLength: ByLength = new Map();
  private readonly stemsByLength: ByLength = new Map();
  /** The most frequent known word for each stem. */
  private readonly wordForStem = new Map<string, string>();
  private readonly canonicalByStem = new Map<string, string[]>();
  private readonly phrasesByFirstStem = new Map<string, Phrase[]>();
  private readonly corrections = new Map<string, string>();

  /** @param corpus the texts whose words count as correctly spelt (the articles). */
  constructor(corpus: readonly string[], groups: readonly (readonly string[])[] = synonymGroups) {
    for (const group of groups) {
      const [canonical, ...alternatives] = group.map((entry) => this.rawTokens(entry));
      if (canonical === undefined) continue;
      const replacement = canonical.filter((token) => !token.stop).map((token) => token.stem);
      for (const alternative of alternatives) {
        const stems = alternative.map((token) => token.stem);
        const first = stems[0];
        if (first === undefined) continue;
        if (stems.length === 1) {
          this.canonicalByStem.set(first, replacement);
        } else {
          const list = this.phrasesByFirstStem.get(first) ?? [];
          list.push({ stems, replacement });
          // Longest phrase first, so "out of pocket maximum" wins over "out of pocket".
          list.sort((a, b) => b.stems.length - a.stems.length);
          this.phrasesByFirstStem.set(first, list);
        }
      }
    }
    for (const text of [...corpus, ...groups.flat()]) {
      for (const words of segments(text)) {
        for (const word of words) this.learn(word);
      }
    }
  }

  /** The index terms of a text, in order, repeats kept (term frequency matters to ranking). */
  terms(text: string): string[] {
    const terms: string[] = [];
    for (const words of segments(text)) {
      const tokens = words.map((word) => this.token(this.correct(word)));
      for (let i = 0; i < tokens.length;) {
        const phrase = this.matchPhrase(tokens, i);
        if (phrase !== undefined) {
          terms.push(...phrase.replacement);
          i = phrase.end;
          continue;
        }
        const token = tokens[i] as Token;
        i += 1;
        if (token.stop) continue;
        terms.push(...(this.canonicalByStem.get(token.stem) ?? [token.stem]));
      }
    }
    return terms;
  }

  /**
   * The knowledge base's spelling of a word: the word itself when known to the knowledge base or to an
   * English word list (a real word that is merely absent from the articles, such as "broker", is not a
   * typo of a near one, such as "broken"), or when its stem is known, as for another inflection; else the
   * closest knowledge-base word within the edit budget, the more frequent on a tie; unchanged when
   * nothing is close.
   */
  correct(word: string): string {
    if (this.vocabulary.has(word) || stopWords.has(word) || /\d/.test(word) || englishWords().has(word)) {
      return word;
    }
    const stem = stemmer(word);
    if (this.knownStems.has(stem)) return word;
    const cached = this.corrections.get(word);
    if (cached !== undefined) return cached;
    // A typo inside an inflection the articles never use ("benificiaries" when they only say
    // "beneficiary") is caught by comparing stems.
    const best = closest(word, this.wordsByLength, maxEdits(word.length)) ?? this.wordNearStem(stem) ?? word;
    if (this.corrections.size >= CORRECTION_CACHE_LIMIT) this.corrections.clear();
    this.corrections.set(word, best);
    return best;
  }

  /** The known word for the known stem closest to `stem` within the edit budget, if any. */
  private wordNearStem(stem: string): string | undefined {
    const near = closest(stem, this.stemsByLength, maxEdits(stem.length));
    return near === undefined ? undefined : this.wordForStem.get(near);
  }

  private learn(word: string): void {
    if (stopWords.has(word) || /\d/.test(word)) return;
    const frequency = (this.wordsByLength.get(word.length)?.get(word) ?? 0) + 1;
    addTo(this.wordsByLength, word, frequency);
    this.vocabulary.add(word);
    const stem = stemmer(word);
    this.knownStems.add(stem);
    addTo(this.stemsByLength, stem, (this.stemsByLength.get(stem.length)?.get(stem) ?? 0) + 1);
    const current = this.wordForStem.get(stem);
    if (current === undefined || (this.wordsByLength.get(current.length)?.get(current) ?? 0) < frequency) {
      this.wordForStem.set(stem, word);
    }
  }

  private rawTokens(text: string): Token[] {
    return segments(text)
      .flat()
      .map((word) => this.token(word));
  }

  private token(word: string): Token {
    return { stem: stemmer(word), stop: stopWords.has(word) };
  }

  /** A phrase starting at `start`; stop words in the text may sit between the phrase's own words. */
  private matchPhrase(
    tokens: readonly Token[],
    start: number,
  ): { replacement: string[]; end: number } | undefined {
    const first = tokens[start];
    if (first === undefined) return undefined;
    for (const phrase of this.phrasesByFirstStem.get(first.stem) ?? []) {
      let i = start;
      let k = 0;
      while (i < tokens.length && k < phrase.stems.length) {
        const token = tokens[i] as Token;
        if (token.stem === phrase.stems[k]) k += 1;
        else if (!token.stop) break;
        i += 1;
      }
      if (k === phrase.stems.length) return { replacement: phrase.replacement, end: i };
    }
    return undefined;
  }
}

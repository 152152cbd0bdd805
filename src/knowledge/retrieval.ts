import MiniSearch from 'minisearch';
import { compareSlugs } from './load.js';
import { scopeCues, type ScopeCue } from './scope.js';
import { Analyzer } from './text.js';
import type { Article, KnowledgeAnswer, KnowledgeMatch, KnowledgeSource } from './types.js';

/** Tuning of ranking and of the out-of-scope decision. */
export interface RetrievalOptions {
  /** Field weights in the BM25 score. */
  boost: { title: number; tags: number; body: number };
  /**
   * Weight of the words that only name a line of insurance ("car", "home", "life", "insurance"): they say
   * which product a question is about, while the rest of the question says which topic.
   */
  productTermWeight: number;
  /**
   * A weak match, out of scope: the best score is below `minScore` and the IDF mass of the question's
   * terms found in the best article is below `minMatched`, so the match rests on a few words many
   * articles share. Either alone is not enough: one rare word ("newborn") can score low and still
   * decide the topic.
   */
  minScore: number;
  minMatched: number;
  /** Below this share of the question's (IDF-weighted) terms found in the best article, out of scope. */
  minCoverage: number;
}

/**
 * Chosen on the even lines of the labelled development questions, the odd lines held out: the coverage
 * threshold is the one with the best top-1 accuracy among those keeping out-of-scope recall at 70% or
 * more on that half (a margin over the 60% target); the weak-match floor changes nothing on those
 * questions and turns away vague ones ("tell me about insurance") that only share common words.
 */
export const defaultRetrievalOptions: RetrievalOptions = {
  boost: { title: 3, tags: 2, body: 1 },
  productTermWeight: 0.5,
  minScore: 20,
  minMatched: 2,
  minCoverage: 0.3,
};

/**
 * Signals about a question and its best match. The decision uses the cues, score, matched mass and
 * coverage; the second score and the unknown share help a reader judge a close call.
 */
export interface AnswerSignals {
  /** The question's index terms after spelling, stemming and synonyms. */
  terms: string[];
  /** Score of the best and second-best article (0 when absent). */
  score: number;
  second: number;
  /** IDF-weighted share of the question's terms that the best article contains. */
  coverage: number;
  /** Summed IDF of the question's terms that the best article contains, halved for body-only terms. */
  matched: number;
  /** IDF-weighted share of the question's terms that no article contains. */
  unknown: number;
  cues: ScopeCue[];
}

/** An answer with the signals behind it and, when out of scope, the reason in words. */
export interface Explanation {
  answer: KnowledgeAnswer;
  signals: AnswerSignals;
  /** Why no article answers, or null when one does. */
  refusal: string | null;
}

/** An article as indexed: each field holds its analysed terms, space-separated. */
interface IndexedArticle {
  slug: string;
  title: string;
  tags: string;
  body: string;
}

/** Words that name a line of insurance rather than a topic. */
const productWords = 'car home renter life health insurance policy plan cover coverage';

/** Cues that rule a question out whatever the match; "tax" is lifted by an article about taxes. */
const decisiveCues: ReadonlySet<ScopeCue> = new Set([
  'price',
  'company',
  'region',
  'legal',
  'product',
  'advice',
]);

/**
 * BM25 retrieval over the articles' titles, tags and bodies, with a calibrated out-of-scope decision:
 * a question is answered only when the best article scores enough, contains most of what the question
 * is about, and the question is not of a kind the knowledge base never answers (see {@link ScopeCue}).
 */
export class KnowledgeIndex implements KnowledgeSource {
  private readonly bySlug = new Map<string, Article>();
  private readonly sorted: readonly Article[];
  private readonly analyzer: Analyzer;
  /** Index terms of `productWords`. */
  private readonly productTerms: ReadonlySet<string>;
  private readonly search_: MiniSearch<IndexedArticle>;
  private readonly termsBySlug = new Map<string, Set<string>>();
  /** Terms of each article's title and tags, which name its topic; the body also mentions others. */
  private readonly topicTermsBySlug = new Map<string, Set<string>>();
  private readonly taggedWithTaxes = new Set<string>();
  private readonly idf = new Map<string, number>();
  private readonly unknownIdf: number;
  private readonly options: RetrievalOptions;

  constructor(articles: readonly Article[], options: Partial<RetrievalOptions> = {}) {
    this.options = { ...defaultRetrievalOptions, ...options };
    this.sorted = [...articles].sort(compareSlugs);
    for (const article of this.sorted) this.bySlug.set(article.slug, article);
    this.analyzer = new Analyzer(
      this.sorted.flatMap((article) => [article.title, ...article.tags, article.body]),
    );
    // Every product word is an English word, which the analyser never corrects, so its terms do not
    // depend on the articles.
    this.productTerms = new Set(this.analyzer.terms(productWords));

    // Each article is analysed once; the index then reads the terms back, space-separated, as queries do.
    const splitTerms = (text: string): string[] => text.split(' ').filter((term) => term.length > 0);
    this.search_ = new MiniSearch<IndexedArticle>({
      idField: 'slug',
      fields: ['title', 'tags', 'body'],
      tokenize: splitTerms,
      processTerm: (term) => term,
      searchOptions: {
        boost: this.options.boost,
        tokenize: splitTerms,
        processTerm: (term) => term,
        boostTerm: (term) => (this.productTerms.has(term) ? this.options.productTermWeight : 1),
      },
    });
    const documentFrequency = new Map<string, number>();
    for (const article of this.sorted) {
      if (scopeCues(article.tags.join('\n')).includes('tax')) this.taggedWithTaxes.add(article.slug);
      const title = this.analyzer.terms(article.title);
      // Each tag on its own, so no phrase spans two tags.
      const tags = article.tags.flatMap((tag) => this.analyzer.terms(tag));
      const body = this.analyzer.terms(withoutCommands(article.body));
      this.search_.add({
        slug: article.slug,
        title: title.join(' '),
        tags: tags.join(' '),
        body: body.join(' '),
      });
      const terms = new Set([...title, ...tags, ...body]);
      this.termsBySlug.set(article.slug, terms);
      this.topicTermsBySlug.set(article.slug, new Set([...title, ...tags]));
      for (const term of terms) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
    }
    const count = this.sorted.length;
    const idf = (df: number): number => Math.log(1 + (count - df + 0.5) / (df + 0.5));
    for (const [term, df] of documentFrequency) this.idf.set(term, idf(df));
    this.unknownIdf = idf(0);
  }

  search(question: string, limit = 5): KnowledgeMatch[] {
    return this.rank(this.analyzer.terms(question)).slice(0, limit);
  }

  answer(question: string): KnowledgeAnswer {
    return this.explain(question).answer;
  }

  /** The answer together with the signals and the reason behind the decision. */
  explain(question: string): Explanation {
    const terms = [...new Set(this.analyzer.terms(question))];
    const matches = this.rank(terms).slice(0, 5);
    const [best, second] = matches;
    const bestArticle = best === undefined ? undefined : this.bySlug.get(best.slug);
    const signals: AnswerSignals = {
      terms,
      score: best?.score ?? 0,
      second: second?.score ?? 0,
      coverage: bestArticle === undefined ? 0 : this.coverage(terms, bestArticle.slug),
      matched: bestArticle === undefined ? 0 : this.matched(terms, bestArticle.slug),
      unknown: this.unknownShare(terms),
      cues: scopeCues(question),
    };
    const refusal = this.refusal(signals, bestArticle);
    const answer: KnowledgeAnswer =
      refusal === null && bestArticle !== undefined
        ? {
            slug: bestArticle.slug,
            title: bestArticle.title,
            score: signals.score,
            answer: bestArticle.summary,
            matches,
          }
        : { slug: null, title: null, score: signals.score, answer: null, matches };
    return { answer, signals, refusal };
  }

  article(slug: string): Article | undefined {
    return this.bySlug.get(slug);
  }

  articles(): readonly Article[] {
    return this.sorted;
  }

  private rank(terms: readonly string[]): KnowledgeMatch[] {
    if (terms.length === 0) return [];
    return this.search_.search(terms.join(' ')).map((result) => {
      const article = this.bySlug.get(String(result.id)) as Article;
      return { slug: article.slug, title: article.title, score: round(result.score) };
    });
  }

  private weight(term: string): number {
    return this.idf.get(term) ?? this.unknownIdf;
  }

  private coverage(terms: readonly string[], slug: string): number {
    const articleTerms = this.termsBySlug.get(slug);
    let total = 0;
    let found = 0;
    for (const term of terms) {
      const weight = this.weight(term);
      total += weight;
      if (articleTerms?.has(term)) found += weight;
    }
    return total === 0 ? 0 : round(found / total);
  }

  private matched(terms: readonly string[], slug: string): number {
    const articleTerms = this.termsBySlug.get(slug);
    const topicTerms = this.topicTermsBySlug.get(slug);
    let sum = 0;
    for (const term of terms) {
      if (topicTerms?.has(term)) sum += this.weight(term);
      else if (articleTerms?.has(term)) sum += this.weight(term) / 2;
    }
    return round(sum);
  }

  private unknownShare(terms: readonly string[]): number {
    let total = 0;
    let unknown = 0;
    for (const term of terms) {
      const weight = this.weight(term);
      total += weight;
      if (!this.idf.has(term)) unknown += weight;
    }
    return total === 0 ? 0 : round(unknown / total);
  }

  private refusal(signals: AnswerSignals, best: Article | undefined): string | null {
    if (best === undefined) return 'no article shares a word with the question';
    const decisive = signals.cues.filter((cue) => decisiveCues.has(cue));
    if (decisive.length > 0)
      return `the question asks for ${decisive.join(', ')} information the articles do not give`;
    if (signals.cues.includes('tax') && !this.taggedWithTaxes.has(best.slug)) {
      return 'the question is about taxes and the best article is not';
    }
    if (signals.score < this.options.minScore && signals.matched < this.options.minMatched) {
      return `the match is weak (score ${signals.score} < ${this.options.minScore}) and rests on common words`;
    }
    if (signals.coverage < this.options.minCoverage) {
      return `the best article covers ${signals.coverage} of the question, below ${this.options.minCoverage}`;
    }
    return null;
  }
}

/**
 * The body without the bot commands it points to ("say 'talk to a person'"): most articles end with one,
 * so they would make every article look a little like the topics those commands belong to.
 */
function withoutCommands(body: string): string {
  return body.replace(/\bsay\s+(['"\u2018\u201c])[^'"\u2019\u201d]*['"\u2019\u201d]/gi, ' ');
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** A knowledge source over the given articles, with the default tuning. */
export function createKnowledgeSource(articles: readonly Article[]): KnowledgeIndex {
  return new KnowledgeIndex(articles);
}

import MiniSearch from 'minisearch';
import { compareSlugs } from './load.js';
import { answerChance, type ScopeModel, type ScopeSignals } from './calibration.js';
import { scopeCues } from './scope.js';
import { defaultScopeModel } from './scope-model.js';
import { Analyzer, segments } from './text.js';
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
  /** The calibrated out-of-scope decision. */
  scope: ScopeModel;
}

/**
 * The scope model is fitted on every labelled development question (`fitScopeModel`); the benchmark
 * prints a fresh fit and `tests/knowledge/evaluation.test.ts` fails when these figures drift from it.
 * Its figures on questions it was not fitted on are the cross-validated ones in the benchmark.
 */
export const defaultRetrievalOptions: RetrievalOptions = {
  boost: { title: 3, tags: 2, body: 1 },
  productTermWeight: 0.5,
  scope: defaultScopeModel,
};

/** Signals about a question and its best match, as the out-of-scope decision sees them. */
export interface AnswerSignals extends ScopeSignals {
  /** The question's index terms after spelling, stemming and synonyms. */
  terms: string[];
  /** The scope model's chance that the best article answers the question. */
  chance: number;
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
/** Words that name insurance in general: a question made only of them does not say what it asks. */
const genericWords = 'insurance policy plan cover coverage';

/**
 * BM25 retrieval over the articles' titles, tags and bodies, with a calibrated out-of-scope decision:
 * a question is answered only when the scope model's chance that the best article answers it (from how
 * much of the question the article covers, how clearly it leads, how much of the question no article
 * mentions, and out-of-scope wording) reaches the model's threshold.
 */
export class KnowledgeIndex implements KnowledgeSource {
  private readonly bySlug = new Map<string, Article>();
  private readonly sorted: readonly Article[];
  private readonly analyzer: Analyzer;
  /** Index terms of `productWords`. */
  private readonly productTerms: ReadonlySet<string>;
  /** Index terms of `genericWords`. */
  private readonly genericTerms: ReadonlySet<string>;
  private readonly search_: MiniSearch<IndexedArticle>;
  private readonly termsBySlug = new Map<string, Set<string>>();
  /** Terms of each article's title and tags, which name its topic; the body also mentions others. */
  private readonly topicTermsBySlug = new Map<string, Set<string>>();
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
    this.genericTerms = new Set(this.analyzer.terms(genericWords));

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
    const scope: ScopeSignals = {
      score: best?.score ?? 0,
      second: second?.score ?? 0,
      coverage: bestArticle === undefined ? 0 : this.coverage(terms, this.termsBySlug.get(bestArticle.slug)),
      topicCoverage:
        bestArticle === undefined ? 0 : this.coverage(terms, this.topicTermsBySlug.get(bestArticle.slug)),
      matched: bestArticle === undefined ? 0 : this.matched(terms, bestArticle.slug),
      unknown: this.unknownShare(terms),
      termCount: terms.length,
      cues: scopeCues(question),
      words: segments(question).flat(),
    };
    const signals: AnswerSignals = {
      ...scope,
      terms,
      chance: round(answerChance(this.options.scope, scope)),
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

  private coverage(terms: readonly string[], articleTerms: ReadonlySet<string> | undefined): number {
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
    if (signals.terms.every((term) => this.genericTerms.has(term))) {
      return 'the question names only insurance in general, not what it asks about it';
    }
    const { threshold } = this.options.scope;
    if (signals.chance >= threshold) return null;
    const cues = signals.cues.length > 0 ? `, out-of-scope wording: ${signals.cues.join(', ')}` : '';
    return (
      `the chance that the best article answers is ${signals.chance}, below ${threshold} ` +
      `(it covers ${signals.coverage} of the question, ${signals.topicCoverage} in its title and tags${cues})`
    );
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

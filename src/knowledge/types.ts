/** A knowledge-base article, as loaded and validated from `knowledge-base/<slug>.md`. */
export interface Article {
  slug: string;
  title: string;
  tags: string[];
  /** The first paragraph: a self-contained short answer. */
  summary: string;
  /** The whole body (markdown), summary included. */
  body: string;
  /** Source file, for error messages. */
  file: string;
}

/** One ranked article for a question. */
export interface KnowledgeMatch {
  slug: string;
  title: string;
  /** Higher is better; comparable only within one knowledge base. */
  score: number;
}

/** The answer to one question: the best article, or none when the question is out of scope. */
export interface KnowledgeAnswer {
  /** The answering article's slug, or null when no article answers the question. */
  slug: string | null;
  title: string | null;
  score: number;
  /** The short answer (article summary), or null when out of scope. */
  answer: string | null;
  /** The ranked candidates considered, best first (also filled when out of scope). */
  matches: KnowledgeMatch[];
}

/** Read access to the knowledge base: what dialogs, the FAQ command and the grounded answerer use. */
export interface KnowledgeSource {
  /** Ranked articles for a question, best first, at most `limit`. */
  search(question: string, limit?: number): KnowledgeMatch[];
  /** The best article for a question, or an out-of-scope answer (slug null). */
  answer(question: string): KnowledgeAnswer;
  /** An article by slug, or undefined. */
  article(slug: string): Article | undefined;
  /** Every article, in slug order. */
  articles(): readonly Article[];
}

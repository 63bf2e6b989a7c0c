import type { Executor } from '../../db/transaction.js';
import type { ArticleShown, MatchedVotes } from './results.js';

/**
 * One search index behind one interface; the implementation is chosen by the database dialect
 * (SQLite FTS5 or PostgreSQL tsvector/GIN). Both index the same tokens (shared/kb-text.ts), so the
 * only thing they differ in is how they store them and rank matches.
 */

/** What the index holds of a published article, already tokenised. */
export interface IndexedDoc {
  id: number;
  locale: string;
  category: string | null;
  /** Title (and tag) tokens: ranked far above body tokens. */
  titleTokens: string[];
  /** The title's length in characters (shorter titles rank first among title-only matches). */
  titleLength: number;
  bodyTokens: string[];
}

/**
 * A query as the engine runs it: every group must match (AND) unless `any` is set (OR); a group
 * matches when any of its terms does (the typed term, its typo corrections, prefix completions).
 */
export interface MatchPlan {
  groups: string[][];
  any: boolean;
  /** Only titles (and tags): the first pass for a very common query. */
  titleOnly: boolean;
  locale?: string | undefined;
  category?: string | undefined;
  /** Rank at most this many matching articles (bounds the work per query). */
  cap: number;
  limit: number;
  /**
   * How many articles hold each term of `groups` (the same shape) and how many the index holds,
   * from the vocabulary: an engine that can weigh terms with these need not count each term's
   * matches itself (SQLite's kb_bm25). Absent, or not of the groups' shape: the engine counts.
   */
  frequencies?: { terms: number[][]; articles: number } | undefined;
  /**
   * Read each hit's votes in the pass's own statement, where the engine's statements are round
   * trips (PostgreSQL: see results.ts). An engine that runs in-process ignores it, and the search
   * reads them in a statement of their own.
   */
  withVotes?: boolean | undefined;
  /**
   * With withVotes, also read what the best this many answerable hits show (link, title, snippet
   * text), best as the search ranks them (rankingScore), where a statement of its own would be a
   * round trip (PostgreSQL). An engine that runs in-process ignores it.
   */
  withShown?: number | undefined;
}

export interface EngineHit {
  id: number;
  /** Relevance, higher is better (BM25 on SQLite, ts_rank on PostgreSQL). */
  score: number;
  /**
   * With `withVotes`, where the engine read them: the article's votes, or null when it may not be
   * answered with (not published, or filtered out). Absent: not read.
   */
  votes?: MatchedVotes | null;
  /** With `withShown`, for the best hits: what the article shows. */
  shown?: ArticleShown | undefined;
}

export interface SearchEngine {
  readonly kind: 'sqlite' | 'postgres';
  /** Adds or replaces articles in the index (call remove first for replaced ones: the caller knows their old tokens). */
  add(trx: Executor, docs: readonly IndexedDoc[]): Promise<void>;
  remove(trx: Executor, ids: readonly number[]): Promise<void>;
  match(db: Executor, plan: MatchPlan): Promise<EngineHit[]>;
  /**
   * After a bulk load: brings the index's storage into the shape queries read fastest (SQLite
   * merges FTS5's many segments into one; PostgreSQL refreshes the planner's statistics).
   */
  compact(db: Executor): Promise<void>;
}

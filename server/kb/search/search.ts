import { type KbQueryTerm, buildSnippet, queryTerms, stemWord, textTerms } from '../../../shared/kb-text.js';
import type { KbLocale, KbSearchResult } from '../../../shared/kb.js';
import type { Executor } from '../../db/transaction.js';
import type { CacheView } from './cache.js';
import type { EngineHit, MatchPlan, SearchEngine } from './engine.js';
import { type ArticleShown, type ArticleVotes, type MatchedVotes, articlesShown, rankingScore, votesOfMatches } from './results.js';
import { ARTICLE_COUNT_TERM, documentFrequencies, frequenciesAndCompletions, typoCandidates } from './vocabulary.js';

/**
 * Search over published articles: analyse the query (shared tokenisation), expand each term
 * through the vocabulary (typo corrections, prefix completions), then let the engine match and
 * rank with a bounded amount of work, boost helpful articles and build safe snippets.
 */

/**
 * At most this many matches are ranked per pass. A query whose rarest part is commoner than
 * this first ranks title matches only, which are the ones worth showing for a very common word.
 * Ranking is most of a pass's cost (BM25 over 1,000 matches: ~1 ms on SQLite, 300: ~0.3 ms), and
 * past a few hundred the matches ranked are an arbitrary (newest) subset of a common word's
 * articles anyway; the title pass is what finds the best of those.
 */
export const RANK_CAP = 300;

/** How many parts of a query the "any term" pass looks for. */
const MAX_ANY_GROUPS = 4;

/**
 * A part of a query found in more than half of the articles, and in more than this many, is
 * common: when a rarer part is there, a common one neither narrows the body passes nor weighs in
 * their ranking (a common-terms query, decided by the base's own counts rather than a stop-word
 * list). Its BM25 weight is small anyway (IDF ln 2 for one article in two, against ~3 for one in
 * twenty), while FTS5's bm25() counts every article that has each term of the query for its IDF:
 * for a word in 75k of 100k articles that count was most of a search (the all-terms pass of
 * "set up zoom netw", "network" in 74k articles: 6.0 → 1.6 ms). Below this many articles the
 * count costs FTS5 under half a millisecond, so a small base keeps every part. Titles still need
 * every part: the title pass reads no counts.
 */
export const COMMON_FLOOR = 5000;

export interface SearchOptions {
  locale?: KbLocale | undefined;
  category?: string | undefined;
  limit: number;
  /** COMMON_FLOOR unless given (tests lower it to see the behaviour on a small base). */
  commonFloor?: number | undefined;
}

/** Whether a part that `estimate` articles could match is common in a base of `articles` (see COMMON_FLOOR). */
function isCommon(estimate: number, articles: number, options: SearchOptions): boolean {
  return estimate > (options.commonFloor ?? COMMON_FLOOR) && estimate * 2 > articles;
}

/** The parts that are not common; all of them when every part is. */
function withoutCommon<T>(parts: T[], estimateOf: (part: T) => number, articles: number, options: SearchOptions): T[] {
  const rare = parts.filter((p) => !isCommon(estimateOf(p), articles, options));
  return rare.length ? rare : parts;
}

export interface ExpandedTerm {
  /** The terms that satisfy this part of the query. */
  group: string[];
  /** Each term's document frequency, in the order of `group`. */
  frequencies: number[];
  /** Sum of their document frequencies: how many articles could match. */
  estimate: number;
}

/** What the vocabulary says of a query term (`part`; null: nothing stands for it), or of the base: how many articles it holds. */
export type VocabularyEntry = { part: ExpandedTerm | null } | { articles: number };

/**
 * What the vocabulary said of query terms, kept by term for the index generation the caller reads
 * (SearchCache.at; the vocabulary changes only with the index, which moves the generation). A
 * term expands alike in every query at one generation, and queries share most of their words: a
 * query new to the other caches whose terms have all been seen needs no vocabulary lookup (on
 * PostgreSQL a round trip: a title-only query is then one statement).
 */
export type TermCache = CacheView<VocabularyEntry>;

/** The number of articles in a TermCache (no term's key: those start with the term's kind). */
const ARTICLES_KEY = '#articles';
/** A term's key in a TermCache: what its expansion depends on (kind, whether being typed, the term). */
const termKey = (t: KbQueryTerm) => `${t.kind}:${t.prefix ? '>' : ''}${t.term}`;

/**
 * Each query term with what may stand in for it. A known word stands for itself; the word being
 * typed also for its commonest completions; an unknown word for its typo corrections. A term
 * nothing stands for is dropped (it cannot match), unless it is the whole query. With `cache`,
 * only the terms it does not hold are looked up.
 */
export async function expandTerms(
  engine: SearchEngine,
  db: Executor,
  terms: readonly KbQueryTerm[],
  cache?: TermCache,
): Promise<{ parts: ExpandedTerm[]; articles: number }> {
  const known = new Map<string, ExpandedTerm | null>();
  for (const t of terms) {
    const entry = cache?.get(termKey(t));
    if (entry && 'part' in entry) known.set(termKey(t), entry.part);
  }
  const counted = cache?.get(ARTICLES_KEY);
  let articles = counted && 'articles' in counted ? counted.articles : undefined;
  const missing = terms.filter((t) => !known.has(termKey(t)));
  if (missing.length || articles === undefined) {
    const looked = await lookUpTerms(engine, db, missing);
    articles = looked.articles;
    cache?.set(ARTICLES_KEY, { articles });
    for (const [key, part] of looked.parts) {
      known.set(key, part);
      cache?.set(key, { part });
    }
  }
  return { parts: terms.flatMap((t) => known.get(termKey(t)) ?? []), articles };
}

/** expandTerms' lookups for `terms`: each one's expansion (null: nothing stands for it) by termKey, and the article count. */
async function lookUpTerms(
  engine: SearchEngine,
  db: Executor,
  terms: readonly KbQueryTerm[],
): Promise<{ parts: Map<string, ExpandedTerm | null>; articles: number }> {
  // The word being typed is kept as typed (a prefix), but a finished plural is indexed by its stem.
  const stems = new Map(terms.filter((t) => t.prefix).map((t) => [t.term, stemWord(t.term)]));
  const completes = (t: KbQueryTerm) => t.kind === 'word' && t.prefix && t.term.length >= 1;
  const { dfs, completions, corrections } = await frequenciesAndCompletions(
    db,
    [...terms.map((t) => t.term), ...stems.values(), ARTICLE_COUNT_TERM],
    [...new Set(terms.filter(completes).map((t) => t.term))],
    {
      oneStatement: engine.kind === 'postgres',
      typos: terms.filter((t) => t.fuzzy).map((t) => ({ word: t.term, stem: stems.get(t.term), completes: completes(t) })),
    },
  );
  const parts = new Map<string, ExpandedTerm | null>();
  for (const t of terms) {
    const own = dfs.get(t.term) ?? 0;
    const group = new Map<string, number>();
    if (own > 0) group.set(t.term, own);
    const stem = stems.get(t.term);
    if (stem && stem !== t.term && (dfs.get(stem) ?? 0) > 0) group.set(stem, dfs.get(stem)!);
    if (completes(t)) for (const c of completions.get(t.term) ?? []) group.set(c.term, c.df);
    if (t.fuzzy && group.size === 0) {
      for (const c of corrections.get(t.term) ?? (await typoCandidates(db, t.term))) group.set(c.term, c.df);
    }
    parts.set(
      termKey(t),
      group.size
        ? { group: [...group.keys()], frequencies: [...group.values()], estimate: [...group.values()].reduce((a, b) => a + b, 0) }
        : null,
    );
  }
  return { parts, articles: dfs.get(ARTICLE_COUNT_TERM) ?? 0 };
}

/**
 * Runs passes until a page is filled: titles first for common queries, then all text, then any
 * term (these two without the query's common parts: see COMMON_FLOOR). Each pass asks for `want`
 * matches (more than a page, so the helpfulness boost can reorder near ties), but once the hits
 * fill `options.limit` a looser pass is not run: its matches (a body instead of a title, some
 * terms instead of all) are worse than a full page of these, and it would be most of the query's
 * cost (at 100k articles, half of all searches stop after titles).
 */
async function runPasses(
  engine: SearchEngine,
  db: Executor,
  expanded: ExpandedTerm[],
  articles: number,
  options: SearchOptions,
  want: number,
  allowAny: boolean,
) {
  const base = {
    locale: options.locale,
    category: options.category,
    cap: RANK_CAP,
    limit: want,
    withVotes: true,
    withShown: options.limit,
  };
  const matching = (parts: ExpandedTerm[]) => ({
    groups: parts.map((e) => e.group),
    frequencies: { terms: parts.map((e) => e.frequencies), articles },
  });
  const hits = new Map<number, number>();
  const votes = new MatchesRead();
  const addAll = (list: EngineHit[], weight: number) => {
    for (const h of list) if (!hits.has(h.id)) hits.set(h.id, h.score * weight);
  };
  const smallest = Math.min(...expanded.map((e) => e.estimate));
  const passes: MatchPlan[] = [];
  if (smallest > RANK_CAP) passes.push({ ...base, ...matching(expanded), any: false, titleOnly: true });
  const body = withoutCommon(expanded, (e) => e.estimate, articles, options);
  passes.push({ ...base, ...matching(body), any: false, titleOnly: false });
  // "Any term" over the rarest few parts only: a long query's common bigrams and words would make
  // this pass read long lists for matches that rank low anyway.
  const rarest = [...body].sort((a, b) => a.estimate - b.estimate).slice(0, MAX_ANY_GROUPS);
  if (allowAny && body.length > 1) passes.push({ ...base, ...matching(rarest), any: true, titleOnly: false });
  for (const plan of passes) {
    if (hits.size >= options.limit) break;
    await letOthersRun(db);
    // Earlier passes are better matches: a later pass's best hit ranks just below the best so far.
    const found = votes.keep(await engine.match(db, plan));
    const max = Math.max(0, ...[...hits.values()]);
    const top = Math.max(0, ...found.map((h) => h.score));
    addAll(
      found.map((h) => ({ id: h.id, score: hits.size === 0 || top === 0 ? h.score : (h.score / top) * max * 0.99 })),
      1,
    );
  }
  return { hits, votes: votes.all(), shown: votes.shown() };
}

/**
 * What the passes read with their hits: votes (MatchPlan.withVotes), by article, null for one that
 * may not be answered with, and what the best hits show (MatchPlan.withShown). `all()` is null
 * unless every hit came with its votes (an engine that ignores withVotes): then rankMatches reads them.
 */
class MatchesRead {
  readonly #votes = new Map<number, MatchedVotes | null>();
  readonly #shown = new Map<number, ArticleShown>();
  #complete = true;

  /** Keeps what came with `hits`, and passes the hits on. */
  keep(hits: EngineHit[]): EngineHit[] {
    for (const h of hits) {
      if (h.votes === undefined) this.#complete = false;
      else this.#votes.set(h.id, h.votes);
      if (h.shown) this.#shown.set(h.id, h.shown);
    }
    return hits;
  }

  all(): ReadonlyMap<number, MatchedVotes | null> | null {
    return this.#complete ? this.#votes : null;
  }

  shown(): ReadonlyMap<number, ArticleShown> {
    return this.#shown;
  }
}

/** A ranked match before its snippet: the article and its score, helpfulness included. */
export interface RankedMatch {
  id: number;
  score: number;
}

/**
 * Ranked matches kept by what a query expands to (see expansionKey), for the index generation
 * the caller reads (SearchCache.at). A query's matches depend on its expansion, not on how it
 * was typed: "pasword" and "password", or "keybo" and "keyboa" once both complete to the same
 * words, share an entry, and only the snippets, which highlight what was typed, are made again.
 */
export type MatchCache = CacheView<RankedMatch[]>;

/** What a query's ranked matches depend on: its parts' terms in order (their counts follow from the generation), filters and page. */
function expansionKey(expanded: readonly ExpandedTerm[], options: SearchOptions): string {
  return JSON.stringify([
    expanded.map((e) => e.group),
    options.locale ?? null,
    options.category ?? null,
    options.limit,
    options.commonFloor ?? null,
  ]);
}

/**
 * The best `options.limit` published hits that pass the filters, helpfulness weighed in: with the
 * votes the passes read (`read`), else read here.
 */
async function rankMatches(
  db: Executor,
  hits: Map<number, number>,
  options: SearchOptions,
  read: ReadonlyMap<number, MatchedVotes | null> | null,
): Promise<RankedMatch[]> {
  if (!hits.size) return [];
  let votes: ArticleVotes[];
  if (read) {
    votes = [];
    for (const id of hits.keys()) {
      const v = read.get(id);
      if (v) votes.push([id, v[0], v[1]]);
    }
  } else {
    await letOthersRun(db);
    votes = await votesOfMatches(db, [...hits.keys()], options);
  }
  return votes
    .map(([id, helpful, unhelpful]) => ({ id, score: rankingScore(hits.get(id)!, helpful, unhelpful) }))
    .sort((a, b) => b.score - a.score || b.id - a.id)
    .slice(0, options.limit);
}

/**
 * Results with snippets highlighting `terms` and the `variants` they matched through. What the
 * passes read of the articles shown (`read`) is not read again.
 */
async function withSnippets(
  db: Executor,
  ranked: readonly RankedMatch[],
  terms: readonly KbQueryTerm[],
  variants: string[],
  read: ReadonlyMap<number, ArticleShown> = new Map(),
): Promise<KbSearchResult[]> {
  if (!ranked.length) return [];
  const shown = new Map(read);
  const missing = ranked.map(({ id }) => id).filter((id) => !read.has(id));
  if (missing.length) for (const a of await articlesShown(db, missing)) shown.set(a.id, a);
  return ranked.flatMap(({ id, score }) => {
    const article = shown.get(id);
    if (!article) return [];
    return [
      {
        id,
        slug: article.slug,
        title: article.title,
        snippet: buildSnippet(article.text ?? '', terms, { variants, folded: true }),
        locale: article.locale as KbLocale,
        category: article.category,
        score: Math.round(score * 1000) / 1000,
      },
    ];
  });
}

/**
 * Between the steps of a search, lets the event loop take the requests that arrived meanwhile:
 * on SQLite a search's statements run on this thread, and a cold search (a few milliseconds,
 * more for common words) would otherwise hold every request behind it, a cached answer too.
 * Not inside a transaction, which holds the connection for its caller.
 */
function letOthersRun(db: Executor): Promise<void> | undefined {
  return db.isTransaction ? undefined : new Promise((resolve) => setImmediate(resolve));
}

/**
 * `GET /api/kb/search`: the best published articles for what a person typed. With `matches`, a
 * query that expands as an earlier one did (same generation) takes its ranked matches from there;
 * with `terms`, its terms' expansions that earlier queries looked up.
 */
export async function searchArticles(
  engine: SearchEngine,
  db: Executor,
  query: string,
  options: SearchOptions,
  { matches, terms: termCache }: { matches?: MatchCache | undefined; terms?: TermCache | undefined } = {},
): Promise<KbSearchResult[]> {
  const terms = queryTerms(query);
  if (!terms.length) return [];
  const { parts: expanded, articles } = await expandTerms(engine, db, terms, termCache);
  if (!expanded.length) return [];
  const key = expansionKey(expanded, options);
  let ranked = matches?.get(key);
  let read: ReadonlyMap<number, ArticleShown> | undefined;
  if (!ranked) {
    // Ask for more than shown so the helpfulness boost can reorder near ties.
    const passes = await runPasses(engine, db, expanded, articles, options, options.limit * 3, true);
    ranked = await rankMatches(db, passes.hits, options, passes.votes);
    read = passes.shown;
    matches?.set(key, ranked);
  }
  return withSnippets(
    db,
    ranked,
    terms,
    expanded.flatMap((e) => e.group),
    read,
  );
}

/**
 * How many salient terms of a description are searched for: enough that the words that name the
 * subject ("laptop", "battery") are kept next to the rarer incidental ones ("five", "hour").
 */
const SUGGEST_TERMS = 10;
/** How much a suggestion's title match weighs next to its match anywhere. */
const TITLE_BONUS = 2;

/**
 * `GET /api/kb/suggest`: articles for a longer description ("my laptop will not join the VPN
 * since yesterday"). Its salient terms are the rarest ones articles actually use; any of them
 * may match (BM25 favours articles with more of them, and titles).
 */
export async function suggestArticles(engine: SearchEngine, db: Executor, text: string, options: SearchOptions): Promise<KbSearchResult[]> {
  const terms = textTerms(text);
  if (!terms.length) return [];
  const dfs = await documentFrequencies(db, [...terms.map((t) => t.term), ARTICLE_COUNT_TERM]);
  const known: { term: KbQueryTerm; df: number; group: string[]; frequencies: number[] }[] = [];
  let typoLookups = 0;
  for (const t of terms) {
    const df = dfs.get(t.term) ?? 0;
    if (df > 0) known.push({ term: t, df, group: [t.term], frequencies: [df] });
    else if (t.fuzzy && typoLookups < 3) {
      typoLookups++;
      const candidates = await typoCandidates(db, t.term, 2);
      if (candidates.length)
        known.push({ term: t, df: candidates[0]!.df, group: candidates.map((c) => c.term), frequencies: candidates.map((c) => c.df) });
    }
  }
  const articles = dfs.get(ARTICLE_COUNT_TERM) ?? 0;
  const salient = withoutCommon(known, (k) => k.df, articles, options)
    .sort((a, b) => a.df - b.df)
    .slice(0, SUGGEST_TERMS);
  if (!salient.length) return [];
  const plan: MatchPlan = {
    groups: salient.map((s) => s.group),
    frequencies: { terms: salient.map((s) => s.frequencies), articles },
    any: true,
    titleOnly: false,
    locale: options.locale,
    category: options.category,
    cap: RANK_CAP,
    limit: options.limit * 3,
    withVotes: true,
  };
  // A description is mostly incidental words ("five years old", "an hour"); an article whose
  // title carries its subject ("laptop battery") is the one meant. Title matches count again.
  const votes = new MatchesRead();
  const hits = new Map(votes.keep(await engine.match(db, plan)).map((h) => [h.id, h.score]));
  await letOthersRun(db);
  for (const h of votes.keep(await engine.match(db, { ...plan, titleOnly: true })))
    hits.set(h.id, (hits.get(h.id) ?? 0) + TITLE_BONUS * h.score);
  return withSnippets(
    db,
    await rankMatches(db, hits, options, votes.all()),
    salient.map((s) => s.term),
    salient.flatMap((s) => s.group),
  );
}

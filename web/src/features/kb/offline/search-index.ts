/**
 * The offline knowledge-base index: which articles a phone keeps, how they are indexed, and how a
 * query runs against them. Pure (no DOM, no IndexedDB), so the worker uses it in the browser and
 * the relevance test and the benchmark use the very same code in Node.
 *
 * Built on MiniSearch with the server's tokenisation (shared/kb-text.ts: the same terms, stop words,
 * stems and Chinese bigrams, and the same query analysis): every term of a query must match, a
 * word of three letters or more also matches one typo away (swapped neighbours included), the last
 * word is a prefix (results while typing), titles weigh more than tags and bodies, and articles
 * people found helpful rank a little higher.
 */
import MiniSearch, { type Options, type Query, type SearchResult } from 'minisearch';
import {
  buildSnippet,
  helpfulnessBoost,
  indexTokens,
  markdownToText,
  queryTerms,
  stemWord,
  textTerms,
  type KbQueryTerm,
} from '../../../../../shared/kb-text';

/** One published article as the offline copy keeps it (what `GET /api/kb/export` sends). */
export interface OfflineArticle {
  id: number;
  slug: string;
  title: string;
  /** Markdown. */
  body: string;
  locale: string;
  category: string | null;
  tags: string[];
  /** How often it was read: decides which articles stay when the base is larger than the phone keeps. */
  views: number;
  /** "Did this help?" answers, to rank helpful articles above unhelpful ones. */
  helpful: number;
  notHelpful: number;
  updatedAt: string;
}

/** What the index stores per article, besides its terms: enough to list a result without reading the article. */
interface StoredFields {
  slug: string;
  title: string;
  locale: string;
  category: string | null;
  /** Document boost (helpfulness), computed when indexed so a query does no arithmetic per article. */
  boost: number;
}

/**
 * How much of each body is indexed, so the index stays within its budget (1.5 MiB gzipped at
 * 10,000 articles): a small base is indexed in full; a large one indexes each body's opening
 * (300 characters at 10,000 articles) — titles, tags and a body's opening carry what an article is
 * about, and every word of 10,000 bodies would triple the index and the time of a common word.
 */
export function bodyCharsFor(articleCount: number): number {
  return Math.max(300, Math.min(100_000, Math.floor(3_000_000 / Math.max(1, articleCount))));
}

/** How much the phone keeps: the index budget is 1.5 MiB gzipped at 10,000 articles, the texts a few MiB. */
export interface OfflineBudget {
  maxArticles: number;
  /** Total Markdown kept for reading, in UTF-16 code units (a close stand-in for bytes once compressed). */
  maxBodyChars: number;
}

export const DEFAULT_BUDGET: OfflineBudget = { maxArticles: 10_000, maxBodyChars: 24 * 1024 * 1024 };

const FIELDS = ['title', 'tags', 'body'] as const;

/** The server's helpfulness boost (shared), to three decimals: the index stores it with each article. */
function storedBoost(helpful: number, notHelpful: number): number {
  return Math.round(helpfulnessBoost(helpful, notHelpful) * 1000) / 1000;
}

function indexedDocument(article: OfflineArticle, bodyChars: number) {
  return {
    id: article.id,
    slug: article.slug,
    title: article.title,
    // The `public` marker (KB_PUBLIC_TAG in shared/kb.ts, not imported: it would bring zod into the
    // worker) says who may read it, not what it is about; the server leaves it out too.
    tags: article.tags.filter((t) => t !== 'public').join(' '),
    body: markdownToText(article.body).slice(0, bodyChars),
    locale: article.locale,
    category: article.category,
    boost: storedBoost(article.helpful, article.notHelpful),
  };
}

type IndexedDocument = ReturnType<typeof indexedDocument>;

/**
 * Swapped neighbours ("vnp", "pirnter") are the commonest typo, and edit distance counts a swap as
 * two edits: too many for short words. Each term of 3 to 9 Latin letters also looks up its
 * swapped spellings, exactly (cheap: no fuzzy walk), at a lower weight.
 */
export function transpositionsOf(term: string): string[] {
  if (!/^[a-z]{3,9}$/.test(term)) return [];
  const out = new Set<string>();
  for (let i = 0; i + 1 < term.length; i += 1) {
    if (term[i] === term[i + 1]) continue;
    out.add(term.slice(0, i) + term[i + 1] + term[i] + term.slice(i + 2));
  }
  out.delete(term);
  return [...out];
}

const OPTIONS: Options<IndexedDocument> = {
  idField: 'id',
  fields: [...FIELDS],
  storeFields: ['slug', 'title', 'locale', 'category', 'boost'],
  tokenize: (text) => indexTokens(text),
  // indexTokens already folds, stems and drops stop words.
  processTerm: (term) => term,
  searchOptions: {
    boost: { title: 3, tags: 1.5, body: 1 },
    weights: { fuzzy: 0.45, prefix: 0.6 },
    // Queries arrive analysed (queryTerms): each sub-query is one term or a list of variants.
    tokenize: (text) => text.split(' '),
    processTerm: (term) => term,
  },
};

export type OfflineIndex = MiniSearch<IndexedDocument>;

export function buildIndex(articles: readonly OfflineArticle[]): OfflineIndex {
  const index = new MiniSearch<IndexedDocument>(OPTIONS);
  const bodyChars = bodyCharsFor(articles.length);
  for (const article of articles) index.add(indexedDocument(article, bodyChars));
  return index;
}

/** The index as a string to store (IndexedDB) and load later without re-reading every article. */
export function serializeIndex(index: OfflineIndex): string {
  return JSON.stringify(index);
}

export function loadIndex(json: string): OfflineIndex {
  return MiniSearch.loadJSON<IndexedDocument>(json, OPTIONS);
}

/** Replaces (or adds) one article in a loaded index. */
export function upsertIndexed(index: OfflineIndex, article: OfflineArticle): void {
  if (index.has(article.id)) index.discard(article.id);
  index.add(indexedDocument(article, bodyCharsFor(index.documentCount + 1)));
}

export function removeIndexed(index: OfflineIndex, id: number): void {
  if (index.has(id)) index.discard(id);
}

export interface OfflineSearchFilters {
  /** Only these languages (the person's). */
  locales?: readonly string[];
  category?: string | null;
  limit?: number;
}

/** One offline result, shaped like the server's search result, plus the terms that matched (for highlighting). */
export interface OfflineResult {
  id: number;
  slug: string;
  title: string;
  locale: string;
  category: string | null;
  score: number;
  terms: string[];
}

/** Few enough for a fast search, enough to say what a paragraph is about. */
const SUGGEST_TERMS = 16;

/**
 * Articles for a problem description (a paragraph, not a query): any of its salient terms may
 * match, typos forgiven, no prefix (a half-typed last word in a long text says little).
 */
export function suggestIndex(index: OfflineIndex, text: string, filters: OfflineSearchFilters = {}): OfflineResult[] {
  const terms = textTerms(text, SUGGEST_TERMS);
  if (terms.length === 0) return [];
  return rank(index, index.search({ combineWith: 'OR', queries: terms.map(termQuery) }, { filter: filterOf(filters) }), filters.limit ?? 3);
}

function filterOf(filters: OfflineSearchFilters): ((result: SearchResult) => boolean) | undefined {
  const locales = filters.locales && filters.locales.length > 0 ? new Set(filters.locales) : null;
  const category = filters.category ?? null;
  if (!locales && !category) return undefined;
  return (result) => (!locales || locales.has(result.locale as string)) && (!category || result.category === category);
}

/** One query term as MiniSearch runs it: the term (typo and prefix as analysed) or one of its swapped spellings. */
function termQuery(term: KbQueryTerm): Query {
  const exact: Query = { queries: [term.term], prefix: term.prefix, fuzzy: term.kind === 'word' && term.fuzzy ? 1 : false };
  const swapped = term.kind === 'word' && term.fuzzy ? transpositionsOf(term.term) : [];
  // The word being typed is kept as typed (so "prin" can grow), but once whole it is also its stem,
  // as the index has it: "cookies" is indexed as "cooky".
  const stem = term.prefix && term.kind === 'word' ? stemWord(term.term) : term.term;
  if (stem !== term.term) swapped.unshift(stem);
  if (swapped.length === 0) return exact;
  return { combineWith: 'OR', queries: [exact, { queries: [swapped.join(' ')], prefix: false, fuzzy: false, weights: { fuzzy: 0.45, prefix: 0.45 }, boostTerm: () => 0.45 }] };
}

/** A prefix shorter than this matches too much to be worth its cost ("a" → every word in a). */
const MIN_PREFIX = 3;

/**
 * The query's terms, with the expensive ones bounded: a word still being typed is a prefix only
 * from three letters on. Shorter, it is dropped when other words carry the query ("printer is"
 * is "printer"), and matched whole when it is the query. So one letter never walks the vocabulary.
 */
export function boundedTerms(query: string): KbQueryTerm[] {
  const terms = queryTerms(query);
  return terms.flatMap((term) => {
    if (!term.prefix || term.kind !== 'word' || term.term.length >= MIN_PREFIX) return [term];
    return terms.length > 1 ? [] : [{ ...term, prefix: false }];
  });
}

export function searchIndex(index: OfflineIndex, query: string, filters: OfflineSearchFilters = {}): OfflineResult[] {
  const terms = boundedTerms(query);
  if (terms.length === 0) return [];
  const filter = filterOf(filters);
  const groups = terms.map(termQuery);
  // Every term must match, as on the server; when that finds nothing (a word no article has), any
  // term may, so "vpn 连接失败" still finds the VPN article.
  let hits: SearchResult[] = index.search({ combineWith: 'AND', queries: groups }, { filter });
  if (hits.length === 0 && groups.length > 1) hits = index.search({ combineWith: 'OR', queries: groups }, { filter });
  return rank(index, hits, filters.limit ?? 10);
}

function rank(_index: OfflineIndex, hits: SearchResult[], wanted: number): OfflineResult[] {
  const limit = Math.max(1, Math.min(wanted, 50));
  // Helpfulness moves a score by at most ±20%, so it can only reorder results already near the top:
  // applying it to the best few (rather than per term per matching article inside the search) ranks
  // the same and keeps common terms cheap.
  const top = hits.slice(0, Math.max(limit * 3, 30));
  for (const hit of top) hit.score *= (hit as unknown as StoredFields).boost ?? 1;
  top.sort((a, b) => b.score - a.score);
  return top.slice(0, limit).map((hit) => ({
    id: hit.id as number,
    slug: hit.slug as string,
    title: hit.title as string,
    locale: hit.locale as string,
    category: (hit.category as string | null) ?? null,
    score: Math.round(hit.score * 1000) / 1000,
    terms: hit.terms,
  }));
}

/** What deciding what to keep needs to know of an article. */
export interface CapCandidate {
  id: number;
  views: number;
  updatedAt: string;
  /** Length of its Markdown. */
  chars: number;
}

/**
 * Which articles the phone keeps: all of them when they fit, else the most viewed (most recently
 * updated first among equals) up to the budget. `total` is what the base has, for "showing the N
 * most viewed of M articles offline".
 */
export function capArticles<T extends CapCandidate>(articles: readonly T[], budget: OfflineBudget = DEFAULT_BUDGET): { kept: T[]; total: number } {
  const ordered = [...articles].sort(
    (a, b) => b.views - a.views || (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : a.id - b.id),
  );
  const kept: T[] = [];
  let chars = 0;
  for (const article of ordered) {
    if (kept.length >= budget.maxArticles) break;
    if (chars + article.chars > budget.maxBodyChars) break;
    chars += article.chars;
    kept.push(article);
  }
  return { kept, total: articles.length };
}

/**
 * A result's snippet, as the server makes it: the article's visible text around the densest hits,
 * every character escaped and only `<mark>` added (safe to show as HTML). `matched` are the index
 * terms the search matched (typo and prefix variants included), so those are marked too.
 */
export function snippetOf(markdown: string, query: string, matched: readonly string[]): string {
  return buildSnippet(markdownToText(markdown), queryTerms(query), { variants: matched });
}

/**
 * The offline knowledge-base index: which articles a phone keeps, how they are indexed, and how a
 * query runs against them. Pure (no DOM, no IndexedDB), so the worker uses it in the browser and
 * the relevance test and the benchmark use the very same code in Node.
 *
 * Built on MiniSearch with the server's tokenisation (kbTerms): typos are forgiven on terms of four
 * characters or more, the last term of a query is a prefix (results while typing), titles weigh
 * more than tags and bodies, and articles people found helpful rank a little higher.
 */
import MiniSearch, { type Options, type SearchResult } from 'minisearch';
import { kbTerms } from './tokens';

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

/** How much of a body is indexed. Titles, tags and a body's opening carry what an article is about;
 * indexing every word of 10,000 bodies would triple the index for little better recall. */
export const BODY_INDEX_CHARS = 300;

/** How much the phone keeps: the index budget is 1.5 MiB gzipped at 10,000 articles, the texts a few MiB. */
export interface OfflineBudget {
  maxArticles: number;
  /** Total Markdown kept for reading, in UTF-16 code units (a close stand-in for bytes once compressed). */
  maxBodyChars: number;
}

export const DEFAULT_BUDGET: OfflineBudget = { maxArticles: 10_000, maxBodyChars: 24 * 1024 * 1024 };

const FIELDS = ['title', 'tags', 'body'] as const;

/** Words too common to help (kept online in the server's ranking; offline they only cost space). */
const STOPWORDS = new Set(
  'a an and are as at be by can do for from has have how i if in is it its my of on or so that the then this to was what when will with you your'.split(
    ' ',
  ),
);

function processTerm(term: string): string | null {
  return STOPWORDS.has(term) ? null : term;
}

/** Markdown to the words a person reads: no link targets, image sources, markup or HTML tags. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/```[^\n]*\n([\s\S]*?)```/g, '$1')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]*>/g, ' ')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+[.)])\s+/gm, '')
    .replace(/[*_`~|]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Helpful articles first: a gentle boost from the share of "yes" answers, neutral without answers. */
export function helpfulnessBoost(helpful: number, notHelpful: number): number {
  // Laplace-smoothed share of "yes": 1 answer moves little, 50 answers move it fully.
  const share = (helpful + 1) / (helpful + notHelpful + 2);
  return Math.round((0.8 + 0.4 * share) * 1000) / 1000;
}

function indexedDocument(article: OfflineArticle) {
  return {
    id: article.id,
    slug: article.slug,
    title: article.title,
    tags: article.tags.join(' '),
    body: plainText(article.body).slice(0, BODY_INDEX_CHARS),
    locale: article.locale,
    category: article.category,
    boost: helpfulnessBoost(article.helpful, article.notHelpful),
  };
}

type IndexedDocument = ReturnType<typeof indexedDocument>;

/**
 * Typos forgiven from four characters on: one edit up to 11 characters, two beyond. (Two edits on
 * an 8-letter word match much of the vocabulary and cost the most of any query; one catches "pasword".)
 */
export function fuzzinessOf(term: string): number | false {
  if (!/^[a-z0-9]+$/.test(term)) return false;
  const length = term.length;
  if (length < 4) return false;
  return length < 12 ? 1 : 2;
}

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
  tokenize: (text) => kbTerms(text),
  processTerm,
  searchOptions: {
    boost: { title: 3, tags: 1.5, body: 1 },
    // Only the last term is still being typed.
    prefix: (_term, index, terms) => index === terms.length - 1,
    fuzzy: (term) => fuzzinessOf(term),
    maxFuzzy: 2,
    weights: { fuzzy: 0.45, prefix: 0.6 },
  },
};

export type OfflineIndex = MiniSearch<IndexedDocument>;

export function buildIndex(articles: Iterable<OfflineArticle>): OfflineIndex {
  const index = new MiniSearch<IndexedDocument>(OPTIONS);
  for (const article of articles) index.add(indexedDocument(article));
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
  index.add(indexedDocument(article));
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

/** The longest query we search: a pasted paragraph must not make the phone stall. */
export const MAX_QUERY_CHARS = 200;
const MAX_QUERY_TERMS = 24;

export function searchIndex(index: OfflineIndex, query: string, filters: OfflineSearchFilters = {}): OfflineResult[] {
  const text = query.slice(0, MAX_QUERY_CHARS);
  const locales = filters.locales && filters.locales.length > 0 ? new Set(filters.locales) : null;
  const category = filters.category ?? null;
  const limit = Math.max(1, Math.min(filters.limit ?? 10, 50));
  const terms = kbTerms(text)
    .map((term) => processTerm(term))
    .filter((term): term is string => term !== null)
    .slice(0, MAX_QUERY_TERMS);
  if (terms.length === 0) return [];
  const swapped = [...new Set(terms.flatMap(transpositionsOf))];
  const filter =
    locales || category
      ? (result: SearchResult) => (!locales || locales.has(result.locale as string)) && (!category || result.category === category)
      : undefined;
  // Terms are already tokenised: the sub-queries take them as they are.
  const asIs = { tokenize: (value: string) => value.split(' '), processTerm: (term: string) => term };
  const hits: SearchResult[] = index.search(
    {
      combineWith: 'OR',
      queries: [
        { ...asIs, queries: [terms.join(' ')] },
        ...(swapped.length > 0 ? [{ ...asIs, queries: [swapped.join(' ')], fuzzy: false, prefix: false, boostTerm: () => 0.5 }] : []),
      ],
    },
    { filter },
  );
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

/** A piece of a snippet: shown as text, `hit` pieces highlighted. Never HTML, so nothing in an article can run. */
export interface SnippetPart {
  text: string;
  hit: boolean;
}

/**
 * The part of an article around its first matched term, with the matched terms marked. `terms`
 * are index terms (lower-case words, Chinese bigrams); matching is on the folded text.
 */
export function snippetOf(markdown: string, terms: readonly string[], maxChars = 160): SnippetPart[] {
  const text = plainText(markdown);
  const folded = text.normalize('NFKC').toLowerCase();
  // Folding keeps lengths for the scripts we index; if it did not, highlight nothing rather than the wrong place.
  const aligned = folded.length === text.length;
  const wanted = [...new Set(terms)].filter((term) => term.length > 0).sort((a, b) => b.length - a.length);
  let first = -1;
  if (aligned) {
    for (const term of wanted) {
      const at = folded.indexOf(term);
      if (at >= 0 && (first < 0 || at < first)) first = at;
    }
  }
  const start = first < 0 ? 0 : Math.max(0, first - Math.floor(maxChars / 4));
  const end = Math.min(text.length, start + maxChars);
  const window = text.slice(start, end);
  const foldedWindow = folded.slice(start, end);
  const parts: SnippetPart[] = [];
  const push = (value: string, hit: boolean) => {
    if (!value) return;
    const last = parts[parts.length - 1];
    if (last && last.hit === hit) last.text += value;
    else parts.push({ text: value, hit });
  };
  if (start > 0) push('… ', false);
  let i = 0;
  while (i < window.length) {
    const term = aligned ? wanted.find((t) => foldedWindow.startsWith(t, i)) : undefined;
    if (term) {
      push(window.slice(i, i + term.length), true);
      i += term.length;
    } else {
      push(window[i]!, false);
      i += 1;
    }
  }
  if (end < text.length) push(' …', false);
  return parts;
}

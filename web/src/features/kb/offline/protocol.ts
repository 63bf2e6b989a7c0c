/**
 * What the page and the offline-search worker say to each other, and what the export sends.
 * Types only (plus one small parser), so the page's bundle gains nothing from it.
 */
import type { OfflineArticle, OfflineResult, OfflineSearchFilters, SnippetPart } from './search-index';

/** Where the offline copy stands, for the page ("showing the N most viewed of M articles offline"). */
export interface OfflineKbStatus {
  /** An index is loaded and can answer. */
  ready: boolean;
  /** Articles kept on this device. */
  kept: number;
  /** Articles the base has in the person's languages (kept < total: the most viewed are kept). */
  total: number;
  /** When the copy last caught up with the server (ISO), null before the first sync. */
  syncedAt: string | null;
  syncing: boolean;
  /** The last sync failed (offline, server error); the copy is as of `syncedAt`. */
  lastSyncFailed: boolean;
}

export interface OfflineSearchResult extends Omit<OfflineResult, 'terms'> {
  snippet: SnippetPart[];
}

/** An article as read offline. */
export type OfflineArticleCopy = Pick<OfflineArticle, 'id' | 'slug' | 'title' | 'body' | 'locale' | 'category' | 'tags' | 'updatedAt'>;

export type WorkerRequest =
  | { type: 'open'; owner: string; locales: string[] }
  | { type: 'sync' }
  | { type: 'search'; query: string; filters: OfflineSearchFilters }
  | { type: 'article'; slug: string; locales: string[] }
  | { type: 'clear' };

export type WorkerCall = WorkerRequest & { call: number };

export type WorkerReply =
  | { call: number; ok: true; value: unknown }
  | { call: number; ok: false; error: string }
  /** Sent whenever the status changes, unasked. */
  | { call: null; status: OfflineKbStatus };

/** One page of `GET /api/kb/export?since=`: what changed after the cursor. */
export interface ExportPage {
  articles: OfflineArticle[];
  /** Articles no longer published (archived, deleted, unpublished) since the cursor. */
  removed: number[];
  /** Pass back as `since` for the next page or the next sync. */
  cursor: string;
  /** More changes wait after this page. */
  more: boolean;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

function articleFrom(value: unknown): OfflineArticle | null {
  if (typeof value !== 'object' || value === null) return null;
  const a = value as Record<string, unknown>;
  if (!Number.isSafeInteger(a.id) || !isString(a.slug) || !isString(a.title) || !isString(a.body) || !isString(a.locale)) return null;
  return {
    id: a.id as number,
    slug: a.slug,
    title: a.title,
    body: a.body,
    locale: a.locale,
    category: isString(a.category) ? a.category : null,
    tags: Array.isArray(a.tags) ? a.tags.filter(isString) : [],
    views: isCount(a.views) ? a.views : 0,
    helpful: isCount(a.helpful) ? a.helpful : 0,
    notHelpful: isCount(a.notHelpful) ? a.notHelpful : 0,
    updatedAt: isString(a.updatedAt) ? a.updatedAt : '',
  };
}

/** Reads an export page; anything malformed is dropped (one bad article must not stop the rest). */
export function parseExportPage(body: unknown): ExportPage | null {
  if (typeof body !== 'object' || body === null) return null;
  const page = body as Record<string, unknown>;
  if (!Array.isArray(page.articles) || !isString(page.cursor)) return null;
  const articles = page.articles.map(articleFrom).filter((a): a is OfflineArticle => a !== null);
  const removed = Array.isArray(page.removed) ? page.removed.filter((id): id is number => Number.isSafeInteger(id)) : [];
  return { articles, removed, cursor: page.cursor, more: page.more === true };
}

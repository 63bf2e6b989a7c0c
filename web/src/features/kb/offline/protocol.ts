/**
 * What the page and the offline-search worker say to each other, and what the export sends.
 * Types only (plus one small parser), so the page's bundle gains nothing from it.
 */
import type { KbSearchResult } from '../../../../../shared/kb';
import type { OfflineArticle, OfflineSearchFilters } from './search-index';

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

/** A search answered offline: the same shape as the server's (snippet as safe HTML with `<mark>`). */
export type OfflineSearchResult = KbSearchResult;

/** An article as read offline. */
export type OfflineArticleCopy = Pick<OfflineArticle, 'id' | 'slug' | 'title' | 'body' | 'locale' | 'category' | 'tags' | 'updatedAt'>;

export type WorkerRequest =
  | { type: 'open'; owner: string; locales: string[] }
  | { type: 'sync' }
  | { type: 'search'; query: string; filters: OfflineSearchFilters }
  | { type: 'suggest'; text: string; filters: OfflineSearchFilters }
  | { type: 'article'; slug: string; locales: string[] }
  | { type: 'clear' };

export type WorkerCall = WorkerRequest & { call: number };

export type WorkerReply =
  | { call: number; ok: true; value: unknown }
  | { call: number; ok: false; error: string }
  /** Sent whenever the status changes, unasked. */
  | { call: null; status: OfflineKbStatus };

/** One page of `GET /api/kb/export?since=` (KbExportAnswer in shared/kb.ts), as the worker keeps it. */
export interface ExportPage {
  articles: OfflineArticle[];
  /** Articles no longer published (archived, deleted, unpublished) since the cursor. */
  removed: number[];
  /** Pass back as `since` for the next page or the next sync. */
  cursor: number;
  /** More changes wait after this page. */
  more: boolean;
  /** Published articles in the asked languages. */
  total: number;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function articleFrom(value: unknown): OfflineArticle | null {
  if (typeof value !== 'object' || value === null) return null;
  const a = value as Record<string, unknown>;
  if (!isCount(a.id) || !isString(a.slug) || !isString(a.title) || !isString(a.body) || !isString(a.locale)) return null;
  return {
    id: a.id,
    slug: a.slug,
    title: a.title,
    body: a.body,
    locale: a.locale,
    category: isString(a.category) ? a.category : null,
    tags: Array.isArray(a.tags) ? a.tags.filter(isString) : [],
    views: isCount(a.viewCount) ? a.viewCount : 0,
    helpful: isCount(a.helpfulCount) ? a.helpfulCount : 0,
    notHelpful: isCount(a.unhelpfulCount) ? a.unhelpfulCount : 0,
    updatedAt: isString(a.updatedAt) ? a.updatedAt : '',
  };
}

/** Reads an export page; a malformed article is dropped (one bad article must not stop the rest). */
export function parseExportPage(body: unknown): ExportPage | null {
  if (typeof body !== 'object' || body === null) return null;
  const page = body as Record<string, unknown>;
  if (!Array.isArray(page.articles) || !isCount(page.cursor)) return null;
  const articles = page.articles.map(articleFrom).filter((a): a is OfflineArticle => a !== null);
  const removed = Array.isArray(page.removed) ? page.removed.filter(isCount) : [];
  return { articles, removed, cursor: page.cursor, more: page.more === true, total: isCount(page.total) ? page.total : 0 };
}

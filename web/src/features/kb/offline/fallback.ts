/**
 * What the knowledge-base store shows when the server cannot be reached: search results and
 * articles from this device's offline copy, in the shapes the server answers with.
 */
import type { KbArticle, KbLocale, KbSearchFilters, KbSearchResult } from '../types';
import { offlineKb } from './client';

export function searchOnDevice(query: string, filters: KbSearchFilters): Promise<KbSearchResult[]> {
  return offlineKb.search(query, {
    ...(filters.locale ? { locales: [filters.locale] } : {}),
    category: filters.category ?? null,
    limit: filters.limit ?? 20,
  });
}

/** Suggestions for a problem description, from this device's copy. */
export function suggestOnDevice(text: string, limit = 3): Promise<KbSearchResult[]> {
  return offlineKb.suggest(text, limit);
}

/** The article as the page needs it; what the copy does not keep (versions, feedback counts, links) is left empty. */
export async function articleOnDevice(slug: string): Promise<KbArticle | null> {
  const copy = await offlineKb.article(slug);
  if (!copy) return null;
  return {
    id: copy.id,
    slug: copy.slug,
    title: copy.title,
    body: copy.body,
    locale: copy.locale as KbLocale,
    category: copy.category,
    tags: copy.tags,
    status: 'published',
    owner: null,
    translationGroup: copy.id,
    reviewBy: null,
    lastReviewedAt: copy.updatedAt || null,
    publishedAt: copy.updatedAt || null,
    createdAt: copy.updatedAt,
    updatedAt: copy.updatedAt,
    version: 0,
    viewCount: 0,
    helpfulCount: 0,
    unhelpfulCount: 0,
    translations: [],
    related: [],
  };
}

/**
 * What the knowledge-base screens read from the API (see the README's API table). Kept beside the
 * screens that use them; the request bodies are validated on the server by the shared schemas.
 */

export type ArticleStatus = 'draft' | 'published' | 'archived';
export const ARTICLE_STATUSES: readonly ArticleStatus[] = ['draft', 'published', 'archived'];

/** The languages articles are written in (the same tags as the UI's). */
export const ARTICLE_LOCALES = ['en', 'zh-CN', 'zh-TW'] as const;
export type ArticleLocale = (typeof ARTICLE_LOCALES)[number];

export interface KbSearchFilters {
  locale?: string;
  category?: string;
  limit?: number;
}

export interface KbSearchResult {
  id: number | string;
  slug: string;
  title: string;
  /** Escaped text with <mark> around the hits: sanitised again before it reaches the DOM (snippet.ts). */
  snippet: string;
  locale: string;
  category: string | null;
  score: number;
}

export interface KbCategory {
  /** The category as articles carry it (and as the search filter takes it). */
  name: string;
  count?: number;
}

export interface KbArticleRef {
  id?: number | string;
  slug: string;
  title: string;
  locale: string;
}

export interface KbArticle {
  id: number | string;
  slug: string;
  title: string;
  /** Markdown. */
  body: string;
  locale: string;
  category: string | null;
  tags: string[];
  status: ArticleStatus;
  owner?: string | null;
  reviewBy?: string | null;
  /** When someone last confirmed the article is right (ISO date-time). */
  reviewedAt?: string | null;
  updatedAt?: string;
  /** The article this one translates, if it is a translation. */
  translationOf?: number | string | null;
  /** The same article in other languages (this one left out). */
  translations?: KbArticleRef[];
  related?: KbArticleRef[];
  views?: number;
}

/** What authoring sends (POST /api/kb/articles, PUT /api/kb/articles/{id}). */
export interface ArticleInput {
  title: string;
  body: string;
  locale: string;
  category?: string;
  tags?: string[];
  status: ArticleStatus;
  slug?: string;
  owner?: string;
  reviewBy?: string | null;
  translationOf?: number | string | null;
}

export interface KbVersionSummary {
  version: number;
  title: string;
  createdAt: string;
  author?: string | null;
  status?: ArticleStatus;
}

export interface KbVersion extends KbVersionSummary {
  body: string;
}

export interface KbQueryCount {
  query: string;
  count: number;
}

export interface KbAnalytics {
  topSearches: KbQueryCount[];
  zeroResults: KbQueryCount[];
  notHelpful: { id: number | string; slug: string; title: string; notHelpful: number; helpful: number }[];
}

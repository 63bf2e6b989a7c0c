import { z } from 'zod';

/**
 * The knowledge base's API shapes, read by the server (validation) and the web (forms, typed
 * answers). Search tokenisation lives beside it in shared/kb-text.ts.
 */

/** Languages an article can be written in; the same tags as the portal's UI languages. */
export const KB_LOCALES = ['en', 'zh-CN', 'zh-TW'] as const;
export type KbLocale = (typeof KB_LOCALES)[number];
export const kbLocaleSchema = z.enum(KB_LOCALES);

/** Only published articles are searchable, exported for offline use and readable by employees. */
export const KB_STATUSES = ['draft', 'published', 'archived'] as const;
export type KbStatus = (typeof KB_STATUSES)[number];
export const kbStatusSchema = z.enum(KB_STATUSES);

/** Lower-case ASCII words joined by single hyphens: stable, shareable URLs (`/kb/reset-your-password`). */
export const KB_SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const KB_SLUG_MAX = 80;
/**
 * Addresses of the portal's own knowledge-base pages (`/kb/new`, `/kb/manage`, `/kb/analytics`):
 * an article there could never be opened, so no article may take one.
 */
export const KB_RESERVED_SLUGS: readonly string[] = ['new', 'manage', 'analytics'];

export const kbSlugSchema = z
  .string()
  .trim()
  .min(1)
  .max(KB_SLUG_MAX)
  .regex(KB_SLUG_PATTERN, 'Use lower-case letters, digits and single hyphens.')
  .refine((slug) => !KB_RESERVED_SLUGS.includes(slug), 'That address belongs to a page of the portal. Choose another.');

/** A category is a short slug-like key ("network", "accounts"); the web translates known ones. */
export const kbCategorySchema = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(KB_SLUG_PATTERN, 'Use lower-case letters, digits and single hyphens.');

/** Tags are free words (any script), trimmed, up to 40 characters, no commas. */
export const kbTagSchema = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[^,<>]+$/, 'A tag has no commas or angle brackets.');

/**
 * The knowledge base is internal (articles name internal systems and addresses), but someone
 * locked out of their account is exactly who needs "how to reset my password": a published
 * article tagged `public` is readable without signing in (GET /api/kb/public lists them for the
 * sign-in page). Everything else, drafts, search, analytics and authoring stay behind a session.
 */
export const KB_PUBLIC_TAG = 'public';

/** The articles a signed-out person may read, for the sign-in page's help links. */
export interface KbPublicAnswer {
  articles: KbArticleLink[];
}

export const KB_TITLE_MAX = 200;
/** Long enough for any real how-to; a pasted log or image blob is refused, not truncated. */
export const KB_BODY_MAX = 100_000;

/**
 * A slug made from a title: ASCII words only. A title with no ASCII letters (Chinese) gives ''
 * and the server then makes one from the article's id, so a slug is never empty.
 */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, KB_SLUG_MAX - 8) // room for a "-12345" suffix that makes it unique
    .replace(/-+$/, '');
  return KB_RESERVED_SLUGS.includes(slug) ? `${slug}-article` : slug;
}

/** An ISO calendar date `YYYY-MM-DD` (review-by dates are days, not instants). */
export const kbDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a date like 2027-01-31.');

/** `POST /api/kb/articles` and `PUT /api/kb/articles/{id}`: the whole article (PUT replaces). */
export const kbArticleInputSchema = z.strictObject({
  title: z.string().trim().min(1, 'Give the article a title.').max(KB_TITLE_MAX),
  /** Markdown. Rendered and sanitised on display, never trusted. */
  body: z.string().max(KB_BODY_MAX),
  locale: kbLocaleSchema,
  category: kbCategorySchema.nullable().optional(),
  tags: z.array(kbTagSchema).max(20).optional(),
  status: kbStatusSchema.default('draft'),
  /** Leave out to derive one from the title; must be unique. */
  slug: kbSlugSchema.optional(),
  /** Links this article as a translation of another (joins its translation group). */
  translationOf: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
  /** Review this article by then; the owner is reminded by mail once it is past. */
  reviewBy: kbDateSchema.nullable().optional(),
  /** The username responsible for the article; defaults to the author. */
  owner: z.string().trim().min(1).max(256).optional(),
  /**
   * The version the editor started from. When given and the article has moved on since, the save
   * is refused (409) instead of silently overwriting a colleague's change.
   */
  baseVersion: z.number().int().min(1).optional(),
});
export type KbArticleInput = z.input<typeof kbArticleInputSchema>;

/** An article id in a path parameter. */
export const kbIdParamSchema = z.strictObject({
  id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});
/** A slug in a path parameter (not validated as strictly as a new slug: unknown ones are 404). */
export const kbSlugParamSchema = z.strictObject({ slug: z.string().min(1).max(200) });
export const kbVersionParamSchema = z.strictObject({
  id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  n: z.coerce.number().int().min(1).max(1_000_000),
});

/** An article in a list, a search hit's target, a translation or related link. */
export interface KbArticleLink {
  id: number;
  slug: string;
  title: string;
  locale: KbLocale;
  category: string | null;
}

/** `GET /api/kb/articles/{slug}`, and the answer to create/update/restore. */
export interface KbArticle extends KbArticleLink {
  body: string;
  tags: string[];
  status: KbStatus;
  owner: string | null;
  /** Articles in the same translation group share it (the id of the group's first article). */
  translationGroup: number;
  /** YYYY-MM-DD or null. */
  reviewBy: string | null;
  /** ISO 8601: when it was last published or re-published ("last reviewed"). */
  lastReviewedAt: string | null;
  publishedAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** The number of the latest saved version. */
  version: number;
  viewCount: number;
  helpfulCount: number;
  unhelpfulCount: number;
  /** The other languages of this article that a reader may open (published ones; all for editors). */
  translations: KbArticleLink[];
  /** A few published articles on the same subject. */
  related: KbArticleLink[];
}

/** `GET /api/kb/articles/{id}/versions`: newest first. */
export interface KbVersion {
  version: number;
  title: string;
  body: string;
  locale: KbLocale;
  category: string | null;
  tags: string[];
  status: KbStatus;
  savedBy: string | null;
  /** ISO 8601. */
  savedAt: string;
}

/** `GET /api/kb/articles?status=&locale=&limit=&offset=` for editors: every article, newest change first. */
export const kbListQuerySchema = z.strictObject({
  status: kbStatusSchema.optional(),
  locale: kbLocaleSchema.optional(),
  category: kbCategorySchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export interface KbArticleSummary extends KbArticleLink {
  status: KbStatus;
  owner: string | null;
  reviewBy: string | null;
  updatedAt: string;
  version: number;
  viewCount: number;
  helpfulCount: number;
  unhelpfulCount: number;
}

export const KB_QUERY_MAX = 200;
/** `GET /api/kb/search?q=&locale=&category=&limit=` */
export const kbSearchQuerySchema = z.strictObject({
  q: z.string().trim().min(1, 'Type something to search for.').max(KB_QUERY_MAX),
  locale: kbLocaleSchema.optional(),
  category: kbCategorySchema.optional(),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});
export type KbSearchQuery = z.output<typeof kbSearchQuerySchema>;

export interface KbSearchResult {
  id: number;
  slug: string;
  title: string;
  /**
   * A short plain-text extract as HTML: every character of the article is escaped and only
   * `<mark>…</mark>` around matched words is markup, so it may be shown with v-html.
   */
  snippet: string;
  locale: KbLocale;
  category: string | null;
  /** Higher is better; only comparable within one answer. */
  score: number;
}
export interface KbSearchAnswer {
  results: KbSearchResult[];
}

/** `GET /api/kb/suggest?text=&locale=&limit=`: articles for a free-text problem description. */
export const kbSuggestQuerySchema = z.strictObject({
  text: z.string().trim().min(1).max(2000),
  locale: kbLocaleSchema.optional(),
  limit: z.coerce.number().int().min(1).max(10).default(3),
});
export type KbSuggestAnswer = KbSearchAnswer;

/** `POST /api/kb/articles/{id}/feedback` */
export const kbFeedbackInputSchema = z.strictObject({
  helpful: z.boolean(),
  comment: z.string().trim().max(2000).optional(),
});
export type KbFeedbackInput = z.infer<typeof kbFeedbackInputSchema>;
export interface KbFeedbackAnswer {
  helpfulCount: number;
  unhelpfulCount: number;
}

/**
 * `GET /api/kb/export?since=&limit=`: what changed for the offline index since a cursor. Page
 * until `more` is false, then keep `cursor` for the next sync. `since` omitted = everything.
 */
export const kbExportQuerySchema = z.strictObject({
  since: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  locale: z
    .union([kbLocaleSchema, z.array(kbLocaleSchema)])
    .optional()
    .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v])),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
export interface KbExportArticle extends KbArticleLink {
  body: string;
  tags: string[];
  translationGroup: number;
  updatedAt: string;
  viewCount: number;
  helpfulCount: number;
  unhelpfulCount: number;
}
export interface KbExportAnswer {
  /** Published articles changed after `since` (create or replace them locally). */
  articles: KbExportArticle[];
  /** Ids no longer readable (archived, back to draft, or deleted): drop them locally. */
  removed: number[];
  /** Pass as `since` next time. */
  cursor: number;
  /** More changes wait: ask again at once with `since=cursor`. */
  more: boolean;
  /** How many published articles exist in the asked languages (to tell when a device keeps only some). */
  total: number;
}

/**
 * The longest look back analytics offer, in days. Logged searches older than this are read by
 * nothing, and housekeeping deletes them.
 */
export const KB_ANALYTICS_MAX_DAYS = 365;

/** `GET /api/kb/analytics?days=` (help desk). */
export const kbAnalyticsQuerySchema = z.strictObject({
  days: z.coerce.number().int().min(1).max(KB_ANALYTICS_MAX_DAYS).default(30),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export interface KbAnalytics {
  /** The period looked at, ISO 8601. */
  since: string;
  topSearches: { query: string; count: number; zeroResultCount: number }[];
  /** Searches that found nothing: a list of articles to write. */
  zeroResults: { query: string; count: number; locale: KbLocale | null; lastAt: string }[];
  /** Articles most often marked "didn't help" in the period, with the latest comments. */
  unhelpful: (KbArticleLink & { unhelpful: number; helpful: number; comments: string[] })[];
  totals: { searches: number; zeroResultSearches: number; views: number; feedback: number };
}

/** `GET /api/kb/categories`: the categories published articles use, with counts. */
export interface KbCategory {
  category: string;
  count: number;
}

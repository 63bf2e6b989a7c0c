import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { normalizeText, queryTerms } from '../../../shared/kb-text.js';
import {
  KB_PUBLIC_TAG,
  type KbAnalytics,
  type KbArticle,
  type KbArticleLink,
  type KbArticleSummary,
  type KbCategory,
  type KbExportAnswer,
  type KbFeedbackAnswer,
  type KbLocale,
  type KbSearchResult,
  type KbStatus,
  type KbVersion,
  kbArticleInputSchema,
  slugify,
} from '../../../shared/kb.js';
import type { AuditTrail } from '../../audit/audit.js';
import { type Executor, withTransaction } from '../../db/transaction.js';
import { AppError, errors } from '../../errors.js';
import { type IndexableArticle, type SearchEngine, reindex, searchArticles, suggestArticles, tagsOf } from '../../kb/search/index.js';
import type { MatchCache, RankedMatch, TermCache, VocabularyEntry } from '../../kb/search/search.js';
import type { Clock } from '../../platform/clock.js';
import type { SearchCache } from '../../kb/search/cache.js';
import { type KbChanges, readChangesEachTime } from './changes.js';
import * as repo from './repository.js';
import { type SearchLog, writeSearchLog } from './search-log.js';
import type { z } from 'zod';

/** What the knowledge base needs; built from AppDeps by the routes, or by the import CLI. */
export interface KbDeps {
  db: Executor;
  engine: SearchEngine;
  audit: AuditTrail;
  clock: Clock;
  /** Recent search and suggestion answers (the HTTP app keeps one; absent: every query runs). */
  cache?: SearchCache<KbSearchResult[]>;
  /** Recent searches' ranked matches, by what each query expands to (see MatchCache; absent: none kept). */
  matchCache?: SearchCache<RankedMatch[]>;
  /** What the vocabulary said of recent queries' terms (see TermCache; absent: every search looks its terms up). */
  termCache?: SearchCache<VocabularyEntry>;
  /** PostgreSQL: longest any one statement of a search may run (default SEARCH_TIMEOUT_MS). */
  searchTimeoutMs?: number;
  /**
   * PostgreSQL: connections that cancel statements after the search timeout (see
   * DatabaseHandle.withStatementTimeout). Absent: each search sets it in a transaction of its own.
   */
  boundedDb?: Executor | null;
  /** Where searches are logged for analytics, in batches (the HTTP app keeps one; absent: each search writes its row). */
  searchLog?: SearchLog;
  /** How the caches learn of changes (the HTTP app keeps one, see kbChangesFor; absent: the counter is read on every search). */
  changes?: KbChanges;
}

/** Who is acting: their username and whether they may edit (see draft articles, all translations). */
export interface KbActor {
  username: string;
  canEdit: boolean;
  ip?: string | null;
  userAgent?: string | null;
}

export type ArticleInput = z.output<typeof kbArticleInputSchema>;

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

function linkOf(row: { id: number; slug: string; title: string; locale: string; category: string | null }): KbArticleLink {
  return { id: row.id, slug: row.slug, title: row.title, locale: row.locale as KbLocale, category: row.category };
}

function indexable(row: repo.ArticleRow): IndexableArticle {
  return { id: row.id, title: row.title, body: row.body, tags: tagsOf(row), locale: row.locale, category: row.category };
}

function summaryOf(row: repo.ArticleRow): KbArticleSummary {
  return {
    ...linkOf(row),
    status: row.status as KbStatus,
    owner: row.owner,
    reviewBy: row.review_by,
    updatedAt: iso(row.updated_at)!,
    version: row.version,
    viewCount: Number(row.view_count),
    helpfulCount: Number(row.helpful_count),
    unhelpfulCount: Number(row.unhelpful_count),
  };
}

async function articleView(deps: KbDeps, row: repo.ArticleRow, actor: KbActor, withRelated = true): Promise<KbArticle> {
  const translations = await repo.translationsOf(deps.db, row.translation_group, row.id, !actor.canEdit);
  // Related articles are for readers; an editor's save answer does without the extra search.
  const related = withRelated ? await relatedArticles(deps, row) : [];
  return {
    ...summaryOf(row),
    body: row.body,
    tags: tagsOf(row),
    translationGroup: row.translation_group,
    lastReviewedAt: iso(row.last_reviewed_at),
    publishedAt: iso(row.published_at),
    createdAt: iso(row.created_at)!,
    translations: translations.map(linkOf),
    related,
  };
}

/** Related articles: the best search matches for this article's title and tags in its language, then its category. */
async function relatedArticles(deps: KbDeps, row: repo.ArticleRow): Promise<KbArticleLink[]> {
  // Bounded like a search; past the timeout the article still opens, with fewer related links.
  const found = await bounded(deps, (db) =>
    suggestArticles(deps.engine, db, [row.title, ...tagsOf(row)].join(' '), { locale: row.locale as KbLocale, limit: 8 }),
  ).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'kb_search_too_broad') return [];
    throw error;
  });
  const group = await repo.translationsOf(deps.db, row.translation_group, row.id, false);
  const skip = new Set([row.id, ...group.map((g) => g.id)]);
  const out: KbArticleLink[] = found
    .filter((r) => !skip.has(r.id))
    .map((r) => ({ id: r.id, slug: r.slug, title: r.title, locale: r.locale, category: r.category }));
  if (out.length < 5 && row.category) {
    for (const r of await repo.sameCategoryArticles(deps.db, row, 5)) {
      if (!skip.has(r.id) && !out.some((o) => o.id === r.id)) out.push(linkOf(r));
    }
  }
  return out.slice(0, 5);
}

/** A unique slug: the one asked for (refused when taken), else one made from the title. */
async function chooseSlug(trx: Executor, input: { slug?: string | undefined; title: string }, exceptId?: number): Promise<string> {
  if (input.slug) {
    if (await repo.slugTaken(trx, input.slug, exceptId)) throw errors.kbSlugTaken();
    return input.slug;
  }
  const base = slugify(input.title) || 'article';
  for (let n = 1; n <= 20; n++) {
    const candidate = n === 1 && base !== 'article' ? base : `${base}-${n === 1 ? randomBytes(3).toString('hex') : n}`;
    if (!(await repo.slugTaken(trx, candidate, exceptId))) return candidate;
  }
  return `${base}-${randomBytes(6).toString('hex')}`;
}

/** The translation group an article joins: the group of `translationOf`, which must not hold this language yet. */
async function groupFor(trx: Executor, translationOf: number, locale: string, exceptId?: number): Promise<number> {
  const source = await repo.findArticleById(trx, translationOf);
  if (!source) throw errors.validationFailed({ translationOf: 'There is no article with that id.' });
  const members = await repo.translationsOf(trx, source.translation_group, exceptId ?? -1, false);
  const all = [...members, ...(source.id === exceptId ? [] : [source])];
  if (all.some((m) => m.locale === locale && m.id !== exceptId)) {
    throw errors.validationFailed({ translationOf: 'That article already has a translation in this language.' });
  }
  return source.translation_group;
}

/** `POST /api/kb/articles`: a new article, version 1, indexed when published. */
export async function createArticle(deps: KbDeps, actor: KbActor, input: ArticleInput): Promise<KbArticle> {
  const now = deps.clock.now();
  const id = await withTransaction(deps.db, async (trx) => {
    const slug = await chooseSlug(trx, input);
    const published = input.status === 'published';
    const group = input.translationOf ? await groupFor(trx, input.translationOf, input.locale) : 0;
    const id = await repo.insertArticle(trx, {
      slug,
      translation_group: group,
      locale: input.locale,
      title: input.title,
      body: input.body,
      category: input.category ?? null,
      tags: JSON.stringify(input.tags ?? []),
      status: input.status,
      owner: input.owner ?? actor.username,
      review_by: input.reviewBy ?? null,
      published_at: published ? now : null,
      last_reviewed_at: published ? now : null,
      created_at: now,
      updated_at: now,
      version: 1,
      change_seq: await repo.nextChangeSeq(trx),
    });
    if (!group) await repo.updateArticleRow(trx, id, { translation_group: id });
    const row = (await repo.findArticleById(trx, id))!;
    await repo.insertVersion(trx, row, actor.username, now);
    if (published) await reindex(deps.engine, trx, [], [indexable(row)]);
    await deps.audit.record(
      {
        action: 'kb.article.create',
        actor: actor.username,
        subject: slug,
        result: 'success',
        ip: actor.ip ?? null,
        userAgent: actor.userAgent ?? null,
        details: { id, status: input.status, locale: input.locale },
      },
      trx,
    );
    return id;
  });
  deps.changes?.changed();
  return articleView(deps, (await repo.findArticleById(deps.db, id))!, actor, false);
}

/** Whether a save changes anything a reader or editor could see. */
function changes(row: repo.ArticleRow, next: repo.NewArticle): boolean {
  return (
    row.slug !== next.slug ||
    row.title !== next.title ||
    row.body !== next.body ||
    row.locale !== next.locale ||
    row.category !== next.category ||
    row.tags !== next.tags ||
    row.status !== next.status ||
    row.owner !== next.owner ||
    row.review_by !== next.review_by ||
    row.translation_group !== next.translation_group
  );
}

/**
 * `PUT /api/kb/articles/{id}`: replaces the article; each save that changes something is a new
 * version, re-indexed (or dropped from the index when no longer published) in the same transaction.
 */
export async function updateArticle(
  deps: KbDeps,
  actor: KbActor,
  id: number,
  input: ArticleInput,
  action: 'kb.article.update' | 'kb.article.restore' = 'kb.article.update',
): Promise<{ article: KbArticle; changed: boolean }> {
  const now = deps.clock.now();
  const changed = await withTransaction(deps.db, async (trx) => {
    const row = await repo.findArticleById(trx, id);
    if (!row) throw errors.notFound('That article');
    if (input.baseVersion !== undefined && input.baseVersion !== row.version) throw errors.kbVersionConflict(row.version);
    const slug = input.slug && input.slug !== row.slug ? await chooseSlug(trx, input, id) : row.slug;
    let group = row.translation_group;
    if (input.translationOf === null) group = id;
    else if (input.translationOf !== undefined && input.translationOf !== id)
      group = await groupFor(trx, input.translationOf, input.locale, id);
    else if (input.locale !== row.locale) {
      // Changing language inside a group must not give the group two articles in one language.
      const members = await repo.translationsOf(trx, group, id, false);
      if (members.some((m) => m.locale === input.locale)) {
        throw errors.validationFailed({ locale: 'This article already has a translation in that language.' });
      }
    }
    const published = input.status === 'published';
    const next: repo.NewArticle = {
      slug,
      translation_group: group,
      locale: input.locale,
      title: input.title,
      body: input.body,
      category: input.category === undefined ? row.category : input.category,
      tags: input.tags === undefined ? row.tags : JSON.stringify(input.tags),
      status: input.status,
      owner: input.owner ?? row.owner,
      review_by: input.reviewBy === undefined ? row.review_by : input.reviewBy,
      published_at: published ? (row.published_at ?? now) : row.published_at,
      // Saving a published article is reviewing it.
      last_reviewed_at: published ? now : row.last_reviewed_at,
      created_at: row.created_at,
      updated_at: now,
      version: row.version + 1,
      change_seq: row.change_seq,
    };
    if (!changes(row, next)) return false;
    // Only a change readers could see moves the offline cursor.
    next.change_seq = await repo.nextChangeSeq(trx);
    await repo.updateArticleRow(trx, id, next);
    const updated = (await repo.findArticleById(trx, id))!;
    await repo.insertVersion(trx, updated, actor.username, now);
    await reindex(deps.engine, trx, row.status === 'published' ? [indexable(row)] : [], published ? [indexable(updated)] : []);
    await deps.audit.record(
      {
        action,
        actor: actor.username,
        subject: updated.slug,
        result: 'success',
        ip: actor.ip ?? null,
        userAgent: actor.userAgent ?? null,
        details: { id, version: updated.version, status: updated.status, ...(row.status !== updated.status ? { from: row.status } : {}) },
      },
      trx,
    );
    return true;
  });
  if (changed) deps.changes?.changed();
  return { article: await articleView(deps, (await repo.findArticleById(deps.db, id))!, actor, false), changed };
}

/** `POST /api/kb/articles/{id}/versions/{n}/restore`: a new version with an old version's content (status kept). */
export async function restoreVersion(deps: KbDeps, actor: KbActor, id: number, n: number): Promise<KbArticle> {
  const row = await repo.findArticleById(deps.db, id);
  if (!row) throw errors.notFound('That article');
  const version = await repo.findVersion(deps.db, id, n);
  if (!version) throw errors.notFound('That version');
  const { article } = await updateArticle(
    deps,
    actor,
    id,
    {
      title: version.title,
      body: version.body,
      locale: row.locale as KbLocale,
      category: version.category,
      tags: tagsOf(version),
      status: row.status as KbStatus,
    },
    'kb.article.restore',
  );
  return article;
}

/** `GET /api/kb/articles/{slug}`: readers see published articles only (and count a view); editors see all. */
export async function readArticle(deps: KbDeps, actor: KbActor, slug: string): Promise<KbArticle> {
  const row = await repo.findArticleBySlug(deps.db, slug);
  if (!row || (row.status !== 'published' && !actor.canEdit)) throw errors.notFound('That article');
  if (row.status === 'published') await repo.countView(deps.db, row.id);
  return articleView(deps, { ...row, view_count: Number(row.view_count) + (row.status === 'published' ? 1 : 0) }, actor);
}

/**
 * `GET /api/kb/articles/{slug}` without a session: a published article tagged public (see
 * KB_PUBLIC_TAG), else 401 as for any signed-out request (whether a private one exists is not
 * told). Only public translations are linked, no related articles (they would be a search over
 * the internal base), and not who owns it.
 */
export async function readPublicArticle(deps: KbDeps, slug: string): Promise<KbArticle> {
  const row = await repo.findArticleBySlug(deps.db, slug);
  if (!row || row.status !== 'published' || !tagsOf(row).includes(KB_PUBLIC_TAG)) throw errors.unauthenticated();
  await repo.countView(deps.db, row.id);
  const translations = (await repo.translationsOf(deps.db, row.translation_group, row.id, true)).filter((t) =>
    tagsOf(t).includes(KB_PUBLIC_TAG),
  );
  return {
    ...summaryOf({ ...row, view_count: Number(row.view_count) + 1 }),
    owner: null,
    body: row.body,
    tags: tagsOf(row),
    translationGroup: row.translation_group,
    lastReviewedAt: iso(row.last_reviewed_at),
    publishedAt: iso(row.published_at),
    createdAt: iso(row.created_at)!,
    translations: translations.map(linkOf),
    related: [],
  };
}

/** `GET /api/kb/public`: the articles anyone may read, for the sign-in page. */
export async function publicArticles(deps: KbDeps): Promise<KbArticleLink[]> {
  return (await repo.publicArticles(deps.db, 100)).filter((r) => tagsOf(r).includes(KB_PUBLIC_TAG)).map(linkOf);
}

export async function articleVersions(deps: KbDeps, id: number): Promise<KbVersion[]> {
  if (!(await repo.findArticleById(deps.db, id))) throw errors.notFound('That article');
  return (await repo.listVersions(deps.db, id)).map((v) => ({
    version: v.version,
    title: v.title,
    body: v.body,
    locale: v.locale as KbLocale,
    category: v.category,
    tags: tagsOf(v),
    status: v.status as KbStatus,
    savedBy: v.saved_by,
    savedAt: iso(v.saved_at)!,
  }));
}

export async function listArticles(
  deps: KbDeps,
  filter: { status?: KbStatus | undefined; locale?: KbLocale | undefined; category?: string | undefined },
  limit: number,
  offset: number,
): Promise<KbArticleSummary[]> {
  return (await repo.listArticles(deps.db, filter, limit, offset)).map(summaryOf);
}

/**
 * `POST /api/kb/articles/{id}/feedback`: one vote per person and article (voting again replaces
 * the vote, so nobody can stuff the counts); only on published articles.
 */
export async function giveFeedback(
  deps: KbDeps,
  actor: KbActor,
  id: number,
  input: { helpful: boolean; comment?: string | undefined },
): Promise<KbFeedbackAnswer> {
  const now = deps.clock.now();
  return withTransaction(deps.db, async (trx) => {
    const row = await repo.findArticleById(trx, id);
    if (!row || row.status !== 'published') throw errors.notFound('That article');
    const helpful = input.helpful ? 1 : 0;
    const comment = input.comment?.length ? input.comment : null;
    const earlier = await repo.findFeedbackBy(trx, id, actor.username);
    let counts;
    if (earlier) {
      await repo.updateFeedback(trx, earlier.id, helpful, comment, now);
      const was = Number(earlier.helpful);
      counts = await repo.adjustFeedbackCounts(trx, id, helpful - was, was - helpful);
    } else {
      await repo.insertFeedback(trx, { article_id: id, helpful, comment, username: actor.username, created_at: now });
      counts = await repo.adjustFeedbackCounts(trx, id, helpful, 1 - helpful);
    }
    return { helpfulCount: Number(counts.helpful_count), unhelpfulCount: Number(counts.unhelpful_count) };
  });
}

/** The query as analytics keep it: normalised, single spaces, bounded. */
export function normalisedQuery(q: string): string {
  return normalizeText(q).replace(/\s+/g, ' ').trim().slice(0, 200);
}

/**
 * `GET /api/kb/search`: published articles for a query. Each search is logged (query, count) for
 * analytics once it settles: search-as-you-type asks for "v", "vp", "vpn"; with a `burst` key (an
 * opaque per-session value from the route) a query that extends or trims the burst's previous one
 * within SEARCH_BURST_MS rewrites that row, so top searches show "vpn", not its prefixes. With a
 * `searchLog` the row is written a moment later, with others (see SearchLog).
 */
export async function search(
  deps: KbDeps,
  query: { q: string; locale?: KbLocale | undefined; category?: string | undefined; limit: number },
  options: { log?: boolean; burst?: string | undefined } = {},
): Promise<KbSearchResult[]> {
  // Keyed by the analysed query, which is all the answer depends on: "VPN", "vpn " and "the vpn"
  // are one entry (case, spacing and stop words fall away; a finished last word stays distinct
  // from one being typed).
  const analysed = queryTerms(query.q)
    .map((t) => `${t.kind}:${t.prefix ? '>' : ''}${t.term}`)
    .join(' ');
  const results = await cached(
    deps,
    `s\u0000${analysed}\u0000${query.locale ?? ''}\u0000${query.category ?? ''}\u0000${query.limit}`,
    (caches) => bounded(deps, (db) => searchArticles(deps.engine, db, query.q, query, caches)),
  );
  if (options.log !== false) {
    const entry = {
      query: normalisedQuery(query.q),
      locale: query.locale ?? null,
      result_count: results.length,
      created_at: deps.clock.now(),
      burst: options.burst,
    };
    if (deps.searchLog) deps.searchLog.record(entry);
    else await writeSearchLog(deps.db, [entry]);
  }
  return results;
}

export function suggest(deps: KbDeps, query: { text: string; locale?: KbLocale | undefined; limit: number }): Promise<KbSearchResult[]> {
  return cached(deps, `g\u0000${query.text}\u0000${query.locale ?? ''}\u0000${query.limit}`, () =>
    bounded(deps, (db) => suggestArticles(deps.engine, db, query.text, query)),
  );
}

/**
 * PostgreSQL: no statement of one search may run longer than this. The work per query is bounded
 * by design (capped ranking, bounded expansions), but a plan gone wrong, a cold cache or a lock
 * must not hold a pooled connection for seconds while everyone's searches queue behind it.
 */
export const SEARCH_TIMEOUT_MS = 500;

/** Runs a search in a transaction whose statements PostgreSQL cancels after the timeout. */
async function bounded<T>(deps: KbDeps, run: (db: Executor) => Promise<T>): Promise<T> {
  // SQLite runs in-process with no statement timeout to set; its work is bounded by the caps alone.
  // Inside a caller's transaction a SET LOCAL would outlive the search: the caller bounds its own work.
  if (deps.engine.kind !== 'postgres' || deps.db.isTransaction) return run(deps.db);
  try {
    if (deps.boundedDb) return await run(deps.boundedDb);
    const ms = Math.max(1, Math.floor(deps.searchTimeoutMs ?? SEARCH_TIMEOUT_MS));
    return await withTransaction(deps.db, async (trx) => {
      // SET takes no bound parameters; `ms` is an integer made above.
      await sql.raw(`SET LOCAL statement_timeout = ${ms}`).execute(trx);
      return run(trx);
    });
  } catch (error) {
    // 57014 query_canceled: the statement ran past the timeout.
    if ((error as { code?: unknown } | null)?.code === '57014') throw errors.kbSearchTooBroad();
    throw error;
  }
}

/**
 * An answer from `deps.cache`, else `run`'s, which is handed the ranked-match and term caches (if
 * any) at the generation read here: one read of the change counter serves them all.
 */
async function cached(
  deps: KbDeps,
  key: string,
  run: (caches: { matches?: MatchCache | undefined; terms?: TermCache | undefined }) => Promise<KbSearchResult[]>,
): Promise<KbSearchResult[]> {
  if (!deps.cache && !deps.matchCache && !deps.termCache) return run({});
  const generation = await (deps.changes ?? readChangesEachTime).current(deps.db);
  const now = deps.clock.now();
  const hit = deps.cache?.get(key, generation, now);
  if (hit) return hit;
  const results = await run({ matches: deps.matchCache?.at(generation, now), terms: deps.termCache?.at(generation, now) });
  deps.cache?.set(key, generation, now, results);
  return results;
}

/** `GET /api/kb/export`: published articles changed since a cursor, and ids that left (for the offline index). */
export async function exportChanges(
  deps: KbDeps,
  query: { since?: number | undefined; locale?: KbLocale[] | undefined; limit: number },
): Promise<KbExportAnswer> {
  const since = query.since ?? 0;
  const rows = await repo.changesSince(deps.db, since, query.locale, query.limit + 1);
  const more = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  const cursor = page.length ? Number(page.at(-1)!.change_seq) : Math.max(since, more ? since : await repo.currentChangeSeq(deps.db));
  return {
    articles: page
      .filter((r) => r.status === 'published')
      .map((r) => ({
        ...linkOf(r),
        body: r.body,
        tags: tagsOf(r),
        translationGroup: r.translation_group,
        updatedAt: iso(r.updated_at)!,
        viewCount: Number(r.view_count),
        helpfulCount: Number(r.helpful_count),
        unhelpfulCount: Number(r.unhelpful_count),
      })),
    removed: page.filter((r) => r.status !== 'published').map((r) => r.id),
    cursor,
    more,
    total: await repo.countPublished(deps.db, query.locale),
  };
}

/** `GET /api/kb/analytics` (help desk): what people look for, what they do not find, what does not help. */
export async function analytics(deps: KbDeps, query: { days: number; limit: number }): Promise<KbAnalytics> {
  // This process's searches of the last second count too.
  await deps.searchLog?.flush();
  const since = deps.clock.now() - query.days * 86_400_000;
  const [top, zero, totals, unhelpful, feedback, views] = await Promise.all([
    repo.topSearches(deps.db, since, query.limit),
    repo.zeroResultSearches(deps.db, since, query.limit),
    repo.searchTotals(deps.db, since),
    repo.feedbackByArticle(deps.db, since, query.limit),
    repo.feedbackCount(deps.db, since),
    repo.totalViews(deps.db),
  ]);
  const comments = await repo.recentUnhelpfulComments(
    deps.db,
    unhelpful.map((u) => u.id),
    since,
  );
  return {
    since: new Date(since).toISOString(),
    topSearches: top.map((t) => ({ query: t.query, count: Number(t.count), zeroResultCount: Number(t.zero) })),
    zeroResults: zero.map((z) => ({
      query: z.query,
      count: Number(z.count),
      locale: (z.locale as KbLocale | null) ?? null,
      lastAt: new Date(Number(z.last_at)).toISOString(),
    })),
    unhelpful: unhelpful.map((u) => ({
      ...linkOf(u),
      unhelpful: Number(u.unhelpful),
      helpful: Number(u.helpful),
      comments: comments
        .filter((c) => c.article_id === u.id && c.comment)
        .slice(0, 5)
        .map((c) => c.comment!),
    })),
    totals: { searches: Number(totals.searches), zeroResultSearches: Number(totals.zero), views, feedback },
  };
}

export async function categories(deps: KbDeps): Promise<KbCategory[]> {
  return (await repo.publishedCategories(deps.db)).map((c) => ({ category: c.category!, count: Number(c.count) }));
}

import { sql } from 'kysely';
import { KB_PUBLIC_TAG } from '../../../shared/kb.js';
import { precompiledRead } from '../../db/prepared.js';
import type { Executor } from '../../db/transaction.js';
import type { KbArticleRow } from '../../db/schema.js';
import { chunks } from '../../db/chunks.js';

/** The knowledge base's tables (the search index lives in server/kb/search/). */

export type ArticleRow = KbArticleRow;

/** The next value of the change counter; the row lock orders concurrent writers on PostgreSQL. */
export async function nextChangeSeq(trx: Executor): Promise<number> {
  const row = await trx
    .updateTable('kb_meta')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('name', '=', 'change_seq')
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value);
}

/** Reserves `n` consecutive change numbers; returns the first. */
export async function reserveChangeSeqs(trx: Executor, n: number): Promise<number> {
  const row = await trx
    .updateTable('kb_meta')
    .set((eb) => ({ value: eb('value', '+', n) }))
    .where('name', '=', 'change_seq')
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value) - n + 1;
}

/**
 * Many new articles in few statements (the import): each starts its own translation group and
 * gets version 1. Returns the stored rows.
 */
export async function insertArticlesInBulk(trx: Executor, articles: NewArticle[], savedBy: string, savedAt: number): Promise<ArticleRow[]> {
  const rows: ArticleRow[] = [];
  for (const part of chunks(articles, 100)) {
    const ids = await trx.insertInto('kb_articles').values(part).returning('id').execute();
    const idList = ids.map((r) => r.id);
    await trx
      .updateTable('kb_articles')
      .set((eb) => ({ translation_group: eb.ref('id') }))
      .where('id', 'in', idList)
      .execute();
    await trx
      .insertInto('kb_article_versions')
      .columns(['article_id', 'version', 'title', 'body', 'locale', 'category', 'tags', 'status', 'saved_by', 'saved_at'])
      .expression((eb) =>
        eb
          .selectFrom('kb_articles')
          .select([
            'id',
            'version',
            'title',
            'body',
            'locale',
            'category',
            'tags',
            'status',
            eb.val(savedBy).as('saved_by'),
            eb.val(savedAt).as('saved_at'),
          ])
          .where('id', 'in', idList),
      )
      .execute();
    rows.push(...(await trx.selectFrom('kb_articles').selectAll().where('id', 'in', idList).execute()));
  }
  return rows;
}

/** Read by every search, a cached one too (SQLite: see readChangesEachTime): compiled once (see precompiledRead). */
const changeSeq = precompiledRead((db) => db.selectFrom('kb_meta').select('value').where('name', '=', 'change_seq'));

export async function currentChangeSeq(db: Executor): Promise<number> {
  const [row] = await changeSeq(db);
  return Number(row?.value ?? 0);
}

export type NewArticle = Omit<ArticleRow, 'id' | 'view_count' | 'helpful_count' | 'unhelpful_count'>;

export async function insertArticle(trx: Executor, article: NewArticle): Promise<number> {
  const row = await trx.insertInto('kb_articles').values(article).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateArticleRow(trx: Executor, id: number, changes: Partial<NewArticle>): Promise<void> {
  await trx.updateTable('kb_articles').set(changes).where('id', '=', id).execute();
}

export function findArticleById(db: Executor, id: number): Promise<ArticleRow | undefined> {
  return db.selectFrom('kb_articles').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findArticleBySlug(db: Executor, slug: string): Promise<ArticleRow | undefined> {
  return db.selectFrom('kb_articles').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export function findArticlesBySlugs(db: Executor, slugs: readonly string[]): Promise<ArticleRow[]> {
  if (!slugs.length) return Promise.resolve([]);
  return db
    .selectFrom('kb_articles')
    .selectAll()
    .where('slug', 'in', [...slugs])
    .execute();
}

export async function slugTaken(db: Executor, slug: string, exceptId?: number): Promise<boolean> {
  let q = db.selectFrom('kb_articles').select('id').where('slug', '=', slug);
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

/** The other articles of a translation group. */
export function translationsOf(db: Executor, group: number, exceptId: number, publishedOnly: boolean) {
  let q = db
    .selectFrom('kb_articles')
    .select(['id', 'slug', 'title', 'locale', 'category', 'status', 'tags'])
    .where('translation_group', '=', group)
    .where('id', '!=', exceptId);
  if (publishedOnly) q = q.where('status', '=', 'published');
  return q.orderBy('locale').execute();
}

/** Tags are stored as a JSON array of strings: this matches an exact tag inside it. */
function hasTag(tag: string) {
  return sql<boolean>`tags LIKE ${`%${JSON.stringify(tag)}%`}`;
}

/** Published articles tagged public (KB_PUBLIC_TAG), by language then title. */
export function publicArticles(db: Executor, limit: number) {
  return db
    .selectFrom('kb_articles')
    .select(['id', 'slug', 'title', 'locale', 'category', 'tags'])
    .where('status', '=', 'published')
    .where(hasTag(KB_PUBLIC_TAG))
    .orderBy('locale')
    .orderBy('title')
    .limit(limit)
    .execute();
}

/** Published articles of the same category and language, most viewed first (a cheap "related"). */
export function sameCategoryArticles(db: Executor, article: ArticleRow, limit: number) {
  return db
    .selectFrom('kb_articles')
    .select(['id', 'slug', 'title', 'locale', 'category'])
    .where('status', '=', 'published')
    .where('locale', '=', article.locale)
    .where('category', '=', article.category)
    .where('id', '!=', article.id)
    .where('translation_group', '!=', article.translation_group)
    .orderBy('view_count', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function insertVersion(trx: Executor, article: ArticleRow, savedBy: string | null, savedAt: number): Promise<void> {
  await trx
    .insertInto('kb_article_versions')
    .values({
      article_id: article.id,
      version: article.version,
      title: article.title,
      body: article.body,
      locale: article.locale,
      category: article.category,
      tags: article.tags,
      status: article.status,
      saved_by: savedBy,
      saved_at: savedAt,
    })
    .execute();
}

export function listVersions(db: Executor, articleId: number) {
  return db.selectFrom('kb_article_versions').selectAll().where('article_id', '=', articleId).orderBy('version', 'desc').execute();
}

export function findVersion(db: Executor, articleId: number, version: number) {
  return db
    .selectFrom('kb_article_versions')
    .selectAll()
    .where('article_id', '=', articleId)
    .where('version', '=', version)
    .executeTakeFirst();
}

export async function countView(db: Executor, id: number): Promise<void> {
  await db
    .updateTable('kb_articles')
    .set((eb) => ({ view_count: eb('view_count', '+', 1) }))
    .where('id', '=', id)
    .execute();
}

/** A person's earlier vote on an article, if any (one vote a person; voting again changes it). */
export function findFeedbackBy(db: Executor, articleId: number, username: string) {
  return db
    .selectFrom('kb_feedback')
    .select(['id', 'helpful'])
    .where('article_id', '=', articleId)
    .where('username', '=', username)
    .executeTakeFirst();
}

export async function insertFeedback(
  trx: Executor,
  row: { article_id: number; helpful: number; comment: string | null; username: string | null; created_at: number },
): Promise<void> {
  await trx.insertInto('kb_feedback').values(row).execute();
}

export async function updateFeedback(trx: Executor, id: number, helpful: number, comment: string | null, at: number): Promise<void> {
  await trx.updateTable('kb_feedback').set({ helpful, comment, created_at: at }).where('id', '=', id).execute();
}

/** Adds to the helpful/unhelpful counters (deltas may be negative when a vote changes). */
export async function adjustFeedbackCounts(trx: Executor, id: number, helpful: number, unhelpful: number) {
  return trx
    .updateTable('kb_articles')
    .set((eb) => ({
      helpful_count: eb('helpful_count', '+', helpful),
      unhelpful_count: eb('unhelpful_count', '+', unhelpful),
    }))
    .where('id', '=', id)
    .returning(['helpful_count', 'unhelpful_count'])
    .executeTakeFirstOrThrow();
}

export async function logSearch(
  db: Executor,
  row: { query: string; locale: string | null; result_count: number; created_at: number; burst?: string | null },
) {
  await db
    .insertInto('kb_search_log')
    .values({ ...row, burst: row.burst ?? null })
    .execute();
}

/** Several searches at once (a flushed batch of the search log). */
export async function logSearches(
  db: Executor,
  rows: readonly { query: string; locale: string | null; result_count: number; created_at: number; burst: string | null }[],
) {
  if (rows.length)
    await db
      .insertInto('kb_search_log')
      .values([...rows])
      .execute();
}

/**
 * Deletes logged searches made before `before`, the oldest first and at most `limit` of them (a
 * bounded statement, however far behind the log is), and says how many went.
 */
export async function deleteSearchesBefore(db: Executor, before: number, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('kb_search_log')
    .where('id', 'in', (eb) =>
      eb.selectFrom('kb_search_log').select('id').where('created_at', '<', before).orderBy('created_at').limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The latest row of a typing burst, if any. */
export function lastOfBurst(db: Executor, burst: string) {
  return db
    .selectFrom('kb_search_log')
    .select(['id', 'query', 'created_at'])
    .where('burst', '=', burst)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Rewrites a burst's row with the query it has grown (or shrunk) into. */
export async function settleSearch(
  db: Executor,
  id: number,
  row: { query: string; locale: string | null; result_count: number; created_at: number; burst: string | null },
) {
  await db.updateTable('kb_search_log').set(row).where('id', '=', id).execute();
}

/** A burst is over: its row no longer carries the key. */
export async function endBurst(db: Executor, id: number) {
  await db.updateTable('kb_search_log').set({ burst: null }).where('id', '=', id).execute();
}

/** Articles changed after a cursor, in change order (the offline export). */
export function changesSince(db: Executor, since: number, locales: readonly string[] | undefined, limit: number) {
  let q = db.selectFrom('kb_articles').selectAll().where('change_seq', '>', since).orderBy('change_seq').limit(limit);
  if (locales?.length) q = q.where('locale', 'in', [...locales]);
  return q.execute();
}

export async function countPublished(db: Executor, locales: readonly string[] | undefined): Promise<number> {
  let q = db
    .selectFrom('kb_articles')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'published');
  if (locales?.length) q = q.where('locale', 'in', [...locales]);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

export function listArticles(
  db: Executor,
  filter: { status?: string | undefined; locale?: string | undefined; category?: string | undefined },
  limit: number,
  offset: number,
) {
  let q = db.selectFrom('kb_articles').selectAll();
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.locale) q = q.where('locale', '=', filter.locale);
  if (filter.category) q = q.where('category', '=', filter.category);
  return q.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
}

export function publishedCategories(db: Executor) {
  return db
    .selectFrom('kb_articles')
    .select(['category', (eb) => eb.fn.countAll<number>().as('count')])
    .where('status', '=', 'published')
    .where('category', 'is not', null)
    .groupBy('category')
    .orderBy('category')
    .execute();
}

export function topSearches(db: Executor, since: number, limit: number) {
  return db
    .selectFrom('kb_search_log')
    .select([
      'query',
      (eb) => eb.fn.countAll<number>().as('count'),
      sql<number>`sum(case when result_count = 0 then 1 else 0 end)`.as('zero'),
    ])
    .where('created_at', '>=', since)
    .groupBy('query')
    .orderBy('count', 'desc')
    .orderBy('query')
    .limit(limit)
    .execute();
}

export function zeroResultSearches(db: Executor, since: number, limit: number) {
  return db
    .selectFrom('kb_search_log')
    .select([
      'query',
      (eb) => eb.fn.countAll<number>().as('count'),
      (eb) => eb.fn.max('locale').as('locale'),
      (eb) => eb.fn.max('created_at').as('last_at'),
    ])
    .where('created_at', '>=', since)
    .where('result_count', '=', 0)
    .groupBy('query')
    .orderBy('count', 'desc')
    .orderBy('query')
    .limit(limit)
    .execute();
}

export function searchTotals(db: Executor, since: number) {
  return db
    .selectFrom('kb_search_log')
    .select([
      (eb) => eb.fn.countAll<number>().as('searches'),
      sql<number>`coalesce(sum(case when result_count = 0 then 1 else 0 end), 0)`.as('zero'),
    ])
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow();
}

export function feedbackByArticle(db: Executor, since: number, limit: number) {
  return db
    .selectFrom('kb_feedback as f')
    .innerJoin('kb_articles as a', 'a.id', 'f.article_id')
    .select([
      'a.id',
      'a.slug',
      'a.title',
      'a.locale',
      'a.category',
      sql<number>`sum(case when f.helpful = 0 then 1 else 0 end)`.as('unhelpful'),
      sql<number>`sum(case when f.helpful = 1 then 1 else 0 end)`.as('helpful'),
    ])
    .where('f.created_at', '>=', since)
    .groupBy(['a.id', 'a.slug', 'a.title', 'a.locale', 'a.category'])
    .having(sql`sum(case when f.helpful = 0 then 1 else 0 end)`, '>', 0)
    .orderBy('unhelpful', 'desc')
    .orderBy('a.id')
    .limit(limit)
    .execute();
}

export function recentUnhelpfulComments(db: Executor, articleIds: readonly number[], since: number) {
  if (!articleIds.length) return Promise.resolve([]);
  return db
    .selectFrom('kb_feedback')
    .select(['article_id', 'comment'])
    .where('article_id', 'in', [...articleIds])
    .where('helpful', '=', 0)
    .where('comment', 'is not', null)
    .where('created_at', '>=', since)
    .orderBy('created_at', 'desc')
    .limit(articleIds.length * 5)
    .execute();
}

export async function feedbackCount(db: Executor, since: number): Promise<number> {
  const row = await db
    .selectFrom('kb_feedback')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function totalViews(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('kb_articles')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('view_count'), sql<number>`0`).as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Published articles whose review-by date has passed and that have an owner. */
export function articlesPastReview(db: Executor, today: string, limit: number) {
  return db
    .selectFrom('kb_articles')
    .select(['id', 'slug', 'title', 'owner', 'review_by', 'locale'])
    .where('status', '=', 'published')
    .where('review_by', 'is not', null)
    .where('review_by', '<', today)
    .where('owner', 'is not', null)
    .orderBy('review_by')
    .limit(limit)
    .execute();
}

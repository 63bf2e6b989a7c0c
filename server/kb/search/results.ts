import { type RawBuilder, sql } from 'kysely';
import { KB_BOOST_PRIOR, KB_BOOST_WEIGHT, helpfulnessBoost } from '../../../shared/kb-text.js';
import { isPostgres } from '../../db/dialect.js';
import { oneOf } from '../../db/prepared.js';
import type { Executor } from '../../db/transaction.js';

/**
 * What a search reads of the articles its passes matched: readers' votes, to rank them, then
 * what the shown page's results show (link, title, the text its snippet is cut from). On SQLite,
 * where a statement is a function call, the votes of every match are a step of their own. On
 * PostgreSQL, where each statement is a round trip that costs the portal's process more CPU than
 * reading the votes costs the database, each pass reads its matches' votes in its own statement
 * (withMatchedVotes). On PostgreSQL a pass also reads what its best few answerable matches show
 * (the page's link, title and snippet text: MatchPlan.withShown), ranked as the search will rank
 * them (rankingScore), so a search whose page comes from its passes needs no statement for it.
 * Read for every match instead, the text of the ~20 not shown cost PostgreSQL more than the round
 * trip saved. SQLite, and a page that comes from the ranked-match cache, read it in a statement of
 * its own (articlesShown).
 */

/** Which articles a search may answer with: published ones that pass its filters. */
export interface ArticleFilters {
  locale?: string | undefined;
  category?: string | undefined;
}

/** What a shown result needs of its article, with the text its snippet is cut from. */
export interface ArticleShown {
  id: number;
  slug: string;
  title: string;
  locale: string;
  category: string | null;
  text: string | null;
}

/** What ranking needs of a matched article: its id and readers' votes. */
export type ArticleVotes = [id: number, helpful: number, unhelpful: number];

/** A matched article's votes, read with its pass. */
export type MatchedVotes = [helpful: number, unhelpful: number];

/** How a search ranks a match: its score times helpfulnessBoost. */
export function rankingScore(score: number, helpful: number, unhelpful: number): number {
  return score * helpfulnessBoost(helpful, unhelpful);
}

/**
 * rankingScore in SQL (the columns' names given), in float8 and in the same order of operations,
 * so PostgreSQL orders matches as the search will (a near tie decided otherwise only costs the
 * search a statement for what it lacks: see withMatchedVotes).
 */
function rankingScoreSql(score: string, helpful: string, unhelpful: string) {
  const [s, h, u] = [score, helpful, unhelpful].map((c) => sql.ref(c));
  return sql`${s} * (1 + (${sql.lit(KB_BOOST_WEIGHT)}::float8 * (${h} - ${u})) / (${h} + ${u} + ${sql.lit(KB_BOOST_PRIOR)}))`;
}

/**
 * kb_articles as the result steps read it (`alias`: the name it goes by): on SQLite through the
 * covering index kb_articles_result, named, since the planner would take the primary key for
 * `id IN (…)` and then read the rows, whose bodies overflow (see votesOfMatches).
 */
function resultArticles(db: Executor, alias?: string) {
  const table = alias ? sql`kb_articles AS ${sql.id(alias)}` : sql`kb_articles`;
  return isPostgres(db) ? table : sql`${table} INDEXED BY kb_articles_result`;
}

/** The conditions an article must meet to be answered with (`alias`: kb_articles' name in the statement). */
function answerable(filters: ArticleFilters, alias?: string) {
  const column = (name: string) => sql.ref(alias ? `${alias}.${name}` : name);
  return sql.join(
    [
      sql`${column('status')} = 'published'`,
      ...(filters.locale ? [sql`${column('locale')} = ${filters.locale}`] : []),
      ...(filters.category ? [sql`${column('category')} = ${filters.category}`] : []),
    ],
    sql` AND `,
  );
}

/**
 * The votes of the matched articles that are published and pass the filters, by primary key only.
 * With `status = 'published'` (and the filters) in the WHERE, SQLite without statistics would walk
 * the status index over every published article (30 ms at 100k), so there the statement names the
 * covering index (kb_articles_result) that holds the columns tested and read: a row's status,
 * category and votes come after the body in its record, which overflows into pages of its own.
 * Only numbers come back, and as one JSON array rather than an object a row: making every
 * match's text columns into strings was over half of this step, and making a row object for each
 * match half of the rest (30 matches at 100k articles, in-process: ~300 µs with the strings, ~200
 * with row objects, ~120 as one array). The page shown reads its own text (articlesShown).
 */
export async function votesOfMatches(db: Executor, ids: number[], filters: ArticleFilters): Promise<ArticleVotes[]> {
  const votes = isPostgres(db)
    ? sql`coalesce(json_agg(json_build_array(id, helpful_count, unhelpful_count)), '[]')::text`
    : sql`json_group_array(json_array(id, helpful_count, unhelpful_count))`;
  const where = sql.join([oneOf(db, 'id', ids), answerable(filters)], sql` AND `);
  const [row] = (await sql<{ votes: string }>`SELECT ${votes} AS votes FROM ${resultArticles(db)} WHERE ${where}`.execute(db)).rows;
  return JSON.parse(row?.votes ?? '[]') as ArticleVotes[];
}

/** The shown page's articles and snippet texts (the index keeps them ready: Markdown reduced, see snippetSource). */
export async function articlesShown(db: Executor, ids: number[]): Promise<ArticleShown[]> {
  return (
    await sql<ArticleShown>`
      SELECT a.id, a.slug, a.title, a.locale, a.category, s.text FROM ${resultArticles(db, 'a')}
      LEFT JOIN kb_snippet_text AS s ON s.article_id = a.id WHERE ${oneOf(db, 'a.id', ids)}`.execute(db)
  ).rows;
}

/**
 * PostgreSQL: a pass's statement (rows of id and score) with each hit's votes read in the same
 * statement, as votesOfMatches reads them (null: the article may not be answered with), so no
 * statement of its own runs for them. One JSON array of [id, score, helpful, unhelpful], as
 * votesOfMatches reads its votes; the score as float8, the value rankingScoreSql ranks by.
 *
 * With `shown`, also what the best `shown` answerable hits show (articlesShown's columns), best
 * by rankingScore, ties to the newer article as rankMatches breaks them: whatever the passes add,
 * a page comes from the best `shown` of each pass.
 */
export function withMatchedVotes(
  pass: RawBuilder<{ id: number; score: number }>,
  filters: ArticleFilters,
  shown = 0,
): RawBuilder<{ hits: string; shown: string | null }> {
  const hits = sql`
    SELECT h.id, h.score::float8 AS score, a.helpful_count AS helpful, a.unhelpful_count AS unhelpful
    FROM (${pass}) AS h LEFT JOIN kb_articles AS a ON a.id = h.id AND ${answerable(filters, 'a')}`;
  const votes = sql`coalesce(json_agg(json_build_array(v.id, v.score, v.helpful, v.unhelpful)), '[]')::text`;
  if (!shown) return sql<{ hits: string; shown: null }>`SELECT ${votes} AS hits, NULL AS shown FROM (${hits}) AS v`;
  return sql<{ hits: string; shown: string }>`
    WITH v AS MATERIALIZED (${hits}),
    best AS (
      SELECT id FROM v WHERE helpful IS NOT NULL
      ORDER BY ${rankingScoreSql('score', 'helpful', 'unhelpful')} DESC, id DESC LIMIT ${shown}
    )
    SELECT (SELECT ${votes} FROM v) AS hits,
      (SELECT coalesce(json_agg(json_build_array(a.id, a.slug, a.title, a.locale, a.category, s.text)), '[]')::text
       FROM best JOIN kb_articles AS a ON a.id = best.id LEFT JOIN kb_snippet_text AS s ON s.article_id = best.id) AS shown`;
}

/** A hit of withMatchedVotes: its votes (null: the article may not be answered with), and what it shows if read. */
export interface MatchedHit {
  id: number;
  score: number;
  votes: MatchedVotes | null;
  shown?: ArticleShown;
}

/** The hits of withMatchedVotes' row, each with its votes and, for the best few, what it shows. */
export function parseMatchedVotes(row: { hits: string; shown: string | null } | undefined): MatchedHit[] {
  const shown = new Map(
    (JSON.parse(row?.shown ?? '[]') as [number, string, string, string, string | null, string | null][]).map(
      ([id, slug, title, locale, category, text]) => [id, { id, slug, title, locale, category, text }],
    ),
  );
  return (JSON.parse(row?.hits ?? '[]') as [number, number, number | null, number | null][]).map(([id, score, helpful, unhelpful]) => {
    const hit: MatchedHit = { id, score, votes: helpful === null || unhelpful === null ? null : [helpful, unhelpful] };
    const article = shown.get(id);
    if (article) hit.shown = article;
    return hit;
  });
}

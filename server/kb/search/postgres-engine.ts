import { sql } from 'kysely';
import type { Executor } from '../../db/transaction.js';
import type { EngineHit, IndexedDoc, MatchPlan, SearchEngine } from './engine.js';
import { parseMatchedVotes, withMatchedVotes } from './results.js';

const lexeme = (term: string) => `'${term.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/**
 * A tsvector literal of our own tokens (PostgreSQL's parser never sees the text, so CJK bigrams and
 * stems are exactly ours): title tokens weighted A, body tokens B, positions in order. PostgreSQL
 * keeps at most 256 positions a lexeme and caps positions at 16383, which bounds long articles.
 */
export function tsvectorLiteral(doc: IndexedDoc): string {
  const positions = new Map<string, string[]>();
  let pos = 1;
  const add = (tokens: string[], weight: 'A' | 'B') => {
    for (const t of tokens) {
      const list = positions.get(t) ?? [];
      if (list.length < 256) list.push(`${Math.min(pos, 16383)}${weight}`);
      positions.set(t, list);
      pos++;
    }
  };
  add(doc.titleTokens, 'A');
  pos += 10; // a title phrase never runs on into the body
  add(doc.bodyTokens, 'B');
  return [...positions].map(([term, list]) => `${lexeme(term)}:${list.join(',')}`).join(' ');
}

/** The tsquery of a plan. */
export function tsqueryLiteral(plan: MatchPlan): string {
  const groups = plan.groups.map((g) => `(${g.map((t) => lexeme(t)).join(' | ')})`);
  return groups.join(plan.any ? ' | ' : ' & ');
}

/**
 * The statement of one pass: matches through the GIN index, at most `plan.cap` of them ranked by
 * ts_rank (title weight 1.0, body 0.1, normalised by log length), the best `plan.limit` returned.
 *
 * - ts_rank, not ts_rank_cd: cover density walks every position of every query term in each
 *   match, ~15 µs a body match here against ~1.5 for ts_rank (a two-word body pass over 286
 *   matches: 6.4 → 2.5 ms), and the relevance set ranks as well with it.
 * - The tsquery sits behind OFFSET 0, so the planner cannot see which words it holds. Seeing a
 *   common word, it expected the first `cap` matches within a few thousand rows and chose to read
 *   the table from the start, detoasting and testing every row's body vector (17 ms, against ~2
 *   through the index). Without the value it always plans on the index, which is never far off:
 *   a rare word is the index's case anyway, and for a common one it reads `cap` rows.
 */
export function matchStatement(plan: MatchPlan) {
  const query = tsqueryLiteral(plan);
  // Titles only: their own narrow table, in order of title length (migration
  // 2026-12-07T0100-kb-title-table), and GIN index (a weight-restricted 'vpn':A on the full vector
  // could not use the index to skip body-only matches: every row with the word would be fetched).
  const [table, column] = plan.titleOnly ? [sql.table('kb_search_title'), sql.ref('title_tsv')] : [sql.table('kb_search'), sql.ref('tsv')];
  return sql<{ id: number; score: number }>`
      SELECT id, score FROM (
        SELECT article_id AS id, ts_rank('{0.1, 0.1, 0.1, 1.0}'::float4[], ${column}, query.q, 1) AS score
        FROM ${table}, (SELECT ${query}::tsquery AS q OFFSET 0) AS query
        WHERE ${column} @@ query.q
          ${plan.locale ? sql`AND locale = ${plan.locale}` : sql``}
          ${plan.category ? sql`AND category = ${plan.category}` : sql``}
        LIMIT ${plan.cap}
      ) AS hits ORDER BY score DESC LIMIT ${plan.limit}`;
}

/** PostgreSQL: tsvector columns with GIN indexes, one for all text and one for titles (see matchStatement). */
export const postgresEngine: SearchEngine = {
  kind: 'postgres',
  async add(trx, docs) {
    if (!docs.length) return;
    await trx
      .insertInto('kb_search')
      .values(
        docs.map((doc) => ({
          article_id: doc.id,
          locale: doc.locale,
          category: doc.category,
          tsv: sql<string>`${tsvectorLiteral(doc)}::tsvector`,
        })),
      )
      .execute();
    // Shortest titles first, so a batch lands in the order the table keeps (see compact).
    await trx
      .insertInto('kb_search_title')
      .values(
        [...docs]
          .sort((a, b) => a.titleLength - b.titleLength || a.id - b.id)
          .map((doc) => ({
            article_id: doc.id,
            locale: doc.locale,
            category: doc.category,
            title_length: doc.titleLength,
            title_tsv: sql<string>`${tsvectorLiteral({ ...doc, bodyTokens: [] })}::tsvector`,
          })),
      )
      .execute();
  },
  async remove(trx, ids) {
    if (!ids.length) return;
    await trx
      .deleteFrom('kb_search')
      .where('article_id', 'in', [...ids])
      .execute();
    await trx
      .deleteFrom('kb_search_title')
      .where('article_id', 'in', [...ids])
      .execute();
  },
  async compact(db) {
    // Merge what a bulk load left in the GIN indexes' pending lists (every search reads them
    // whole), then fresh statistics, so plans (GIN vs. primary key, vocabulary ranges) fit the new size.
    await sql`SELECT gin_clean_pending_list('kb_search_tsv'), gin_clean_pending_list('kb_search_title_tsv')`.execute(db);
    // Titles back in order of length, shortest first: the title pass ranks the first matches it
    // meets, and a bitmap scan meets them in the table's physical order. Rows added since the last
    // compaction sit at the end until then. A rewrite of a narrow table (~1 s at 100k articles,
    // during which searches wait).
    await sql`CLUSTER kb_search_title USING kb_search_title_length`.execute(db);
    await sql`ANALYZE kb_search, kb_search_title, kb_terms, kb_term_keys, kb_articles, kb_snippet_text`.execute(db);
  },
  async match(db: Executor, plan: MatchPlan): Promise<EngineHit[]> {
    if (!plan.groups.length) return [];
    if (plan.withVotes) {
      const [row] = (await withMatchedVotes(matchStatement(plan), plan, plan.withShown).execute(db)).rows;
      return parseMatchedVotes(row);
    }
    const rows = await matchStatement(plan).execute(db);
    return rows.rows.map((r) => ({ id: Number(r.id), score: Number(r.score) }));
  },
};

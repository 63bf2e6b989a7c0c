import { sql } from 'kysely';
import { hasRankFunction } from '../../db/prepared.js';
import { sqliteLimit } from '../../db/sqlite-literal-limits.js';
import type { Executor } from '../../db/transaction.js';
import type { EngineHit, IndexedDoc, MatchPlan, SearchEngine } from './engine.js';

/** Facet tokens for filters inside the FTS match: letters only, so unicode61 keeps each one whole. */
export function facetTokens(locale: string, category: string | null): string {
  return [localeFacet(locale), category ? categoryFacet(category) : ''].join(' ').trim();
}
const LOCALE_FACET = 'xloc';
const CATEGORY_FACET = 'xcat';
function localeFacet(locale: string): string {
  return LOCALE_FACET + locale.toLowerCase().replace(/[^a-z0-9]/g, '');
}
function categoryFacet(category: string): string {
  // Hyphens become "x9x" (never in a slug-like category): distinct categories stay distinct tokens.
  return CATEGORY_FACET + category.toLowerCase().replace(/-/g, 'x9x');
}
/** Whether a query term could be a facet token, and so match the facets column unless the match leaves it out. */
function couldBeFacet(term: string): boolean {
  return term.startsWith(LOCALE_FACET) || term.startsWith(CATEGORY_FACET);
}

/** A title-only match scores TITLE_LENGTH_SCALE / (TITLE_LENGTH_SCALE + its title's length): 0.5 at this length. */
const TITLE_LENGTH_SCALE = 40;

/**
 * FTS rowids (see sqliteEngine). kb_fts: the negated article id, newest first. kb_fts_title: the
 * title's length in units of 2^32 less the article id, shortest title first, newest first among
 * titles of one length. The title pass reads the length back from the rowid; a removal needs the
 * length to find the row (kb_fts_title_length keeps it).
 */
const TITLE_LENGTH_UNIT = 2 ** 32;
const rowidOf = (id: number) => -id;
const idOf = (rowid: number) => -Number(rowid);
export const titleRowidOf = (id: number, titleLength: number) => titleLength * TITLE_LENGTH_UNIT - id;
function titleEntryOf(rowid: number): { id: number; titleLength: number } {
  const titleLength = Math.floor(rowid / TITLE_LENGTH_UNIT) + 1; // ids run from 1 to 2^32 - 1
  return { id: titleLength * TITLE_LENGTH_UNIT - rowid, titleLength };
}

const quote = (term: string) => `"${term.replace(/"/g, '""')}"`;

/**
 * The FTS5 MATCH expression of a plan. Terms are our own tokens: letters, digits and CJK only.
 *
 * The query's terms are matched in the text columns only, but a column filter (`{title body} :`)
 * is written only when a term could be a facet token (it starts like one). Otherwise the facets
 * column cannot hold the term, the answer is the same without the filter, and the filter is not
 * free: FTS5 then walks the position list of every row of every term to see which column it is
 * in, also while bm25() counts each term's rows for its IDF (at 100k articles, the body pass of
 * a five-word query: 6.5 -> 4.2 ms; a title pass: ~15%).
 */
export function ftsExpression(plan: MatchPlan): string {
  const groups = plan.groups.map((g) => (g.length === 1 ? quote(g[0]!) : `(${g.map(quote).join(' OR ')})`));
  let expr = groups.length === 1 ? groups[0]! : `(${groups.join(plan.any ? ' OR ' : ' AND ')})`;
  // A title-only plan runs on kb_fts_title, whose only text column is the title.
  if (plan.groups.some((g) => g.some(couldBeFacet))) expr = plan.titleOnly ? `{title} : ${expr}` : `{title body} : ${expr}`;
  const facets = facetPhrases(plan);
  return facets.length ? `${expr} AND {facets} : (${facets.map(quote).join(' AND ')})` : expr;
}

/** The facet tokens a plan's filters add to its match, after its terms and in this order (ftsExpression, idfArgument). */
function facetPhrases(plan: MatchPlan): string[] {
  return [...(plan.locale ? [localeFacet(plan.locale)] : []), ...(plan.category ? [categoryFacet(plan.category)] : [])];
}

/** bm25()'s IDF of a term held by `n` of `articles` rows, as FTS5 computes it (fts5_aux.c: never below 1e-6). */
export function bm25Idf(n: number, articles: number): number {
  const idf = Math.log((articles - n + 0.5) / (n + 0.5));
  return idf > 0 ? idf : 1e-6;
}

/**
 * kb_bm25's IDF argument for a plan: one double per phrase of ftsExpression(plan), in its order
 * (the groups' terms, then the facets, whose column weighs nothing), or null when the plan's
 * frequencies do not fit its groups.
 */
function idfArgument(plan: MatchPlan): Buffer | null {
  const f = plan.frequencies;
  if (!f || f.terms.length !== plan.groups.length || f.terms.some((t, i) => t.length !== plan.groups[i]!.length)) return null;
  const idfs = [...f.terms.flat().map((n) => bm25Idf(n, f.articles)), ...facetPhrases(plan).map(() => 0)];
  return Buffer.from(new Float64Array(idfs).buffer);
}

/**
 * The body pass's rank: BM25 with the title weighted ten times the body. bm25() counts each
 * phrase's rows over its whole doclist for the IDF on its first call, where the plan already
 * carries the vocabulary's counts: kb_bm25 (native/kb_rank.c) takes the IDFs from them and
 * computes the same score (at 100k articles, the body passes of the benchmark's new queries:
 * 560–810 → 240–330 ms, the same matches in the same order). Without the extension, or for a
 * plan without counts, bm25() itself. (The title-only pass for suggestions keeps bm25(): its
 * table counts title matches, which the vocabulary does not.)
 */
function bodyRank(db: Executor, plan: MatchPlan) {
  const idfs = hasRankFunction(db) ? idfArgument(plan) : null;
  return idfs ? sql`kb_bm25(kb_fts, ${idfs}, 10.0, 1.0, 0.0)` : sql`bm25(kb_fts, 10.0, 1.0, 0.0)`;
}

/**
 * SQLite FTS5: a contentless table of space-joined tokens. BM25 with the title weighted ten times
 * the body; the inner LIMIT ranks at most `cap` matches, so a very common term costs a bounded
 * amount of work (the first in rowid order when it binds: see below). Titles (and tags) are also in a table of
 * their own, kb_fts_title, for title-only plans: there a common word's doclist is a few bytes an
 * article, where in kb_fts a `{title}:` filter still reads all its body positions.
 *
 * Rowids put the matches a pass wants first in ascending order, the order FTS5 reads a doclist in
 * (for `ORDER BY rowid DESC` it loads a term's whole doclist to walk it backwards), so a pass stops
 * reading once it has them: kb_fts by newest article, kb_fts_title by shortest title (migration
 * 2026-12-03T0100-kb-fts-order). kb_fts_title_length keeps each title's length for removals.
 */
export const sqliteEngine: SearchEngine = {
  kind: 'sqlite',
  async add(trx, docs) {
    for (const doc of docs) {
      const title = doc.titleTokens.join(' ');
      const facets = facetTokens(doc.locale, doc.category);
      await sql`INSERT INTO kb_fts(rowid, title, body, facets) VALUES (${rowidOf(doc.id)}, ${title}, ${doc.bodyTokens.join(' ')}, ${facets})`.execute(
        trx,
      );
      await sql`INSERT INTO kb_fts_title(rowid, title, facets) VALUES (${titleRowidOf(doc.id, doc.titleLength)}, ${title}, ${facets})`.execute(
        trx,
      );
      await sql`INSERT INTO kb_fts_title_length(article_id, length) VALUES (${doc.id}, ${doc.titleLength})`.execute(trx);
    }
  },
  async remove(trx, ids) {
    for (const id of ids) {
      await sql`DELETE FROM kb_fts WHERE rowid = ${rowidOf(id)}`.execute(trx);
      await sql`DELETE FROM kb_fts_title WHERE rowid = (
        SELECT length * ${sql.lit(TITLE_LENGTH_UNIT)} - article_id FROM kb_fts_title_length WHERE article_id = ${id})`.execute(trx);
      await sql`DELETE FROM kb_fts_title_length WHERE article_id = ${id}`.execute(trx);
    }
  },
  async compact(db) {
    // A bulk import leaves a few dozen segments per table; every term lookup visits each one
    // (measured at 100k articles: ~20% of a query's FTS time). Incremental saves are left to
    // FTS5's own automerge.
    await sql`INSERT INTO kb_fts(kb_fts) VALUES ('optimize')`.execute(db);
    await sql`INSERT INTO kb_fts_title(kb_fts_title) VALUES ('optimize')`.execute(db);
  },
  async match(db: Executor, plan: MatchPlan): Promise<EngineHit[]> {
    if (!plan.groups.length) return [];
    if (plan.titleOnly && !plan.any) {
      // Every row here has every part of the query in its title, so BM25 would tell them apart
      // only by title length (and by which completion of a prefix matched), while computing it
      // costs FTS5 a count of each term's matches over its whole doclist (its IDF), four fifths
      // of this pass for the common words this pass is for. Shorter titles first instead: the
      // rowid order, so the pass reads the first `limit` matches and stops. (The limits are
      // written into the statements, not bound: see sqliteLimit.)
      const rows = await sql<{ rowid: number }>`
        SELECT rowid FROM kb_fts_title WHERE kb_fts_title MATCH ${ftsExpression(plan)} ORDER BY rowid LIMIT ${sql.lit(sqliteLimit(plan.limit))}`.execute(
        db,
      );
      return rows.rows.map((r) => {
        const { id, titleLength } = titleEntryOf(Number(r.rowid));
        return { id, score: TITLE_LENGTH_SCALE / (TITLE_LENGTH_SCALE + titleLength) };
      });
    }
    const rows = plan.titleOnly
      ? await sql<{ id: number; rank: number }>`
      SELECT id, rank FROM (
        SELECT rowid AS id, bm25(kb_fts_title, 10.0, 0.0) AS rank FROM kb_fts_title
        WHERE kb_fts_title MATCH ${ftsExpression(plan)} ORDER BY rowid LIMIT ${sql.lit(sqliteLimit(plan.cap))}
      ) ORDER BY rank LIMIT ${sql.lit(sqliteLimit(plan.limit))}`.execute(db)
      : await sql<{ id: number; rank: number }>`
      SELECT id, rank FROM (
        SELECT rowid AS id, ${bodyRank(db, plan)} AS rank FROM kb_fts
        WHERE kb_fts MATCH ${ftsExpression(plan)} ORDER BY rowid LIMIT ${sql.lit(sqliteLimit(plan.cap))}
      ) ORDER BY rank LIMIT ${sql.lit(sqliteLimit(plan.limit))}`.execute(db);
    // bm25() and kb_bm25() are negative, lower is better.
    return rows.rows.map((r) => ({ id: plan.titleOnly ? titleEntryOf(Number(r.id)).id : idOf(r.id), score: -Number(r.rank) }));
  },
};

import { type Kysely, sql } from 'kysely';
import { tagsOf, toIndexedDoc } from '../../kb/search/indexer.js';
import { facetTokens, titleRowidOf } from '../../kb/search/sqlite-engine.js';
import { isPostgres } from './dialect.js';

// SQLite's title index (kb_fts_title) in FTS5 pages of 1,000 bytes instead of its default 4,050.
// The title pass ANDs a query's words, each common in titles, and FTS5 joins their doclists by
// seeking each to the rowid another has reached: it jumps to the right page through the doclist
// index, then walks that page entry by entry. Smaller pages, shorter walks. At 100k articles, the
// benchmark's logged title passes replayed alone, the same answers: 460 -> 300 µs a pass (pages of
// 400 bytes about the same, 200 and 2,000 in between); in the benchmark's run, 418 -> 350 µs. The
// body table gained nothing: its passes read their first 300 matches rather than seek.
//
// FTS5 writes new pages at the configured size but keeps a table's existing pages, so the table
// is rebuilt from the published articles as the engine writes it (tokens, facets, rowids): ~30 s
// at 100k articles on a 2-core VM. SQLite runs migrations outside a transaction: each direction
// drops and refills, so a run cut short is simply run again.

const PAGE_BYTES = 1000;
/** FTS5's own default, restored by down. */
const DEFAULT_PAGE_BYTES = 4050;

async function rebuildTitles(db: Kysely<any>, pageBytes: number): Promise<void> {
  await sql`DROP TABLE IF EXISTS kb_fts_title`.execute(db);
  await sql`CREATE VIRTUAL TABLE kb_fts_title USING fts5(title, facets, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`.execute(
    db,
  );
  await sql`INSERT INTO kb_fts_title(kb_fts_title, rank) VALUES ('pgsz', ${sql.lit(pageBytes)})`.execute(db);
  let after = 0;
  for (;;) {
    const rows: { id: number; title: string; tags: string; locale: string; category: string | null }[] = await db
      .selectFrom('kb_articles')
      .select(['id', 'title', 'tags', 'locale', 'category'])
      .where('status', '=', 'published')
      .where('id', '>', after)
      .orderBy('id')
      .limit(1000)
      .execute();
    if (!rows.length) break;
    for (const row of rows) {
      // The body is not indexed here: an empty one spares reducing its Markdown.
      const doc = toIndexedDoc({ ...row, body: '', tags: tagsOf(row) }, '');
      await sql`INSERT INTO kb_fts_title(rowid, title, facets) VALUES (${titleRowidOf(row.id, doc.titleLength)}, ${doc.titleTokens.join(' ')}, ${facetTokens(row.locale, row.category)})`.execute(
        db,
      );
    }
    after = rows.at(-1)!.id;
  }
  await sql`INSERT INTO kb_fts_title(kb_fts_title) VALUES ('optimize')`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) await rebuildTitles(db, PAGE_BYTES);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) await rebuildTitles(db, DEFAULT_PAGE_BYTES);
}

import { type Kysely, sql } from 'kysely';
import { indexTokens } from '../../../shared/kb-text.js';
import { isPostgres } from './dialect.js';

// Knowledge-base search speed and analytics.
//
// - SQLite: kb_fts_title, titles (and tags) alone in an FTS5 table of their own, for the first pass
//   of a very common query. In kb_fts a `{title}:` filter still reads each term's whole doclist,
//   body positions included (for a word in half the base, most of the query's time). PostgreSQL
//   has had the same split since the start (kb_search.title_tsv). Backfilled here from the
//   published articles with the shared tokeniser (the one the index is built with).
// - Analytics log a search once it settles: a typing burst ("v", "vp", "vpn") is one row,
//   rewritten as the query grows. `burst` ties the rows of one burst together: an opaque keyed
//   hash of the session (never the person), kept only on a session's latest row.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('kb_search_log').addColumn('burst', 'varchar(64)').execute();
  await db.schema.createIndex('kb_search_log_burst').on('kb_search_log').columns(['burst', 'id']).execute();
  if (isPostgres(db)) return;
  await sql`CREATE VIRTUAL TABLE kb_fts_title USING fts5(title, facets, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`.execute(db);
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
      let tags: string[] = [];
      try {
        const parsed: unknown = JSON.parse(row.tags);
        if (Array.isArray(parsed)) tags = parsed.filter((t): t is string => typeof t === 'string');
      } catch {
        // Unreadable tags index as none, as the search module does.
      }
      // The facet tokens kb_fts uses (see sqlite-engine.ts facetTokens), frozen here like the rest of a migration.
      const facets = ['xloc' + row.locale.toLowerCase().replace(/[^a-z0-9]/g, ''), row.category ? 'xcat' + row.category.toLowerCase().replace(/-/g, 'x9x') : '']
        .join(' ')
        .trim();
      const title = indexTokens([row.title, ...tags].join(' \n ')).join(' ');
      await sql`INSERT INTO kb_fts_title(rowid, title, facets) VALUES (${row.id}, ${title}, ${facets})`.execute(db);
    }
    after = rows.at(-1)!.id;
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) await sql`DROP TABLE kb_fts_title`.execute(db);
  await db.schema.dropIndex('kb_search_log_burst').execute();
  await db.schema.alterTable('kb_search_log').dropColumn('burst').execute();
}

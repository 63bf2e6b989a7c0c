import { type Kysely, sql } from 'kysely';
import { isPostgres } from './dialect.js';

// SQLite's title-only search pass ranks its matches by title length. It read each length from
// kb_articles, whose rows carry whole bodies: a page read for each of up to 300 matches, most of
// that pass's time at 100k articles (1.2 ms of a search). The engine now keeps the lengths in a
// table of their own beside kb_fts_title, written and removed with it; backfilled here for the
// articles that table holds. PostgreSQL ranks its title pass in the index and needs none.

export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return;
  await sql`CREATE TABLE kb_fts_title_length (article_id INTEGER PRIMARY KEY, length INTEGER NOT NULL)`.execute(db);
  await sql`INSERT INTO kb_fts_title_length(article_id, length)
    SELECT a.id, length(a.title) FROM kb_articles AS a WHERE a.id IN (SELECT rowid FROM kb_fts_title)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return;
  await sql`DROP TABLE kb_fts_title_length`.execute(db);
}

import { type Kysely, sql } from 'kysely';

// The search vocabulary's article count: the document frequency of the empty term (no token is
// empty; ARTICLE_COUNT_TERM in server/kb/search/vocabulary.ts), read with a query's own terms to
// tell its common parts from its rare ones. Counted here for the articles the index holds, the
// published ones; the indexer keeps it with every change after. Same SQL on both dialects, and
// rerunnable (the row is replaced).

export async function up(db: Kysely<any>): Promise<void> {
  await sql`DELETE FROM kb_terms WHERE term = ''`.execute(db);
  await sql`INSERT INTO kb_terms (term, df) SELECT '', count(*) FROM kb_articles WHERE status = 'published'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DELETE FROM kb_terms WHERE term = ''`.execute(db);
}

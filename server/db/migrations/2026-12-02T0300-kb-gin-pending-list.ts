import { type Kysely, sql } from 'kysely';
import { isPostgres } from './dialect.js';

// PostgreSQL: the knowledge base's GIN indexes keep at most 64 kB of not-yet-merged entries.
// A GIN index first appends new entries to a pending list (4 MB by default) that every search
// reads from end to end until VACUUM merges it: after a 100k import it held 21,000 titles, and
// a title search took 8–14 ms instead of 1–2. Saves stay cheap (the list is merged once it
// passes 64 kB) and a search never reads more than a few pages of it.

export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`ALTER INDEX kb_search_tsv SET (gin_pending_list_limit = 64)`.execute(db);
  await sql`ALTER INDEX kb_search_title_tsv SET (gin_pending_list_limit = 64)`.execute(db);
  await sql`SELECT gin_clean_pending_list('kb_search_tsv'), gin_clean_pending_list('kb_search_title_tsv')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`ALTER INDEX kb_search_tsv RESET (gin_pending_list_limit)`.execute(db);
  await sql`ALTER INDEX kb_search_title_tsv RESET (gin_pending_list_limit)`.execute(db);
}

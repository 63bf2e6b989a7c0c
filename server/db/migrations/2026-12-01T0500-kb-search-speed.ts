import type { Kysely } from 'kysely';

// Knowledge-base search analytics log a search once it settles: a typing burst ("v", "vp", "vpn")
// is one row, rewritten as the query grows. `burst` ties the rows of one burst together: an opaque
// keyed hash of the session (never the person), kept only on a session's latest row.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('kb_search_log').addColumn('burst', 'varchar(64)').execute();
  await db.schema.createIndex('kb_search_log_burst').on('kb_search_log').columns(['burst', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('kb_search_log_burst').execute();
  await db.schema.alterTable('kb_search_log').dropColumn('burst').execute();
}

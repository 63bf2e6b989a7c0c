import type { Kysely } from 'kysely';

// When a session last re-read its person from the directory. Sessions from before this migration
// start at 0, so each is rechecked on its next request.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('sessions')
    .addColumn('checked_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('checked_at').execute();
}

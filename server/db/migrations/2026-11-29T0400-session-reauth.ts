import type { Kysely } from 'kysely';

// When the person last re-entered their password in this session: changing recovery factors and
// acting on someone else's account need it within the last few minutes (an unlocked laptop is not enough).
// Also who vouched for a reset flow (the staff member whose code or link was used), for its audit row.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('reauth_at', 'bigint').execute();
  await db.schema.alterTable('password_flows').addColumn('on_behalf_of', 'varchar(256)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('password_flows').dropColumn('on_behalf_of').execute();
  await db.schema.alterTable('sessions').dropColumn('reauth_at').execute();
}

import type { Kysely } from 'kysely';

// Named locks shared by every portal process on one database (server/db/locks.ts), for work the
// database cannot hold in a transaction: e.g. reserving the last unit of a model in Snipe-IT,
// a read and a write over HTTP that two processes must not interleave.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('locks')
    .addColumn('key', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('holder', 'varchar(64)', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('locks').execute();
}

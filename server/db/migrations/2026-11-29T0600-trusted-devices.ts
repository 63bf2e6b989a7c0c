import type { Kysely } from 'kysely';

// Browsers where a person has signed in before (OWASP "device cookies"): their sign-in attempts are
// throttled per device, so failures from strangers elsewhere never block the person on their own device.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('trusted_devices')
    .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('username', 'varchar(256)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('trusted_devices_username').on('trusted_devices').column('username').execute();
  await db.schema.createIndex('trusted_devices_expires_at').on('trusted_devices').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('trusted_devices').execute();
}

import type { Kysely } from 'kysely';

// Web push subscriptions (server/push/): one row per browser a person turned notifications on in.
// The endpoint is the push service's address for that browser, unique across people.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('push_subscriptions')
    .addColumn('endpoint', 'varchar(2048)', (c) => c.primaryKey())
    .addColumn('username', 'varchar(256)', (c) => c.notNull())
    // The browser's ECDH public key and auth secret (base64url), which encrypt each message to it.
    .addColumn('p256dh', 'varchar(256)', (c) => c.notNull())
    .addColumn('auth', 'varchar(256)', (c) => c.notNull())
    .addColumn('user_agent', 'varchar(512)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('push_subscriptions_username').on('push_subscriptions').column('username').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('push_subscriptions').execute();
}

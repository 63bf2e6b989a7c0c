import type { Kysely } from 'kysely';

// Idempotency keys (server/http/idempotency.ts): (person, key) → the request's fingerprint and,
// once the first request finished, its answer. A retried write (the offline outbox resending after
// a lost answer) gets the stored answer instead of running twice.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('username', 'varchar(256)', (c) => c.notNull())
    .addColumn('key', 'varchar(128)', (c) => c.notNull())
    .addColumn('fingerprint', 'varchar(64)', (c) => c.notNull())
    // 'running' while the first request runs its handler, 'done' once its answer is stored.
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('status', 'integer')
    .addColumn('response', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['username', 'key'])
    .execute();
  // Housekeeping deletes keys older than a day.
  await db.schema.createIndex('idempotency_keys_created_at').on('idempotency_keys').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('idempotency_keys').execute();
}

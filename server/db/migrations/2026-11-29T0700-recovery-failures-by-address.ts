import type { Kysely } from 'kysely';

// Consecutive failed reset verifications were counted per person only, so anyone anywhere could
// lock a person out of self-service with 100 wrong codes. They are now counted per (person,
// client address), with a much higher per-person backstop in the row whose scope is '*'.
// Reset flows also get the key their limits are counted under (`subject_key`): the username, or
// for a login that named nobody a keyed hash of it, so missing people are limited exactly alike.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('recovery_failures').renameTo('recovery_failures_by_person').execute();
  await db.schema
    .createTable('recovery_failures')
    .addColumn('username', 'varchar(256)', (c) => c.notNull())
    // A client address, or '*' for the person's total across addresses.
    .addColumn('scope', 'varchar(64)', (c) => c.notNull())
    .addColumn('consecutive', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('recovery_failures_pk', ['username', 'scope'])
    .execute();
  // What was counted per person carries over as the backstop's count.
  await db
    .insertInto('recovery_failures')
    .columns(['username', 'scope', 'consecutive', 'updated_at'])
    .expression((eb) =>
      eb.selectFrom('recovery_failures_by_person').select(['username', eb.val('*').as('scope'), 'consecutive', 'updated_at']),
    )
    .execute();
  await db.schema.dropTable('recovery_failures_by_person').execute();

  await db.schema.alterTable('password_flows').addColumn('subject_key', 'varchar(256)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('password_flows').dropColumn('subject_key').execute();
  await db.schema.dropTable('recovery_failures').execute();
  await db.schema
    .createTable('recovery_failures')
    .addColumn('username', 'varchar(256)', (c) => c.primaryKey())
    .addColumn('consecutive', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

import type { Kysely } from 'kysely';
import { autoIncrementId } from './dialect.js';

// The built-in directory's password history (so resets and changes can refuse recent passwords)
// and when each password was last set.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('directory_password_history')
    .addColumn('id', 'integer', autoIncrementId(db))
    .addColumn('username', 'varchar(256)', (c) => c.notNull().references('directory_users.username').onDelete('cascade'))
    .addColumn('password_hash', 'varchar(512)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('directory_password_history_username').on('directory_password_history').columns(['username', 'id']).execute();
  await db.schema.alterTable('directory_users').addColumn('password_changed_at', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('directory_users').dropColumn('password_changed_at').execute();
  await db.schema.dropTable('directory_password_history').execute();
}

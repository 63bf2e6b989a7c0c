import type { Kysely } from 'kysely';
import { autoIncrementId } from './dialect.js';

// Frozen in time: migrations never import application code, so later changes cannot rewrite history.
// Plain schema-builder calls that run on SQLite and PostgreSQL alike.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('directory_users')
    .addColumn('username', 'varchar(256)', (c) => c.primaryKey())
    .addColumn('display_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('email', 'varchar(320)', (c) => c.notNull())
    .addColumn('email_lower', 'varchar(320)', (c) => c.notNull())
    .addColumn('department', 'varchar(256)')
    .addColumn('title', 'varchar(256)')
    .addColumn('manager', 'varchar(256)')
    .addColumn('password_hash', 'varchar(512)', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('directory_users_email_lower').on('directory_users').column('email_lower').execute();
  await db.schema.createIndex('directory_users_manager').on('directory_users').column('manager').execute();

  await db.schema
    .createTable('directory_group_members')
    .addColumn('group_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('username', 'varchar(256)', (c) => c.notNull().references('directory_users.username').onDelete('cascade'))
    .addPrimaryKeyConstraint('directory_group_members_pk', ['group_name', 'username'])
    .execute();
  await db.schema.createIndex('directory_group_members_username').on('directory_group_members').column('username').execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('username', 'varchar(256)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('ip', 'varchar(64)')
    .addColumn('user_agent', 'varchar(512)')
    .addColumn('profile', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_username').on('sessions').column('username').execute();
  await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();

  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'varchar(512)', (c) => c.primaryKey())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'integer', autoIncrementId(db))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'varchar(256)')
    .addColumn('subject', 'varchar(256)')
    .addColumn('action', 'varchar(128)', (c) => c.notNull())
    .addColumn('result', 'varchar(16)', (c) => c.notNull())
    .addColumn('ip', 'varchar(64)')
    .addColumn('user_agent', 'varchar(512)')
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
  await db.schema.createIndex('audit_events_actor').on('audit_events').column('actor').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['audit_events', 'rate_limits', 'sessions', 'directory_group_members', 'directory_users']) {
    await db.schema.dropTable(table).execute();
  }
}

import type { Kysely } from 'kysely';
import { autoIncrementId } from './dialect.js';

// Self-service password reset and unlock: recovery factors, reset flows and one-time secrets.

export async function up(db: Kysely<any>): Promise<void> {
  // A personal address for codes when the work mailbox is out of reach. One per person.
  await db.schema
    .createTable('recovery_emails')
    .addColumn('username', 'varchar(256)', (c) => c.primaryKey())
    .addColumn('email', 'varchar(320)', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // Authenticator app (RFC 6238). last_step blocks replay of a code within its window.
  await db.schema
    .createTable('totp_factors')
    .addColumn('username', 'varchar(256)', (c) => c.primaryKey())
    .addColumn('secret', 'varchar(128)', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .addColumn('last_step', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('passkeys')
    .addColumn('credential_id', 'varchar(1024)', (c) => c.primaryKey())
    .addColumn('username', 'varchar(256)', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .addColumn('transports', 'varchar(256)')
    .addColumn('name', 'varchar(128)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('passkeys_username').on('passkeys').column('username').execute();

  // A forgot-password / unlock flow. The id is a bearer secret held by the browser; only its hash is
  // stored. username is null when the login matched nobody: the flow then behaves like a real one.
  await db.schema
    .createTable('password_flows')
    .addColumn('id_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('username', 'varchar(256)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('verified_methods', 'varchar(256)', (c) => c.notNull().defaultTo(''))
    .addColumn('failed_verifications', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('completed_at', 'bigint')
    .addColumn('cancelled_at', 'bigint')
    .addColumn('ip', 'varchar(64)')
    .execute();
  await db.schema.createIndex('password_flows_username').on('password_flows').column('username').execute();

  // One-time secrets (codes, link tokens, WebAuthn challenges), hashed, bound to one person and one
  // purpose, consumed atomically.
  await db.schema
    .createTable('one_time_secrets')
    .addColumn('id', 'integer', autoIncrementId(db))
    .addColumn('secret_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('username', 'varchar(256)', (c) => c.notNull())
    .addColumn('purpose', 'varchar(32)', (c) => c.notNull())
    .addColumn('flow_id_hash', 'varchar(64)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'varchar(256)')
    .execute();
  await db.schema.createIndex('one_time_secrets_lookup').on('one_time_secrets').columns(['username', 'purpose']).execute();
  await db.schema.createIndex('one_time_secrets_hash').on('one_time_secrets').column('secret_hash').execute();

  // Consecutive failed verifications per person, across flows (a success resets it).
  await db.schema
    .createTable('recovery_failures')
    .addColumn('username', 'varchar(256)', (c) => c.primaryKey())
    .addColumn('consecutive', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // Admin settings as JSON documents by key (e.g. the reset policy).
  await db.schema
    .createTable('settings')
    .addColumn('key', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'varchar(256)')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'settings',
    'recovery_failures',
    'one_time_secrets',
    'password_flows',
    'passkeys',
    'totp_factors',
    'recovery_emails',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}

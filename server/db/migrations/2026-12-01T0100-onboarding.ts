import type { Kysely } from 'kysely';
import { autoIncrementId } from './dialect.js';

// Onboarding: new hires (one row each, with the checklist's timestamps on it, so a list of
// hundreds of hires is one query) and the role bundles HR picks from.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('hires')
    .addColumn('id', 'integer', autoIncrementId(db))
    // The username the account gets; a collision found while provisioning moves it to the next number.
    .addColumn('username', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('first_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('last_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('display_name', 'varchar(160)', (c) => c.notNull())
    .addColumn('personal_email', 'varchar(254)', (c) => c.notNull())
    .addColumn('start_date', 'varchar(10)', (c) => c.notNull())
    .addColumn('time_zone', 'varchar(64)', (c) => c.notNull())
    .addColumn('department', 'varchar(128)', (c) => c.notNull())
    .addColumn('title', 'varchar(128)', (c) => c.notNull())
    .addColumn('manager', 'varchar(64)', (c) => c.notNull())
    .addColumn('location', 'varchar(128)')
    .addColumn('employment_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('role_key', 'varchar(40)')
    // The bundle as it was when the hire was added (JSON): editing a bundle later changes no one already hired.
    .addColumn('bundle', 'text', (c) => c.notNull().defaultTo('{"groups":[],"items":[],"autoApprove":false}'))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    // Local 00:00 of the start date in the hire's zone, and the version of the activation job that
    // may act on it (a moved start date bumps it, so a job already claimed for the old date does nothing).
    .addColumn('activates_at', 'bigint', (c) => c.notNull())
    .addColumn('activation_version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'varchar(256)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // The checklist: when each step happened (null: not yet).
    .addColumn('account_created_at', 'bigint')
    .addColumn('groups_added_at', 'bigint')
    .addColumn('equipment_requested_at', 'bigint')
    // JSON array of device request ids made from the bundle.
    .addColumn('request_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('activation_sent_at', 'bigint')
    .addColumn('activated_at', 'bigint')
    .addColumn('first_sign_in_at', 'bigint')
    .addColumn('cancelled_at', 'bigint')
    .addColumn('cancelled_by', 'varchar(256)')
    // The last thing provisioning could not do, for HR to read (e.g. a group that does not exist).
    .addColumn('problem', 'varchar(256)')
    .execute();
  // The list HR reads (newest start dates first), the day-before summary (hires starting on a day),
  // and first sign-in (by username, on every sign-in).
  await db.schema.createIndex('hires_status_start').on('hires').columns(['status', 'start_date']).execute();
  // A manager's own incoming hires.
  await db.schema.createIndex('hires_manager').on('hires').columns(['manager', 'start_date']).execute();

  await db.schema
    .createTable('role_bundles')
    .addColumn('key', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(80)', (c) => c.notNull())
    // JSON arrays: directory group names, and {modelId, quantity} catalog items.
    .addColumn('groups', 'text', (c) => c.notNull())
    .addColumn('items', 'text', (c) => c.notNull())
    .addColumn('auto_approve', 'integer', (c) => c.notNull().defaultTo(0))
    // Gives a staff group (help desk, HR, admin): only admins may create or change it.
    .addColumn('grants_staff', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'varchar(256)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('role_bundles').execute();
  await db.schema.dropTable('hires').execute();
}

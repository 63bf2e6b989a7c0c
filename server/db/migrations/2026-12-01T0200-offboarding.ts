import { type Kysely, sql } from 'kysely';
import { autoIncrementId } from './dialect.js';

// Offboarding (server/features/offboarding/): a leaver's last day and time zone, the job that
// closes them out at the end of that day, and the checklist it fills in. One scheduled offboarding
// per person at a time: a partial unique index, so two HR members racing get one row, not two.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('offboardings')
    .addColumn('id', 'integer', autoIncrementId(db))
    // The directory's own spelling of the username (compared case-insensitively on LDAP).
    .addColumn('username', 'varchar(256)', (c) => c.notNull())
    .addColumn('display_name', 'varchar(256)', (c) => c.notNull())
    // The manager when HR started it, so the summary reaches them even if the directory forgets them.
    .addColumn('manager', 'varchar(256)')
    .addColumn('last_day', 'varchar(10)', (c) => c.notNull())
    .addColumn('time_zone', 'varchar(64)', (c) => c.notNull())
    // Local 00:00 after the last day in time_zone, as epoch ms: when the job runs.
    .addColumn('closes_at', 'bigint', (c) => c.notNull())
    // scheduled → done, or scheduled → cancelled.
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_by', 'varchar(256)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('cancelled_by', 'varchar(256)')
    .addColumn('cancelled_at', 'bigint')
    // The checklist: each step's time, set once (a retried job skips what is already set).
    .addColumn('account_disabled_at', 'bigint')
    .addColumn('sessions_revoked_at', 'bigint')
    .addColumn('returns_opened_at', 'bigint')
    .addColumn('summary_sent_at', 'bigint')
    .addColumn('done_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('offboardings_one_scheduled')
    .on('offboardings')
    .column('username')
    .unique()
    .where(sql.ref('status'), '=', 'scheduled')
    .execute();
  await db.schema.createIndex('offboardings_username').on('offboardings').column('username').execute();

  // One row per asset a return was opened for: the key that keeps a retried job from opening two.
  await db.schema
    .createTable('offboarding_returns')
    .addColumn('offboarding_id', 'integer', (c) => c.notNull().references('offboardings.id'))
    .addColumn('asset_tag', 'varchar(64)', (c) => c.notNull())
    .addColumn('model_name', 'varchar(256)', (c) => c.notNull())
    // The device report (kind 'return') the help desk closes with a check-in.
    .addColumn('report_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('offboarding_returns_pk', ['offboarding_id', 'asset_tag'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('offboarding_returns').execute();
  await db.schema.dropTable('offboardings').execute();
}

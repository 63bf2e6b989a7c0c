import type { Kysely } from 'kysely';
import { autoIncrementId } from './dialect.js';

// Device requests: requests, their approval steps and the approvers of each step, the timeline,
// approval chains per category, delegations while away, loaner bookings, in-app notifications and
// device reports. Sized for hundreds of thousands of requests: every list the API serves has an
// index that starts with its filter.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('device_requests')
    .addColumn('id', 'integer', autoIncrementId(db))
    // The person the device is for, and who submitted it (a manager or HR may ask on their behalf).
    .addColumn('requester', 'varchar(256)', (c) => c.notNull())
    .addColumn('requester_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('created_by', 'varchar(256)', (c) => c.notNull())
    .addColumn('model_id', 'varchar(16)', (c) => c.notNull())
    // Snapshots taken at submission: what the approvers saw stays what the request says.
    .addColumn('model_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('category', 'varchar(100)', (c) => c.notNull())
    .addColumn('price_cents', 'bigint')
    .addColumn('quantity', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('justification', 'text', (c) => c.notNull())
    .addColumn('needed_by', 'varchar(10)')
    .addColumn('loan_from', 'varchar(10)')
    .addColumn('loan_until', 'varchar(10)')
    .addColumn('status', 'varchar(24)', (c) => c.notNull())
    .addColumn('current_step', 'integer')
    .addColumn('step_count', 'integer', (c) => c.notNull())
    .addColumn('lead_time_days', 'integer')
    .addColumn('delivery', 'varchar(16)')
    // JSON arrays of asset tags: reserved (or the loaner booked) for it, and handed over.
    .addColumn('reserved_assets', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('asset_tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('rejection_reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('device_requests_requester').on('device_requests').columns(['requester', 'created_at']).execute();
  await db.schema.createIndex('device_requests_created_by').on('device_requests').columns(['created_by', 'created_at']).execute();
  // The help desk's fulfilment queue and backorders of a model.
  await db.schema.createIndex('device_requests_status_model').on('device_requests').columns(['status', 'model_id', 'created_at']).execute();

  await db.schema
    .createTable('request_steps')
    .addColumn('id', 'integer', autoIncrementId(db))
    .addColumn('request_id', 'integer', (c) => c.notNull().references('device_requests.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('role', 'varchar(32)')
    .addColumn('mode', 'varchar(8)', (c) => c.notNull().defaultTo('any'))
    // JSON array of named members (group steps), fixed at submission like the rest of the chain.
    .addColumn('members', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('sla_ms', 'bigint', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('opened_at', 'bigint')
    .addColumn('due_at', 'bigint')
    .addColumn('decided_at', 'bigint')
    .addUniqueConstraint('request_steps_position', ['request_id', 'position'])
    .execute();

  // One row per person (or role) who may decide a step; for an "all" step, one per member.
  await db.schema
    .createTable('request_approvers')
    .addColumn('id', 'integer', autoIncrementId(db))
    .addColumn('request_id', 'integer', (c) => c.notNull().references('device_requests.id').onDelete('cascade'))
    .addColumn('step_id', 'integer', (c) => c.notNull().references('request_steps.id').onDelete('cascade'))
    // A username, or `role:<role>` when any holder of the role may decide.
    .addColumn('approver', 'varchar(256)', (c) => c.notNull())
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('decided_by', 'varchar(256)')
    .addColumn('comment', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_at', 'bigint')
    .execute();
  // "Waiting for me": pending rows of one approver, oldest first.
  await db.schema.createIndex('request_approvers_queue').on('request_approvers').columns(['approver', 'state', 'created_at']).execute();
  await db.schema.createIndex('request_approvers_step').on('request_approvers').columns(['step_id']).execute();
  await db.schema.createIndex('request_approvers_request').on('request_approvers').columns(['request_id']).execute();

  await db.schema
    .createTable('request_events')
    .addColumn('id', 'integer', autoIncrementId(db))
    .addColumn('request_id', 'integer', (c) => c.notNull().references('device_requests.id').onDelete('cascade'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('event', 'varchar(32)', (c) => c.notNull())
    .addColumn('actor', 'varchar(256)')
    .addColumn('on_behalf_of', 'varchar(256)')
    .addColumn('comment', 'text')
    .execute();
  await db.schema.createIndex('request_events_request').on('request_events').columns(['request_id', 'id']).execute();

  await db.schema
    .createTable('approval_chains')
    .addColumn('id', 'integer', autoIncrementId(db))
    .addColumn('category', 'varchar(100)', (c) => c.notNull())
    .addColumn('max_price_cents', 'bigint')
    // JSON: the ChainStep list (shared/requests.ts).
    .addColumn('steps', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'varchar(256)')
    .execute();

  await db.schema
    .createTable('approval_delegations')
    .addColumn('delegator', 'varchar(256)', (c) => c.primaryKey())
    .addColumn('delegate', 'varchar(256)', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('approval_delegations_delegate').on('approval_delegations').columns(['delegate', 'ends_at']).execute();

  // One row per loaner and day: the unique key makes a double booking fail atomically on both
  // databases, whichever transaction commits second.
  await db.schema
    .createTable('loaner_bookings')
    .addColumn('id', 'integer', autoIncrementId(db))
    .addColumn('asset_tag', 'varchar(64)', (c) => c.notNull())
    .addColumn('day', 'varchar(10)', (c) => c.notNull())
    .addColumn('request_id', 'integer', (c) => c.notNull().references('device_requests.id').onDelete('cascade'))
    .addUniqueConstraint('loaner_bookings_asset_day', ['asset_tag', 'day'])
    .execute();
  await db.schema.createIndex('loaner_bookings_request').on('loaner_bookings').columns(['request_id']).execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'integer', autoIncrementId(db))
    .addColumn('recipient', 'varchar(256)', (c) => c.notNull())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('link', 'varchar(512)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('read_at', 'bigint')
    .execute();
  await db.schema.createIndex('notifications_recipient').on('notifications').columns(['recipient', 'id']).execute();
  await db.schema.createIndex('notifications_unread').on('notifications').columns(['recipient', 'read_at']).execute();

  await db.schema
    .createTable('device_reports')
    .addColumn('id', 'integer', autoIncrementId(db))
    .addColumn('asset_tag', 'varchar(64)', (c) => c.notNull())
    .addColumn('reporter', 'varchar(256)', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('resolution', 'varchar(32)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .addColumn('closed_by', 'varchar(256)')
    .execute();
  await db.schema.createIndex('device_reports_state').on('device_reports').columns(['state', 'created_at']).execute();
  await db.schema.createIndex('device_reports_asset').on('device_reports').columns(['asset_tag', 'state']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'device_reports',
    'notifications',
    'loaner_bookings',
    'approval_delegations',
    'approval_chains',
    'request_events',
    'request_approvers',
    'request_steps',
    'device_requests',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}

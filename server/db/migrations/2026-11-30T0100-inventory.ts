import type { Kysely } from 'kysely';
import { autoIncrementId } from './dialect.js';

// The built-in asset inventory: categories, models (what can be requested), assets (one row per
// tagged device) and the append-only history of every asset's movements. Unused (but harmless)
// when INVENTORY=snipeit.

const CATEGORIES: Array<[slug: string, name: string]> = [
  ['laptops', 'Laptops'],
  ['phones', 'Phones'],
  ['monitors', 'Monitors'],
  ['peripherals', 'Peripherals'],
  ['accessories', 'Accessories'],
  ['loaners', 'Loaners'],
];

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('inventory_categories')
    .addColumn('slug', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Reference data every portal starts with (approval chains are configured per category).
  await db
    .insertInto('inventory_categories')
    .values(CATEGORIES.map(([slug, name], position) => ({ slug, name, position })))
    .execute();

  await db.schema
    .createTable('inventory_models')
    .addColumn('id', 'integer', autoIncrementId(db))
    .addColumn('category', 'varchar(40)', (c) => c.notNull().references('inventory_categories.slug'))
    .addColumn('manufacturer', 'varchar(100)', (c) => c.notNull())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('specs', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('image_url', 'varchar(2000)')
    .addColumn('price_cents', 'bigint')
    .addColumn('requestable', 'integer', (c) => c.notNull().defaultTo(1))
    // JSON arrays of role names and department names; empty means everyone.
    .addColumn('eligible_roles', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('eligible_departments', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('lead_time_days', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // The catalogue lists by category then name.
  await db.schema.createIndex('inventory_models_category_name').on('inventory_models').columns(['category', 'name']).execute();

  await db.schema
    .createTable('inventory_assets')
    .addColumn('id', 'integer', autoIncrementId(db))
    .addColumn('tag', 'varchar(64)', (c) => c.notNull())
    // Tags and serials are unique regardless of case (IT-0001 and it-0001 are one label).
    .addColumn('tag_lower', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('serial', 'varchar(100)')
    .addColumn('serial_lower', 'varchar(100)', (c) => c.unique())
    .addColumn('model_id', 'integer', (c) => c.notNull().references('inventory_models.id'))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('location', 'varchar(200)')
    .addColumn('assigned_to', 'varchar(256)')
    .addColumn('reserved_for', 'varchar(128)')
    .addColumn('purchase_date', 'varchar(10)')
    .addColumn('warranty_end', 'varchar(10)')
    .addColumn('notes', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // Stock counts per model and the reservation's pick of an in-stock unit (100k assets).
  await db.schema.createIndex('inventory_assets_model_status').on('inventory_assets').columns(['model_id', 'status', 'id']).execute();
  // The help desk's filter by status, paged by tag.
  await db.schema.createIndex('inventory_assets_status_tag').on('inventory_assets').columns(['status', 'tag_lower']).execute();
  // My devices.
  await db.schema.createIndex('inventory_assets_assigned_to').on('inventory_assets').column('assigned_to').execute();

  await db.schema
    .createTable('inventory_asset_events')
    .addColumn('id', 'integer', autoIncrementId(db))
    .addColumn('asset_id', 'integer', (c) => c.notNull().references('inventory_assets.id'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('from_status', 'varchar(16)')
    .addColumn('to_status', 'varchar(16)')
    .addColumn('actor', 'varchar(256)')
    .addColumn('person', 'varchar(256)')
    .addColumn('note', 'text')
    .execute();
  await db.schema.createIndex('inventory_asset_events_asset').on('inventory_asset_events').columns(['asset_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('inventory_asset_events').execute();
  await db.schema.dropTable('inventory_assets').execute();
  await db.schema.dropTable('inventory_models').execute();
  await db.schema.dropTable('inventory_categories').execute();
}

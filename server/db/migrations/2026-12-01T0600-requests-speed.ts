import { type Kysely, sql } from 'kysely';

// Device-request speed. The catalogue showed each model's stock by counting its in-stock assets on
// every read (a count over tens of thousands of index entries at 100k assets); the count is now kept
// on the model row, changed in the same statement sequence (and transaction) as every asset move
// (server/inventory/builtin-repository.ts), and filled here from the assets as they are.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('inventory_models')
    .addColumn('in_stock_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update inventory_models set in_stock_count = (
    select count(*) from inventory_assets a where a.model_id = inventory_models.id and a.status = 'in_stock'
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('inventory_models').dropColumn('in_stock_count').execute();
}

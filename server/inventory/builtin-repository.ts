import { type Kysely, type Selectable, sql } from 'kysely';
import { isPostgres } from '../db/dialect.js';
import type { Database, InventoryAssetEventTable, InventoryAssetTable, InventoryModelTable } from '../db/schema.js';

// The only module that touches the built-in inventory's tables. The one place where the two
// dialects differ is the reservation's pick of a unit: PostgreSQL locks it with FOR UPDATE SKIP
// LOCKED so two reservers never wait on or take the same row; SQLite has one writer at a time,
// so one conditional UPDATE … RETURNING is already atomic.

type Db = Kysely<Database>;
export type ModelRow = Selectable<InventoryModelTable> & { in_stock: number };
export type AssetRow = Selectable<InventoryAssetTable> & { model_name: string; category: string };
export type AssetEventRow = Selectable<InventoryAssetEventTable> & { tag: string };

/** `%text%` for LIKE on a lower-cased column, with the wildcards in the text escaped. */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function likeLower(column: string, pattern: string) {
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}

export async function listCategories(db: Db) {
  return db.selectFrom('inventory_categories').select(['slug', 'name']).orderBy('position').orderBy('slug').execute();
}

export async function categoryExists(db: Db, slug: string): Promise<boolean> {
  return !!(await db.selectFrom('inventory_categories').select('slug').where('slug', '=', slug).executeTakeFirst());
}

export interface ModelWhere {
  query?: string;
  category?: string;
  requestable?: boolean;
  ids?: number[];
}

function modelsWhere(db: Db, where: ModelWhere) {
  let q = db.selectFrom('inventory_models as m');
  if (where.category) q = q.where('m.category', '=', where.category);
  if (where.requestable !== undefined) q = q.where('m.requestable', '=', where.requestable ? 1 : 0);
  if (where.ids) q = where.ids.length ? q.where('m.id', 'in', where.ids) : q.where(sql<boolean>`1 = 0`);
  if (where.query) {
    const pattern = containsPattern(where.query);
    q = q.where((eb) => eb.or([likeLower('m.name', pattern), likeLower('m.manufacturer', pattern), likeLower('m.specs', pattern)]));
  }
  return q;
}

/** The in-stock count kept on the model row (see adjustStock), as the row's `in_stock`. */
const inStock = sql<number>`${sql.ref('m.in_stock_count')}`.as('in_stock');

export async function findModels(db: Db, where: ModelWhere, limit: number, offset: number) {
  const [rows, count] = await Promise.all([
    modelsWhere(db, where)
      .selectAll('m')
      .select(inStock)
      .orderBy('m.category')
      .orderBy('m.name')
      .orderBy('m.id')
      .limit(limit)
      .offset(offset)
      .execute(),
    modelsWhere(db, where)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map((r) => ({ ...r, in_stock: Number(r.in_stock) })) as ModelRow[], total: Number(count.n) };
}

export async function findModel(db: Db, id: number): Promise<ModelRow | null> {
  const row = await db.selectFrom('inventory_models as m').selectAll('m').select(inStock).where('m.id', '=', id).executeTakeFirst();
  return row ? ({ ...row, in_stock: Number(row.in_stock) } as ModelRow) : null;
}

export type ModelValues = Omit<InventoryModelTable, 'id' | 'created_at' | 'in_stock_count'>;

export async function insertModel(db: Db, values: ModelValues & { created_at: number }): Promise<number> {
  const row = await db.insertInto('inventory_models').values(values).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateModel(db: Db, id: number, values: ModelValues): Promise<boolean> {
  const result = await db.updateTable('inventory_models').set(values).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

function assetsWithModel(db: Db) {
  return db
    .selectFrom('inventory_assets as a')
    .innerJoin('inventory_models as m', 'm.id', 'a.model_id')
    .selectAll('a')
    .select(['m.name as model_name', 'm.category as category']);
}

export async function findAssetBy(db: Db, key: { tag: string } | { serial: string } | { id: number }): Promise<AssetRow | null> {
  let q = assetsWithModel(db);
  if ('tag' in key) q = q.where('a.tag_lower', '=', key.tag.trim().toLowerCase());
  else if ('serial' in key) q = q.where('a.serial_lower', '=', key.serial.trim().toLowerCase());
  else q = q.where('a.id', '=', key.id);
  return (await q.executeTakeFirst()) ?? null;
}

export interface AssetWhere {
  query?: string;
  status?: string;
  modelId?: number;
  category?: string;
  assignedTo?: string;
}

/** Whether a filter reads the model's columns (else counting needs no join: 100k assets count in one index pass). */
function needsModel(where: AssetWhere): boolean {
  return !!(where.category || where.query);
}

/** Text this long or longer is looked up in the trigram index (shorter text has no trigram to look up). */
const TRIGRAM = 3;

/**
 * Ids of the assets whose tag, serial, location or holder contains `text` (case aside), or whose
 * model's name does: the same matches as the LIKE scan below, found through the trigram index of
 * migration 2026-12-02T0100 (SQLite: FTS5 trigram; PostgreSQL: pg_trgm GIN, one per column, so
 * each branch of the union is an index lookup).
 */
function assetsMatching(db: Db, text: string) {
  const pattern = containsPattern(text);
  if (isPostgres(db)) {
    const byModel = sql`select a2.id from inventory_assets a2 join inventory_models m2 on m2.id = a2.model_id where lower(m2.name) like ${pattern} escape '\\'`;
    return sql`select id from inventory_assets where tag_lower like ${pattern} escape '\\'
      union select id from inventory_assets where serial_lower like ${pattern} escape '\\'
      union select id from inventory_assets where lower(location) like ${pattern} escape '\\'
      union select id from inventory_assets where lower(assigned_to) like ${pattern} escape '\\'
      union ${byModel}`;
  }
  // From the few matching models to their assets (model_id index): SQLite, without statistics
  // (nothing runs ANALYZE), would otherwise walk every asset's model_id and look its model up.
  const byModel = sql`select id from inventory_assets where model_id in (select id from inventory_models where lower(name) like ${pattern} escape '\\')`;
  // One FTS5 phrase: the text's trigrams in a row, i.e. the text as a substring of any column.
  const phrase = `"${text.toLowerCase().replace(/"/g, '""')}"`;
  return sql`select rowid from inventory_assets_search where inventory_assets_search match ${phrase} union ${byModel}`;
}

function assetsWhere(db: Db, where: AssetWhere) {
  let q = db.selectFrom('inventory_assets as a').innerJoin('inventory_models as m', 'm.id', 'a.model_id');
  if (where.status) q = q.where('a.status', '=', where.status);
  if (where.modelId !== undefined) q = q.where('a.model_id', '=', where.modelId);
  if (where.category) q = q.where('m.category', '=', where.category);
  if (where.assignedTo) q = q.where('a.assigned_to', '=', where.assignedTo);
  if (where.query && [...where.query].length >= TRIGRAM) {
    q = q.where(sql<boolean>`${sql.ref('a.id')} in (${assetsMatching(db, where.query)})`);
  } else if (where.query) {
    const pattern = containsPattern(where.query);
    q = q.where((eb) =>
      eb.or([
        // Stored lower-cased already, so these two can use their indexes' order without lower().
        sql<boolean>`${sql.ref('a.tag_lower')} like ${pattern} escape '\\'`,
        sql<boolean>`${sql.ref('a.serial_lower')} like ${pattern} escape '\\'`,
        likeLower('m.name', pattern),
        likeLower('a.location', pattern),
        likeLower('a.assigned_to', pattern),
      ]),
    );
  }
  return q;
}

export async function findAssets(db: Db, where: AssetWhere, limit: number, offset: number) {
  const [rows, count] = await Promise.all([
    assetsWhere(db, where)
      .selectAll('a')
      .select(['m.name as model_name', 'm.category as category'])
      .orderBy('a.tag_lower')
      .limit(limit)
      .offset(offset)
      .execute(),
    needsModel(where)
      ? assetsWhere(db, where)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      : countAssetsOnly(db, where),
  ]);
  return { rows: rows as AssetRow[], total: Number(count.n) };
}

async function countAssetsOnly(db: Db, where: AssetWhere) {
  let q = db.selectFrom('inventory_assets as a');
  if (where.status) q = q.where('a.status', '=', where.status);
  if (where.modelId !== undefined) q = q.where('a.model_id', '=', where.modelId);
  if (where.assignedTo) q = q.where('a.assigned_to', '=', where.assignedTo);
  return q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
}

/** What is checked out to a person (assigned_to is set only while assigned), by tag; uses the assigned_to index. */
export async function assetsAssignedTo(db: Db, username: string): Promise<AssetRow[]> {
  return (
    (await db
      .selectFrom('inventory_assets as a')
      .innerJoin('inventory_models as m', 'm.id', 'a.model_id')
      .selectAll('a')
      .select(['m.name as model_name', 'm.category as category'])
      // No status condition on purpose: with one, SQLite may walk the (status, tag) index over every
      // assigned asset instead of the handful this person holds.
      .where('a.assigned_to', '=', username)
      .orderBy('a.tag_lower')
      .execute()) as AssetRow[]
  );
}

export type AssetValues = Omit<InventoryAssetTable, 'id' | 'created_at'>;

export async function insertAsset(db: Db, values: AssetValues & { created_at: number }): Promise<number> {
  const row = await db.insertInto('inventory_assets').values(values).returning('id').executeTakeFirstOrThrow();
  if (values.status === 'in_stock') await adjustStock(db, values.model_id, 1);
  return row.id;
}

/**
 * Moves a model's kept in-stock count. Called right after the asset statement that changed the
 * stock, in the same transaction, so the count commits or rolls back with the move. On PostgreSQL
 * the model row stays locked until commit: stock changes of one model queue up briefly (they are
 * short transactions); the asset row is always changed first, so every writer locks in that order.
 */
async function adjustStock(db: Db, modelId: number, delta: number): Promise<void> {
  await db
    .updateTable('inventory_models')
    .set({ in_stock_count: sql`in_stock_count + ${delta}` })
    .where('id', '=', modelId)
    .execute();
}

/** Counts every model's in-stock assets again (after rows were written around this module, e.g. a bulk load). */
export async function recountStock(db: Kysely<any>): Promise<void> {
  await sql`update inventory_models set in_stock_count = (
    select count(*) from inventory_assets a where a.model_id = inventory_models.id and a.status = 'in_stock'
  )`.execute(db);
}

/**
 * Changes an asset only if it is still as the caller saw it (`expect`): the compare-and-set that
 * makes assign, release, check-in and status changes safe against a concurrent move of the same
 * asset. False when someone else moved it first.
 */
export async function updateAssetIf(
  db: Db,
  id: number,
  expect: { status: string; reserved_for: string | null; model_id: number },
  values: Partial<AssetValues>,
): Promise<boolean> {
  let q = db.updateTable('inventory_assets').set(values).where('id', '=', id).where('status', '=', expect.status);
  // The model is compared too: the stock count to move below is the one of the model it had.
  q = q.where('model_id', '=', expect.model_id);
  q = expect.reserved_for === null ? q.where('reserved_for', 'is', null) : q.where('reserved_for', '=', expect.reserved_for);
  const result = await q.executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  const wasInStock = expect.status === 'in_stock';
  const isInStock = (values.status ?? expect.status) === 'in_stock';
  const model = values.model_id ?? expect.model_id;
  if (wasInStock && (!isInStock || model !== expect.model_id)) await adjustStock(db, expect.model_id, -1);
  if (isInStock && (!wasInStock || model !== expect.model_id)) await adjustStock(db, model, 1);
  return true;
}

/**
 * Takes one in-stock unit of a model for `holder` in one statement; undefined when none is left.
 * Two reservers at once never get the same unit, and stock never goes negative.
 */
export async function reserveUnit(db: Db, modelId: number, holder: string, now: number): Promise<number | undefined> {
  let pick = db
    .selectFrom('inventory_assets')
    .select('id')
    .where('model_id', '=', modelId)
    .where('status', '=', 'in_stock')
    .orderBy('id')
    .limit(1);
  if (isPostgres(db)) pick = pick.forUpdate().skipLocked();
  const row = await db
    .updateTable('inventory_assets')
    .set({ status: 'reserved', reserved_for: holder, updated_at: now })
    .where('id', '=', (eb) => eb.selectFrom(pick.as('p')).select('p.id'))
    // Re-checked on the row itself: on PostgreSQL a row changed by a committed rival no longer matches.
    .where('status', '=', 'in_stock')
    .returning('id')
    .executeTakeFirst();
  if (row) await adjustStock(db, modelId, -1);
  return row?.id;
}

export async function insertAssetEvent(db: Db, event: Omit<InventoryAssetEventTable, 'id'>): Promise<void> {
  await db.insertInto('inventory_asset_events').values(event).execute();
}

export async function assetEvents(db: Db, assetId: number): Promise<AssetEventRow[]> {
  return db
    .selectFrom('inventory_asset_events as e')
    .innerJoin('inventory_assets as a', 'a.id', 'e.asset_id')
    .selectAll('e')
    .select('a.tag')
    .where('e.asset_id', '=', assetId)
    .orderBy('e.id')
    .execute();
}

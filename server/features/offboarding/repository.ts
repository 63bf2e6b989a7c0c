import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { Database, OffboardingReturnTable, OffboardingTable } from '../../db/schema.js';

// The only module that touches the offboarding tables.

type Db = Kysely<Database> | Transaction<Database>;

export type OffboardingRow = Selectable<OffboardingTable>;
export type OffboardingReturnRow = Selectable<OffboardingReturnTable>;
/** The checklist columns a step sets once. */
export type OffboardingStep = 'account_disabled_at' | 'sessions_revoked_at' | 'returns_opened_at' | 'summary_sent_at';

const n = (value: number | string | bigint) => Number(value);

export async function insertOffboarding(db: Db, row: Omit<Insertable<OffboardingTable>, 'status'>): Promise<number> {
  const inserted = await db
    .insertInto('offboardings')
    .values({ ...row, status: 'scheduled' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return n(inserted.id);
}

export function findOffboarding(db: Db, id: number): Promise<OffboardingRow | undefined> {
  return db.selectFrom('offboardings').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The person's scheduled offboarding, if any (usernames compared without regard to case, like the directory). */
export function findScheduledOffboardingOf(db: Db, username: string): Promise<OffboardingRow | undefined> {
  return db
    .selectFrom('offboardings')
    .selectAll()
    .where('username', '=', username)
    .where('status', '=', 'scheduled')
    .executeTakeFirst();
}

/** Newest first; scheduled ones soonest first would need a second order, so the list is by id. */
export function listOffboardingRows(db: Db, status: OffboardingRow['status'] | undefined, limit: number): Promise<OffboardingRow[]> {
  let query = db.selectFrom('offboardings').selectAll().orderBy('id', 'desc').limit(limit);
  if (status) query = query.where('status', '=', status);
  return query.execute();
}

/** Moves a scheduled offboarding's last day; false when it is no longer scheduled. */
export async function moveOffboarding(
  db: Db,
  id: number,
  change: { last_day: string; time_zone: string; closes_at: number },
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('offboardings')
    .set({ ...change, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'scheduled')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function cancelOffboardingRow(db: Db, id: number, by: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('offboardings')
    .set({ status: 'cancelled', cancelled_by: by, cancelled_at: now, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'scheduled')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Ticks a checklist step, once: true for the caller that set it, false when it was already set (a
 * retry, or another process), so that caller skips the audit row and mail that go with it.
 */
export async function markStep(db: Db, id: number, step: OffboardingStep, now: number): Promise<boolean> {
  const result = await db
    .updateTable('offboardings')
    .set({ [step]: now, updated_at: now })
    .where('id', '=', id)
    .where(step, 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function markDone(db: Db, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('offboardings')
    .set({ status: 'done', done_at: now, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'scheduled')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Links a return to the offboarding; false (and nothing written) when that asset already has one. */
export async function insertReturn(db: Db, row: OffboardingReturnRow): Promise<boolean> {
  const result = await db
    .insertInto('offboarding_returns')
    .values(row)
    .onConflict((oc) => oc.columns(['offboarding_id', 'asset_tag']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export function findReturn(db: Db, offboardingId: number, assetTag: string): Promise<OffboardingReturnRow | undefined> {
  return db
    .selectFrom('offboarding_returns')
    .selectAll()
    .where('offboarding_id', '=', offboardingId)
    .where('asset_tag', '=', assetTag)
    .executeTakeFirst();
}

/** The returns of some offboardings with the state of each return's device report. */
export async function listReturnsWithState(db: Db, offboardingIds: number[]) {
  if (!offboardingIds.length) return [];
  return db
    .selectFrom('offboarding_returns as r')
    .leftJoin('device_reports as d', 'd.id', 'r.report_id')
    .select(['r.offboarding_id', 'r.asset_tag', 'r.model_name', 'r.report_id', 'd.state', 'd.resolution', 'd.closed_at'])
    .where('r.offboarding_id', 'in', offboardingIds)
    .orderBy('r.offboarding_id')
    .orderBy('r.asset_tag')
    .execute();
}

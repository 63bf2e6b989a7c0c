import { type Insertable, type Kysely, sql, type Transaction, type Updateable } from 'kysely';
import type { Database, HireRow, HireTable, RoleBundleRow } from '../../db/schema.js';
import { chunks } from '../../db/chunks.js';

// The only module of onboarding that touches the database: hires, role bundles, and the few
// reads of other tables onboarding needs (the queued jobs it moves, the requests it made).

type Db = Kysely<Database> | Transaction<Database>;

export type NewHireRow = Insertable<HireTable>;

export async function insertHire(db: Db, row: NewHireRow): Promise<number> {
  const inserted = await db.insertInto('hires').values(row).returning('id').executeTakeFirstOrThrow();
  return inserted.id;
}

export function findHire(db: Db, id: number): Promise<HireRow | undefined> {
  return db.selectFrom('hires').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findHireByUsername(db: Db, username: string): Promise<HireRow | undefined> {
  return db.selectFrom('hires').selectAll().where('username', '=', username.toLowerCase()).executeTakeFirst();
}

/** Which of these usernames are already some hire's (usernames are stored lower-case). */
export async function takenUsernames(db: Db, usernames: string[]): Promise<Set<string>> {
  if (!usernames.length) return new Set();
  const rows = await db.selectFrom('hires').select('username').where('username', 'in', usernames).execute();
  return new Set(rows.map((r) => r.username));
}

export function listHires(db: Db, filter: { status?: HireRow['status']; limit: number; manager?: string | null }): Promise<HireRow[]> {
  let query = db.selectFrom('hires').selectAll();
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.manager) query = query.where('manager', '=', filter.manager);
  return query.orderBy('start_date', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

/**
 * Changes a hire only while it is in one of `from` (and, when given, at activation version
 * `version`): the one conditional statement that decides races between HR, jobs and processes.
 */
export async function updateHire(
  db: Db,
  id: number,
  changes: Updateable<HireTable>,
  guard: {
    from?: HireRow['status'][];
    version?: number;
    whereNull?: 'account_created_at' | 'groups_added_at' | 'equipment_requested_at' | 'activated_at' | 'first_sign_in_at';
  } = {},
): Promise<boolean> {
  let query = db.updateTable('hires').set(changes).where('id', '=', id);
  if (guard.from) query = query.where('status', 'in', guard.from);
  if (guard.version !== undefined) query = query.where('activation_version', '=', guard.version);
  if (guard.whereNull) query = query.where(guard.whereNull, 'is', null);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** First sign-in of someone who was onboarded here: one indexed update, a no-op for everyone else. */
export async function markFirstSignIn(db: Db, username: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('hires')
    .set({ first_sign_in_at: now, updated_at: now })
    .where('username', '=', username.toLowerCase())
    .where('status', '=', 'active')
    .where('first_sign_in_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Drops queued (not yet running) jobs by their unique keys: a moved start date or a cancelled hire
 * takes its future jobs back. A job already running is not touched; its handler re-checks the
 * hire's version and does nothing.
 */
export async function dropQueuedJobs(db: Db, uniqueKeys: string[]): Promise<number> {
  if (!uniqueKeys.length) return 0;
  const result = await db.deleteFrom('jobs').where('unique_key', 'in', uniqueKeys).where('state', '=', 'queued').executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Status of the device requests made for a hire, for the checklist. */
export function requestStatuses(db: Db, ids: number[]): Promise<{ id: number; status: string; model_id: string }[]> {
  if (!ids.length) return Promise.resolve([]);
  return db.selectFrom('device_requests').select(['id', 'status', 'model_id']).where('id', 'in', ids).execute();
}

/** Statuses of the requests of many hires at once (the list), by request id. */
/** Status and model name of each of these device requests: one query per 500 ids (a hire has a handful). */
export async function requestSummaries(db: Db, ids: number[]): Promise<Map<number, { status: string; modelName: string }>> {
  const map = new Map<number, { status: string; modelName: string }>();
  for (const part of chunks(ids, 500)) {
    const rows = await db.selectFrom('device_requests').select(['id', 'status', 'model_name']).where('id', 'in', part).execute();
    for (const r of rows) map.set(r.id, { status: r.status, modelName: r.model_name });
  }
  return map;
}

/**
 * A request this onboarding already made for a model (found by the marker in its justification), so
 * a provisioning job that ran again after a crash does not ask twice.
 */
export async function findHireRequest(db: Db, requester: string, modelId: string, marker: string): Promise<number | null> {
  const row = await db
    .selectFrom('device_requests')
    .select('id')
    .where('requester', '=', requester)
    .where('model_id', '=', modelId)
    .where('justification', 'like', `${marker}%`)
    .executeTakeFirst();
  return row?.id ?? null;
}

/** Scheduled hires whose start is within [from, to) (epoch ms), for the job that checks nothing was missed. */
export function hiresActivatingBetween(db: Db, from: number, to: number): Promise<HireRow[]> {
  return db
    .selectFrom('hires')
    .selectAll()
    .where('status', '=', 'scheduled')
    .where('activates_at', '>=', from)
    .where('activates_at', '<', to)
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Role bundles

export function listBundles(db: Db): Promise<RoleBundleRow[]> {
  return db.selectFrom('role_bundles').selectAll().orderBy('key').execute();
}

export function findBundle(db: Db, key: string): Promise<RoleBundleRow | undefined> {
  return db.selectFrom('role_bundles').selectAll().where('key', '=', key).executeTakeFirst();
}

export async function insertBundle(db: Db, row: RoleBundleRow): Promise<boolean> {
  const inserted = await db
    .insertInto('role_bundles')
    .values(row)
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('key')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function updateBundle(db: Db, key: string, changes: Omit<RoleBundleRow, 'key' | 'created_at'>): Promise<boolean> {
  const result = await db.updateTable('role_bundles').set(changes).where('key', '=', key).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteBundle(db: Db, key: string): Promise<boolean> {
  const result = await db.deleteFrom('role_bundles').where('key', '=', key).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Counts for tests and the admin: how many hires are in each status. */
export async function countHires(db: Db): Promise<number> {
  const row = await db
    .selectFrom('hires')
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The actor's recovery addresses (to refuse a hire who is the actor under a personal address). */
export async function recoveryAddressesOf(db: Db, username: string): Promise<string[]> {
  const rows = await db.selectFrom('recovery_emails').select('email').where('username', '=', username).execute();
  return rows.map((r) => r.email);
}

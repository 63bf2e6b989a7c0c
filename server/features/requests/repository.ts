import type { Kysely } from 'kysely';
import type { Database, DeviceRequestTable } from '../../db/schema.js';

// The only code of device requests that touches Kysely. Every state change that two people could
// make at once is one conditional UPDATE whose affected-row count says who won.

type Db = Kysely<Database>;

export type RequestRow = Awaited<ReturnType<typeof findRequest>> & {};
export type StepRow = Awaited<ReturnType<typeof listSteps>>[number];
export type ApproverRow = Awaited<ReturnType<typeof listApproversOfRequest>>[number];

const n = (value: unknown) => Number(value);

// ---------------------------------------------------------------------------------------------
// Requests

/** The columns a new request is given (the rest start as the insert sets them), and when. */
export type NewRequest = Pick<
  DeviceRequestTable,
  | 'requester'
  | 'requester_name'
  | 'created_by'
  | 'model_id'
  | 'model_name'
  | 'category'
  | 'price_cents'
  | 'quantity'
  | 'justification'
  | 'needed_by'
  | 'loan_from'
  | 'loan_until'
  | 'step_count'
  | 'current_step'
> & { now: number };

/** Inserts a request (pending approval) and returns its row as findRequest would read it. */
export async function insertRequest(db: Db, r: NewRequest) {
  const { now, ...values } = r;
  const row = await db
    .insertInto('device_requests')
    .values({ ...values, status: 'pending_approval', created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...row, id: n(row.id) };
}

export async function findRequest(db: Db, id: number) {
  const row = await db.selectFrom('device_requests').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? { ...row, id: n(row.id) } : undefined;
}

/** Requests by or for a person, newest first. */
export async function listRequestsOf(db: Db, username: string, status: string | undefined, limit: number) {
  // Two index range scans (requester, created_by) rather than one OR that neither index serves.
  const mine = (column: 'requester' | 'created_by') => {
    let q = db.selectFrom('device_requests').selectAll().where(column, '=', username);
    if (status) q = q.where('status', '=', status);
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  };
  const [a, b] = await Promise.all([mine('requester'), mine('created_by')]);
  const byId = new Map<number, (typeof a)[number]>();
  for (const row of [...a, ...b]) byId.set(n(row.id), row);
  return [...byId.values()]
    .sort((x, y) => n(y.created_at) - n(x.created_at) || n(y.id) - n(x.id))
    .slice(0, limit)
    .map((row) => ({ ...row, id: n(row.id) }));
}

/** The help desk's queue: requests in these statuses, oldest first. */
export async function listRequestsInStatus(db: Db, statuses: string[], limit: number) {
  const rows = await db
    .selectFrom('device_requests')
    .selectAll()
    .where('status', 'in', statuses)
    .orderBy('created_at', 'asc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ ...row, id: n(row.id) }));
}

/** The oldest backordered requests for units of a model (loaners wait for their dates, not for stock), skipping `except`. */
export async function oldestBackorder(db: Db, modelId: string, except: number[]) {
  let q = db
    .selectFrom('device_requests')
    .selectAll()
    .where('status', '=', 'backordered')
    .where('model_id', '=', modelId)
    .where('loan_from', 'is', null);
  if (except.length) q = q.where('id', 'not in', except);
  const row = await q.orderBy('created_at', 'asc').orderBy('id', 'asc').limit(1).executeTakeFirst();
  return row ? { ...row, id: n(row.id) } : undefined;
}

/**
 * Moves a request from one of `from` to `to` (with other columns) in one statement. On PostgreSQL
 * the row stays locked until commit, so a second writer waits and then finds the status changed:
 * false tells the caller it lost.
 */
export async function transitionRequest(
  db: Db,
  id: number,
  from: readonly string[],
  set: Partial<{
    status: string;
    current_step: number | null;
    lead_time_days: number | null;
    delivery: string | null;
    reserved_assets: string;
    asset_tags: string;
    rejection_reason: string | null;
  }>,
  now: number,
  extra: { currentStep?: number } = {},
): Promise<boolean> {
  let q = db
    .updateTable('device_requests')
    .set({ ...set, updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', [...from]);
  if (extra.currentStep !== undefined) q = q.where('current_step', '=', extra.currentStep);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ---------------------------------------------------------------------------------------------
// Steps and approvers

export interface NewStep {
  request_id: number;
  position: number;
  kind: string;
  role: string | null;
  mode: string;
  members: string;
  sla_ms: number;
  /** A step opened as it is inserted (the first one of a new request): pending, with its times. */
  opened?: { at: number; dueAt: number };
}

/** Inserts steps (waiting, unless opened) and returns their rows as listSteps would read them. */
export async function insertSteps(db: Db, steps: NewStep[]) {
  if (!steps.length) return [];
  const rows = await db
    .insertInto('request_steps')
    .values(
      steps.map(({ opened, ...s }) => ({
        ...s,
        state: opened ? 'pending' : 'waiting',
        opened_at: opened?.at ?? null,
        due_at: opened?.dueAt ?? null,
      })),
    )
    .returningAll()
    .execute();
  return rows
    .map((r) => ({ ...r, id: n(r.id), request_id: n(r.request_id), position: n(r.position), sla_ms: n(r.sla_ms) }))
    .sort((a, b) => a.position - b.position);
}

export async function listSteps(db: Db, requestId: number) {
  const rows = await db.selectFrom('request_steps').selectAll().where('request_id', '=', requestId).orderBy('position').execute();
  return rows.map((r) => ({ ...r, id: n(r.id), request_id: n(r.request_id), position: n(r.position), sla_ms: n(r.sla_ms) }));
}

export async function findStep(db: Db, id: number) {
  const r = await db.selectFrom('request_steps').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? { ...r, id: n(r.id), request_id: n(r.request_id), position: n(r.position), sla_ms: n(r.sla_ms) } : undefined;
}

export async function openStepRow(db: Db, stepId: number, now: number, dueAt: number): Promise<void> {
  await db.updateTable('request_steps').set({ state: 'pending', opened_at: now, due_at: dueAt }).where('id', '=', stepId).execute();
}

/** Settles a pending step; false when it was no longer pending. */
export async function settleStep(db: Db, stepId: number, state: 'approved' | 'rejected' | 'skipped', now: number): Promise<boolean> {
  const result = await db
    .updateTable('request_steps')
    .set({ state, decided_at: now })
    .where('id', '=', stepId)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Every step of a request that is not settled yet becomes skipped (rejection, cancellation). */
export async function skipOpenSteps(db: Db, requestId: number, now: number): Promise<void> {
  await db
    .updateTable('request_steps')
    .set({ state: 'skipped', decided_at: now })
    .where('request_id', '=', requestId)
    .where('state', 'in', ['waiting', 'pending'])
    .execute();
}

export interface NewApprover {
  request_id: number;
  step_id: number;
  approver: string;
  source: 'manager' | 'member' | 'role' | 'escalation';
}

/** Adds approver rows; returns their ids in the order given. */
export async function insertApprovers(db: Db, rows: NewApprover[], now: number): Promise<number[]> {
  const ids: number[] = [];
  // One by one: RETURNING of a multi-row insert does not promise the order of the rows.
  for (const r of rows) {
    const row = await db.insertInto('request_approvers').values({ ...r, state: 'pending', created_at: now }).returning('id').executeTakeFirstOrThrow();
    ids.push(n(row.id));
  }
  return ids;
}

export async function listApproversOfRequest(db: Db, requestId: number) {
  const rows = await db.selectFrom('request_approvers').selectAll().where('request_id', '=', requestId).orderBy('id').execute();
  return rows.map((r) => ({ ...r, id: n(r.id), request_id: n(r.request_id), step_id: n(r.step_id) }));
}

export async function findApprover(db: Db, id: number) {
  const r = await db.selectFrom('request_approvers').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? { ...r, id: n(r.id), request_id: n(r.request_id), step_id: n(r.step_id) } : undefined;
}

/** Records one approver's decision; false when the row was no longer pending (someone else won). */
export async function decideApprover(
  db: Db,
  id: number,
  state: 'approved' | 'rejected',
  decidedBy: string,
  comment: string | null,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('request_approvers')
    .set({ state, decided_by: decidedBy, comment, decided_at: now })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The step's other pending rows are no longer needed (the step is settled). */
export async function voidPendingApprovers(db: Db, where: { stepId?: number; requestId?: number }, now: number): Promise<void> {
  let q = db.updateTable('request_approvers').set({ state: 'void', decided_at: now }).where('state', '=', 'pending');
  if (where.stepId !== undefined) q = q.where('step_id', '=', where.stepId);
  if (where.requestId !== undefined) q = q.where('request_id', '=', where.requestId);
  await q.execute();
}

/**
 * Pending approver rows of `approver` on open steps of requests still waiting for approval, with
 * what a reassignment needs of their step and request. `requester` narrows to one person's
 * requests, `stepKind` to manager or group steps.
 */
export async function openRowsOf(db: Db, where: { approver?: string; requester?: string; sources: string[]; stepKind?: string }) {
  let q = db
    .selectFrom('request_approvers as a')
    .innerJoin('request_steps as s', 's.id', 'a.step_id')
    .innerJoin('device_requests as r', 'r.id', 'a.request_id')
    .select(['a.id', 'a.approver', 'a.source', 'a.step_id', 's.position', 's.kind', 'r.id as request_id', 'r.requester', 'r.requester_name', 'r.created_by', 'r.model_name'])
    .where('a.state', '=', 'pending')
    .where('a.source', 'in', where.sources)
    .where('s.state', '=', 'pending')
    .where('r.status', '=', 'pending_approval');
  if (where.approver !== undefined) q = q.where('a.approver', '=', where.approver);
  if (where.requester !== undefined) q = q.where('r.requester', '=', where.requester);
  if (where.stepKind !== undefined) q = q.where('s.kind', '=', where.stepKind);
  const rows = await q.orderBy('a.id').execute();
  return rows.map((r) => ({ ...r, id: n(r.id), step_id: n(r.step_id), position: n(r.position), request_id: n(r.request_id) }));
}

/**
 * Takes one pending row out of the step: its approver no longer decides it (state `reassigned`,
 * kept as history). False when it was decided meanwhile.
 */
export async function reassignApprover(db: Db, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('request_approvers')
    .set({ state: 'reassigned', decided_at: now })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function countPendingApprovers(db: Db, stepId: number, source?: string): Promise<number> {
  let q = db
    .selectFrom('request_approvers')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('step_id', '=', stepId)
    .where('state', '=', 'pending');
  if (source) q = q.where('source', '=', source);
  const row = await q.executeTakeFirstOrThrow();
  return n(row.count);
}

/**
 * Approvals waiting for any of `principals` (usernames and `role:<role>`), with their request and
 * step, oldest first: the approval queue. Driven by the (approver, state, created_at) index.
 */
export async function listPendingApprovals(db: Db, principals: string[], limit: number) {
  if (!principals.length) return [];
  // One statement (one round trip on PostgreSQL) of one branch per principal, each an index range
  // scan in (approver, state, created_at) order that stops at `limit`; an IN over several
  // principals would make the database sort every pending row of a busy role queue first.
  const branch = (principal: string, i: number) => db.selectFrom(pendingApprovalsOf(db, principal, limit).as(`p${i}`)).selectAll();
  let query = branch(principals[0]!, 0);
  for (const [i, principal] of principals.slice(1).entries()) query = query.unionAll(branch(principal, i + 1));
  const rows = await query.execute();
  return rows
    .map((r) => ({ ...r, id: n(r.id), request_id: n(r.request_id), position: n(r.position), step_count: n(r.step_count) }))
    .sort((a, b) => Number(a.approver_created_at) - Number(b.approver_created_at) || a.id - b.id)
    .slice(0, limit);
}

function pendingApprovalsOf(db: Db, principal: string, limit: number) {
  return db
    .selectFrom('request_approvers as a')
    .innerJoin('request_steps as s', 's.id', 'a.step_id')
    .innerJoin('device_requests as r', 'r.id', 'a.request_id')
    .select([
      'a.id',
      'a.approver',
      'a.source',
      'a.created_at as approver_created_at',
      's.position',
      's.kind',
      's.opened_at',
      's.due_at',
      'r.id as request_id',
      'r.requester',
      'r.requester_name',
      'r.created_by',
      'r.model_name',
      'r.category',
      'r.price_cents',
      'r.quantity',
      'r.justification',
      'r.needed_by',
      'r.loan_from',
      'r.loan_until',
      'r.step_count',
      'r.created_at',
    ])
    .where('a.approver', '=', principal)
    .where('a.state', '=', 'pending')
    .orderBy('a.created_at', 'asc')
    .orderBy('a.id', 'asc')
    .limit(limit);
}

// ---------------------------------------------------------------------------------------------
// Timeline

export async function insertEvent(
  db: Db,
  e: { request_id: number; at: number; event: string; actor: string | null; on_behalf_of?: string | null; comment?: string | null },
): Promise<void> {
  await db
    .insertInto('request_events')
    .values({ on_behalf_of: null, comment: null, ...e })
    .execute();
}

export async function listEvents(db: Db, requestId: number) {
  return db.selectFrom('request_events').selectAll().where('request_id', '=', requestId).orderBy('id').execute();
}

// ---------------------------------------------------------------------------------------------
// Approval chains

export async function listChainRows(db: Db) {
  return db.selectFrom('approval_chains').selectAll().orderBy('id').execute();
}

export async function replaceChainRows(
  db: Db,
  rows: { category: string; max_price_cents: number | null; steps: string }[],
  now: number,
  by: string | null,
): Promise<void> {
  await db.deleteFrom('approval_chains').execute();
  if (rows.length) {
    await db
      .insertInto('approval_chains')
      .values(rows.map((r) => ({ ...r, updated_at: now, updated_by: by })))
      .execute();
  }
}

// ---------------------------------------------------------------------------------------------
// Delegations

export async function findDelegationOf(db: Db, delegator: string) {
  return db.selectFrom('approval_delegations').selectAll().where('delegator', '=', delegator).executeTakeFirst();
}

/** Who has delegated to `delegate` at `now`. */
export async function delegatorsFor(db: Db, delegate: string, now: number): Promise<string[]> {
  const rows = await db
    .selectFrom('approval_delegations')
    .select('delegator')
    .where('delegate', '=', delegate)
    .where('starts_at', '<=', now)
    .where('ends_at', '>', now)
    .execute();
  return rows.map((r) => r.delegator);
}

export async function upsertDelegation(db: Db, delegator: string, delegate: string, startsAt: number, endsAt: number, now: number) {
  await db
    .insertInto('approval_delegations')
    .values({ delegator, delegate, starts_at: startsAt, ends_at: endsAt, created_at: now })
    .onConflict((oc) => oc.column('delegator').doUpdateSet({ delegate, starts_at: startsAt, ends_at: endsAt, created_at: now }))
    .execute();
}

export async function deleteDelegation(db: Db, delegator: string): Promise<boolean> {
  const result = await db.deleteFrom('approval_delegations').where('delegator', '=', delegator).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Ends every delegation a person gave or holds (offboarding); how many there were. */
export async function deleteDelegationsInvolving(db: Db, username: string): Promise<number> {
  const result = await db
    .deleteFrom('approval_delegations')
    .where((eb) => eb.or([eb('delegator', '=', username), eb('delegate', '=', username)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

// ---------------------------------------------------------------------------------------------
// Loaner bookings

/**
 * Books `days` of one loaner for a request. The unique (asset, day) key makes a clash a no-op row
 * rather than an error (an error would abort a PostgreSQL transaction): fewer rows than days means
 * the loaner is taken on some day, and the partial booking is removed again.
 */
export async function bookLoaner(db: Db, assetTag: string, days: string[], requestId: number): Promise<boolean> {
  const result = await db
    .insertInto('loaner_bookings')
    .values(days.map((day) => ({ asset_tag: assetTag, day, request_id: requestId })))
    .onConflict((oc) => oc.columns(['asset_tag', 'day']).doNothing())
    .executeTakeFirst();
  const inserted = Number(result.numInsertedOrUpdatedRows ?? 0);
  if (inserted === days.length) return true;
  await db.deleteFrom('loaner_bookings').where('request_id', '=', requestId).where('asset_tag', '=', assetTag).execute();
  return false;
}

export async function releaseLoanerBookings(db: Db, requestId: number): Promise<void> {
  await db.deleteFrom('loaner_bookings').where('request_id', '=', requestId).execute();
}

// ---------------------------------------------------------------------------------------------
// Device reports

export async function insertDeviceReport(
  db: Db,
  row: { asset_tag: string; reporter: string; kind: string; description: string; created_at: number },
): Promise<number> {
  const inserted = await db
    .insertInto('device_reports')
    .values({ ...row, state: 'open' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return n(inserted.id);
}

export async function findDeviceReport(db: Db, id: number) {
  return db.selectFrom('device_reports').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function openReportsOfAssets(db: Db, assetTags: string[]) {
  if (!assetTags.length) return [];
  return db.selectFrom('device_reports').selectAll().where('asset_tag', 'in', assetTags).where('state', '=', 'open').execute();
}

export async function listOpenDeviceReports(db: Db, limit: number) {
  return db.selectFrom('device_reports').selectAll().where('state', '=', 'open').orderBy('created_at', 'asc').limit(limit).execute();
}

/** Closes an open report; false when it was already closed. */
export async function closeDeviceReport(db: Db, id: number, resolution: string, by: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('device_reports')
    .set({ state: 'closed', resolution, closed_at: now, closed_by: by })
    .where('id', '=', id)
    .where('state', '=', 'open')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

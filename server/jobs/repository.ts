import { type Kysely, sql, type Transaction } from 'kysely';
import { isPostgres } from '../db/dialect.js';
import type { Database, JobRow, JobState } from '../db/schema.js';

// The only module that touches the jobs table. The claim is the one place where the two
// dialects differ: PostgreSQL locks with FOR UPDATE SKIP LOCKED so concurrent claimers never
// wait on or take each other's rows; SQLite has one writer at a time, so a single conditional
// UPDATE … RETURNING is already atomic.

type Db = Kysely<Database> | Transaction<Database>;

export interface NewJob {
  kind: string;
  payload: string;
  runAt: number;
  maxAttempts: number;
  uniqueKey: string | null;
  now: number;
}

function jobRow(job: NewJob) {
  return {
    kind: job.kind,
    payload: job.payload,
    run_at: job.runAt,
    max_attempts: job.maxAttempts,
    unique_key: job.uniqueKey,
    created_at: job.now,
    updated_at: job.now,
  };
}

/** Inserts jobs in one statement; one whose unique key is already taken is left out. */
export async function insertJobs(db: Db, jobs: readonly NewJob[]): Promise<void> {
  if (!jobs.length) return;
  await db
    .insertInto('jobs')
    .values(jobs.map(jobRow))
    .onConflict((oc) => oc.column('unique_key').doNothing())
    .execute();
}

/** Inserts a job; with a unique key already taken, inserts nothing and returns null. */
export async function insertJob(db: Db, job: NewJob): Promise<number | null> {
  const row = await db
    .insertInto('jobs')
    .values(jobRow(job))
    .onConflict((oc) => oc.column('unique_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

/**
 * Claims up to `limit` jobs that are due, or whose holder's lease ran out (the holder died), for
 * `owner` until `now + leaseMs`. Each claim counts an attempt. Exactly one claimer gets each row.
 *
 * A running job's run_at is its lease expiry (when it may next be picked up), so one range on the
 * (state, run_at) index finds both kinds without scanning the done rows kept for days.
 */
export async function claimJobs(db: Db, owner: string, now: number, leaseMs: number, limit: number): Promise<JobRow[]> {
  let due = db
    .selectFrom('jobs')
    .select('id')
    .where('state', 'in', ['queued', 'running'])
    .where('run_at', '<=', now)
    .where((eb) => eb.or([eb('state', '=', 'queued'), eb('attempts', '<', eb.ref('max_attempts'))]))
    .orderBy('run_at')
    .orderBy('id')
    .limit(limit);
  if (isPostgres(db)) due = due.forUpdate().skipLocked();
  return db
    .updateTable('jobs')
    .set((eb) => ({
      state: 'running',
      lease_owner: owner,
      lease_expires_at: now + leaseMs,
      run_at: now + leaseMs,
      attempts: eb('attempts', '+', 1),
      updated_at: now,
    }))
    .where('id', 'in', due)
    .returningAll()
    .execute();
}

/** Jobs whose holder died on their last allowed attempt: failed, for an admin to look at. */
export async function failAbandonedJobs(db: Db, now: number): Promise<number> {
  const result = await db
    .updateTable('jobs')
    .set({ state: 'failed', lease_owner: null, lease_expires_at: null, last_error: 'The process running it stopped (lease expired).', updated_at: now, finished_at: now })
    .where('state', '=', 'running')
    .where('lease_expires_at', '<=', now)
    .where((eb) => eb('attempts', '>=', eb.ref('max_attempts')))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Keeps a long job's lease alive. False when the lease was lost (taken over after expiry). */
export async function extendLease(db: Db, id: number, owner: string, until: number): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ lease_expires_at: until, run_at: until })
    .where('id', '=', id)
    .where('state', '=', 'running')
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Marks a held job done; `scrub` blanks a payload that carried a secret (a code in a mail), which
 * is no longer needed. False when this owner no longer holds the job.
 */
export async function completeJob(db: Db, id: number, owner: string, now: number, scrub = false): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({
      state: 'done',
      lease_owner: null,
      lease_expires_at: null,
      last_error: null,
      updated_at: now,
      finished_at: now,
      ...(scrub ? { payload: '{}' } : {}),
    })
    .where('id', '=', id)
    .where('state', '=', 'running')
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Moves a job that is still waiting (state queued) to run at `runAt`, found by its unique key, in
 * the caller's transaction. False when it is running, done, failed or not there: the caller
 * decides whether that is too late.
 */
export async function rescheduleQueuedJob(db: Db, uniqueKey: string, runAt: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ run_at: runAt, updated_at: now })
    .where('unique_key', '=', uniqueKey)
    .where('state', '=', 'queued')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Records a failed attempt: queued again at `retryAt`, or failed for good when null. */
export async function recordJobFailure(db: Db, id: number, owner: string, now: number, error: string, retryAt: number | null): Promise<void> {
  await db
    .updateTable('jobs')
    .set({
      state: retryAt === null ? 'failed' : 'queued',
      run_at: retryAt ?? now,
      lease_owner: null,
      lease_expires_at: null,
      last_error: error.slice(0, 2000),
      updated_at: now,
      finished_at: retryAt === null ? now : null,
    })
    .where('id', '=', id)
    .where('state', '=', 'running')
    .where('lease_owner', '=', owner)
    .execute();
}

/** Gives a held job back untouched (shutdown): queued now, and the attempt is not counted. */
export async function releaseJob(db: Db, id: number, owner: string, now: number): Promise<void> {
  await db
    .updateTable('jobs')
    .set((eb) => ({ state: 'queued', lease_owner: null, lease_expires_at: null, attempts: eb('attempts', '-', 1), run_at: now, updated_at: now }))
    .where('id', '=', id)
    .where('state', '=', 'running')
    .where('lease_owner', '=', owner)
    .execute();
}

export async function findJob(db: Db, id: number): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Jobs in one state, the most recently changed first. */
export async function listJobs(db: Db, state: JobState, limit: number): Promise<JobRow[]> {
  return db.selectFrom('jobs').selectAll().where('state', '=', state).orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function countJobsByState(db: Db): Promise<Record<JobState, number>> {
  const rows = await db.selectFrom('jobs').select(['state', sql<number>`count(*)`.as('n')]).groupBy('state').execute();
  const counts: Record<JobState, number> = { queued: 0, running: 0, done: 0, failed: 0 };
  for (const row of rows) counts[row.state] = Number(row.n);
  return counts;
}

/** Counts jobs that are waiting now or running (what a drain still has to see through). */
export async function countPendingJobs(db: Db, now: number): Promise<number> {
  const row = await db
    .selectFrom('jobs')
    .select(sql<number>`count(*)`.as('n'))
    .where((eb) => eb.or([eb('state', '=', 'running'), eb.and([eb('state', '=', 'queued'), eb('run_at', '<=', now)])]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A failed job back in the queue with fresh attempts. False when it is not failed. */
export async function retryFailedJob(db: Db, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ state: 'queued', attempts: 0, run_at: now, updated_at: now, finished_at: null })
    .where('id', '=', id)
    .where('state', '=', 'failed')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Deletes a failed job an admin gave up on. False when it is not failed. */
export async function discardFailedJob(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('jobs').where('id', '=', id).where('state', '=', 'failed').executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** Housekeeping: forgets finished jobs. */
export async function deleteDoneJobs(db: Db, finishedBefore: number): Promise<number> {
  const result = await db.deleteFrom('jobs').where('state', '=', 'done').where('finished_at', '<', finishedBefore).executeTakeFirst();
  return Number(result.numDeletedRows);
}

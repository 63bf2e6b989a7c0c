import type { Kysely } from 'kysely';
import type { JobCounts, JobStateName, JobView } from '../../shared/jobs.js';
import type { AuditTrail } from '../audit/audit.js';
import type { Database, JobRow } from '../db/schema.js';
import { withTransaction } from '../db/transaction.js';
import { errors } from '../errors.js';
import { countJobsByState, discardFailedJob, listJobs, retryFailedJob } from './repository.js';

// What admins see of the queue and may do to it: failed jobs, retried or discarded.

function toView(row: JobRow): JobView {
  return {
    id: Number(row.id),
    kind: row.kind,
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    lastError: row.last_error,
    runAt: new Date(Number(row.run_at)).toISOString(),
    createdAt: new Date(Number(row.created_at)).toISOString(),
    finishedAt: row.finished_at === null ? null : new Date(Number(row.finished_at)).toISOString(),
  };
}

export async function jobsInState(db: Kysely<Database>, state: JobStateName, limit: number): Promise<JobView[]> {
  return (await listJobs(db, state, limit)).map(toView);
}

export function jobCounts(db: Kysely<Database>): Promise<JobCounts> {
  return countJobsByState(db);
}

interface JobAdminDeps {
  db: Kysely<Database>;
  audit: AuditTrail;
}

const notFailed = () => errors.jobNotFailed();

/**
 * Puts a failed job back in the queue with fresh attempts, to run now; the change and its audit row
 * commit together. Throws job_not_failed when it is not failed (retried or discarded already).
 */
export async function retryJob(deps: JobAdminDeps, id: number, now: number, admin: string): Promise<void> {
  const ok = await withTransaction(deps.db, async (trx) => {
    const retried = await retryFailedJob(trx, id, now);
    await deps.audit.record({ action: 'admin.job_retried', actor: admin, result: retried ? 'success' : 'failure', details: { jobId: id } }, trx);
    return retried;
  });
  if (!ok) throw notFailed();
}

/** Deletes a failed job, audited in the same transaction; job_not_failed when it is not failed. */
export async function discardJob(deps: JobAdminDeps, id: number, admin: string): Promise<void> {
  const ok = await withTransaction(deps.db, async (trx) => {
    const discarded = await discardFailedJob(trx, id);
    await deps.audit.record({ action: 'admin.job_discarded', actor: admin, result: discarded ? 'success' : 'failure', details: { jobId: id } }, trx);
    return discarded;
  });
  if (!ok) throw notFailed();
}

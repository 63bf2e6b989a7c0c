import type { Kysely } from 'kysely';
import type { JobCounts, JobStateName, JobView } from '../../shared/jobs.js';
import type { Database, JobRow } from '../db/schema.js';
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

/** Puts a failed job back in the queue with fresh attempts, to run now. False when it is not failed. */
export function retryJob(db: Kysely<Database>, id: number, now: number): Promise<boolean> {
  return retryFailedJob(db, id, now);
}

/** Deletes a failed job. False when it is not failed. */
export function discardJob(db: Kysely<Database>, id: number): Promise<boolean> {
  return discardFailedJob(db, id);
}

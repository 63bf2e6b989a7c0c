import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { KB_ANALYTICS_MAX_DAYS } from '../../shared/kb.js';
import { deleteSearchesBefore } from '../features/kb/repository.js';
import { RECOVERY_BACKSTOP_FAILURES, RECOVERY_LOCKOUT_FAILURES } from '../features/password/flows.js';
import { deleteIdleRecoveryFailures } from '../features/password/repository.js';
import { deleteExpiredIdempotencyKeys, IDEMPOTENCY_TTL_MS } from '../idempotency/repository.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { deleteStaleRateLimits } from '../rate-limit/repository.js';
import { deleteExpiredSessions } from '../sessions/repository.js';
import { deleteExpiredFlows, deleteExpiredSecrets } from './purge-repository.js';
import type { JobQueue } from './queue.js';
import { deleteDoneJobs } from './repository.js';

const DAY = 24 * 60 * 60_000;

export interface HousekeepingOptions {
  /** Sessions idle longer than this are over (the session idle timeout). */
  sessionIdleMs: number;
  /** Finished jobs are kept this long for the admin page and troubleshooting. */
  keepDoneJobsMs?: number;
}

/**
 * Logged searches deleted a run at most: 1.44 million a day, more than a busy portal logs, while
 * a log never pruned before is cut back in steps that each hold it briefly.
 */
export const SEARCH_LOG_BATCH = 10_000;

/** Every 10 minutes, in every deployment: what expired is deleted, so tables stay small. */
export const HOUSEKEEPING_SCHEDULE = '*/10 * * * *';

/**
 * Deletes what has expired: sessions, reset flows, one-time secrets, old rate-limit windows, old
 * finished jobs, old idempotency keys, failure counts left idle for a month, logged searches
 * older than analytics look back.
 */
export async function housekeeping(db: Kysely<Database>, now: number, options: HousekeepingOptions): Promise<Record<string, number>> {
  const deleted = {
    sessions: await deleteExpiredSessions(db, now, options.sessionIdleMs),
    // Expired flows and secrets are useless; a day's grace keeps them for anyone investigating a report.
    flows: await deleteExpiredFlows(db, now - DAY),
    secrets: await deleteExpiredSecrets(db, now - DAY),
    jobs: await deleteDoneJobs(db, now - (options.keepDoneJobsMs ?? 7 * DAY)),
    // A month without a further failure: the guesses were abandoned (or named nobody); locks stay.
    recoveryFailures: await deleteIdleRecoveryFailures(db, now - 30 * DAY, {
      perAddress: RECOVERY_LOCKOUT_FAILURES,
      total: RECOVERY_BACKSTOP_FAILURES,
    }),
    // Idempotency keys are remembered for a day (server/http/idempotency.ts); a retry after that is a new request.
    idempotencyKeys: await deleteExpiredIdempotencyKeys(db, now - IDEMPOTENCY_TTL_MS),
    // Free text people typed, kept for analytics only: past their longest look back (and a day), read by nothing.
    searches: await deleteSearchesBefore(db, now - (KB_ANALYTICS_MAX_DAYS + 1) * DAY, SEARCH_LOG_BATCH),
  };
  // The longest rate-limit window is an hour; a day covers every rule with room to spare.
  await deleteStaleRateLimits(db, now - DAY);
  return deleted;
}

export function registerHousekeeping(queue: JobQueue, db: Kysely<Database>, clock: Clock, logger: Logger, options: HousekeepingOptions): void {
  queue.register('housekeeping', async () => {
    const deleted = await housekeeping(db, clock.now(), options);
    logger.info({ deleted }, 'housekeeping done');
  });
  queue.every('housekeeping', HOUSEKEEPING_SCHEDULE, 'housekeeping', {});
}

/**
 * A small server process for multi-process queue tests and the benchmark: opens the database in
 * DATABASE_URL and runs job workers, with a test-only `test.record` kind that records each run
 * in `job_runs` (job id unique, so a second run of one job cannot go unnoticed).
 * Env: DATABASE_URL, WORKERS (default 2), LEASE_MS, POLL_MS, HANG_FIRST_ATTEMPT=1 (a job's first
 * attempt never finishes, to be killed mid-job), SLOW_MS (each run takes this long), STOP_GRACE_MS
 * (how long SIGTERM waits for a running job). Prints "ready" when running; SIGTERM stops it.
 */
import { sql } from 'kysely';
import { openDatabase } from '../../server/db/database.js';
import { JobQueue } from '../../server/jobs/queue.js';
import { systemClock } from '../../server/platform/clock.js';
import { createLogger } from '../../server/platform/logger.js';

declare module '../../server/jobs/queue.js' {
  interface JobPayloads {
    'test.record': Record<string, never>;
  }
}

const env = process.env;
const handle = openDatabase({ kind: 'postgres', url: env.DATABASE_URL! }, { poolSize: 8 });
const queue = new JobQueue(handle.db, systemClock, createLogger(env.WORKER_LOG_LEVEL ?? 'silent'), {
  leaseMs: Number(env.LEASE_MS ?? 30_000),
  pollMs: Number(env.POLL_MS ?? 20),
  backoffBaseMs: 100,
});

queue.register('test.record', async (payload, job) => {
  if (env.HANG_FIRST_ATTEMPT === '1' && job.attempt === 1) {
    await sql`insert into job_starts (job_id, owner, started_at) values (${job.id}, ${queue.owner}, ${Date.now()})`.execute(handle.db);
    await new Promise(() => {}); // killed here
  }
  if (env.SLOW_MS) {
    await sql`insert into job_starts (job_id, owner, started_at) values (${job.id}, ${queue.owner}, ${Date.now()})`.execute(handle.db);
    await new Promise((resolve) => setTimeout(resolve, Number(env.SLOW_MS)));
  }
  try {
    await sql`insert into job_runs (job_id, owner, attempt, finished_at) values (${job.id}, ${queue.owner}, ${job.attempt}, ${Date.now()})`.execute(handle.db);
  } catch (error) {
    // A second run of the same job: keep the evidence where the test looks.
    await sql`insert into job_duplicates (job_id, owner) values (${job.id}, ${queue.owner})`.execute(handle.db);
    throw error;
  }
});

queue.start(Number(env.WORKERS ?? 2));
process.stdout.write(`ready ${queue.owner}\n`);
process.on('SIGTERM', () => {
  void queue.stop(Number(env.STOP_GRACE_MS ?? 5000)).then(() => handle.close()).then(() => process.exit(0));
});

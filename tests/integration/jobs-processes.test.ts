import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { enqueue } from '../../server/jobs/queue.js';
import { availableDialects, openTestDatabase } from '../harness/db.js';
import { startJobWorker as startWorker, stopJobWorker as stopWorker } from '../harness/job-workers.js';

/**
 * Several server processes on one PostgreSQL database: every job runs exactly once, and a job
 * whose process is killed mid-run is finished once by another after its lease expires.
 */
declare module '../../server/jobs/queue.js' {
  interface JobPayloads {
    'test.record': Record<string, never>;
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.runIf(availableDialects().includes('postgres'))('jobs across server processes on PostgreSQL', () => {
  let handle: Awaited<ReturnType<typeof openTestDatabase>>;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    handle = await openTestDatabase('postgres');
    await sql`create table job_runs (job_id integer primary key, owner text not null, attempt integer not null, finished_at bigint not null)`.execute(handle.db);
    await sql`create table job_duplicates (job_id integer not null, owner text not null)`.execute(handle.db);
    await sql`create table job_starts (job_id integer not null, owner text not null, started_at bigint not null)`.execute(handle.db);
  });
  // No worker outlives its test (a leftover would claim the next test's job).
  afterEach(async () => {
    await Promise.all(workers.splice(0).map(stopWorker));
  });
  afterAll(() => handle.close());

  const count = async (table: string) => Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(handle.db)).rows[0]!.n);

  it('three processes and 500 due jobs: each job runs exactly once', async () => {
    const now = Date.now();
    await handle.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 500; i++) await enqueue(trx, { kind: 'test.record', payload: {}, now });
    });
    const url = handle.config.kind === 'postgres' ? handle.config.url : '';
    workers.push(...(await Promise.all([startWorker(url), startWorker(url), startWorker(url)])));
    await until(async () => (await count('job_runs')) >= 500, 60_000);
    await new Promise((r) => setTimeout(r, 300)); // room for any duplicate to show up
    expect(await count('job_runs')).toBe(500);
    expect(await count('job_duplicates')).toBe(0);
    const states = await handle.db.selectFrom('jobs').select(['state', sql<number>`count(*)`.as('n')]).groupBy('state').execute();
    expect(states.map((s) => [s.state, Number(s.n)])).toEqual([['done', 500]]);
    const attempts = await handle.db.selectFrom('jobs').select('attempts').where('attempts', '!=', 1).execute();
    expect(attempts).toEqual([]);
    const shares = await sql<{ owner: string; n: string }>`select owner, count(*) as n from job_runs group by owner`.execute(handle.db);
    console.log(`jobs per process: ${shares.rows.map((r) => r.n).join(', ')}`);
    await Promise.all(workers.splice(0).map(stopWorker));
  }, 90_000);

  it('a worker killed with SIGKILL mid-job: another finishes the job once after the lease expires', async () => {
    const url = handle.config.kind === 'postgres' ? handle.config.url : '';
    const id = (await enqueue(handle.db, { kind: 'test.record', payload: {}, now: Date.now() }))!;
    const doomed = await startWorker(url, { LEASE_MS: '1500', HANG_FIRST_ATTEMPT: '1', WORKERS: '1' });
    await until(async () => (await sql`select 1 from job_starts where job_id = ${id}`.execute(handle.db)).rows.length === 1, 20_000);
    doomed.kill('SIGKILL');
    await new Promise((r) => doomed.once('exit', r));
    const survivor = await startWorker(url, { LEASE_MS: '1500', HANG_FIRST_ATTEMPT: '1', WORKERS: '1' });
    workers.push(survivor);
    await until(async () => (await sql`select 1 from job_runs where job_id = ${id}`.execute(handle.db)).rows.length === 1, 20_000);
    const run = (await sql<{ attempt: number; finished_at: string }>`select attempt, finished_at from job_runs where job_id = ${id}`.execute(handle.db)).rows;
    expect(run).toHaveLength(1);
    expect(run[0]!.attempt).toBe(2);
    // Not before the dead process's lease (1.5 s from its claim) ran out. started_at is taken a
    // moment after the claim, so allow that moment (well under the 1.5 s a premature takeover saves).
    const [started] = (await sql<{ started_at: string }>`select started_at from job_starts where job_id = ${id}`.execute(handle.db)).rows;
    expect(Number(run[0]!.finished_at) - Number(started!.started_at)).toBeGreaterThanOrEqual(1400);
    const job = await handle.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ state: 'done', attempts: 2 });
    expect(await count('job_duplicates')).toBe(0);
  }, 60_000);

  async function startedJob(env: Record<string, string>) {
    const url = handle.config.kind === 'postgres' ? handle.config.url : '';
    const id = (await enqueue(handle.db, { kind: 'test.record', payload: {}, now: Date.now() }))!;
    const worker = await startWorker(url, { WORKERS: '1', STOP_GRACE_MS: '1000', ...env });
    workers.push(worker);
    await until(async () => (await sql`select 1 from job_starts where job_id = ${id}`.execute(handle.db)).rows.length === 1, 20_000);
    return { id, worker };
  }

  it('SIGTERM lets a running job finish within the grace period', async () => {
    const { id, worker } = await startedJob({ SLOW_MS: '300' });
    await stopWorker(worker);
    expect(worker.exitCode).toBe(0);
    expect(await handle.db.selectFrom('jobs').select(['state', 'attempts']).where('id', '=', id).executeTakeFirst()).toEqual({ state: 'done', attempts: 1 });
  }, 30_000);

  it('SIGTERM releases a job that does not finish in the grace period, for another process, attempt not counted', async () => {
    const { id, worker } = await startedJob({ HANG_FIRST_ATTEMPT: '1' });
    await stopWorker(worker);
    expect(worker.exitCode).toBe(0);
    expect(await handle.db.selectFrom('jobs').select(['state', 'attempts', 'lease_owner']).where('id', '=', id).executeTakeFirst()).toEqual({
      state: 'queued',
      attempts: 0,
      lease_owner: null,
    });
    await handle.db.deleteFrom('jobs').where('id', '=', id).execute(); // it would hang again
  }, 30_000);
});

import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  afterAll(async () => {
    await Promise.all(workers.map(stopWorker));
    await handle.close();
  });

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
    // Not before the dead process's lease (1.5 s from its claim) ran out.
    const [started] = (await sql<{ started_at: string }>`select started_at from job_starts where job_id = ${id}`.execute(handle.db)).rows;
    expect(Number(run[0]!.finished_at) - Number(started!.started_at)).toBeGreaterThanOrEqual(1500);
    const job = await handle.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ state: 'done', attempts: 2 });
    expect(await count('job_duplicates')).toBe(0);
  }, 60_000);
});

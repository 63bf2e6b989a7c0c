/**
 * Job queue figures on PostgreSQL (printed, never asserted):
 * - enqueue → done latency, p50/p99, at a steady 200 jobs/s into one worker process (with the
 *   default 1 s poll, and with a 50 ms poll);
 * - throughput draining a backlog with 1 and with 3 worker processes (one worker each, the default).
 * Worker processes are tests/harness/job-worker.ts (the real JobQueue, a trivial handler that
 * records each run). Uses BENCH_DATABASE_URL / TEST_DATABASE_URL, else starts its own PostgreSQL.
 * Options: BENCH_JOBS_RATE (200), BENCH_JOBS_SECONDS (5), BENCH_JOBS_BACKLOG (3000).
 */
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest, openDatabase } from '../../server/db/database.js';
import { enqueue } from '../../server/jobs/queue.js';
import { startJobWorker, stopJobWorker } from '../harness/job-workers.js';
import { startPostgres } from '../harness/postgres.js';
import { summary } from './password.js';

declare module '../../server/jobs/queue.js' {
  interface JobPayloads {
    'test.record': Record<string, never>;
  }
}

const RATE = Number(process.env.BENCH_JOBS_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_JOBS_SECONDS ?? 5);
const BACKLOG = Number(process.env.BENCH_JOBS_BACKLOG ?? 3000);

async function freshDatabase(serverUrl: string) {
  const name = `portal_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: serverUrl, max: 1 }) }) });
  await sql`create database ${sql.id(name)}`.execute(admin);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = openDatabase({ kind: 'postgres', url: url.href }, { poolSize: 4 });
  await migrateToLatest(handle.db);
  await sql`create table job_runs (job_id integer primary key, owner text not null, attempt integer not null, finished_at bigint not null)`.execute(handle.db);
  await sql`create table job_duplicates (job_id integer not null, owner text not null)`.execute(handle.db);
  return {
    ...handle,
    url: url.href,
    async drop() {
      await handle.close();
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
      await admin.destroy();
    },
  };
}

type Bench = Awaited<ReturnType<typeof freshDatabase>>;

const runs = async (db: Bench) => Number((await sql<{ n: string }>`select count(*) as n from job_runs`.execute(db.db)).rows[0]!.n);

async function untilRuns(db: Bench, n: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await runs(db)) < n) {
    if (Date.now() > deadline) throw new Error(`only ${await runs(db)} of ${n} jobs ran`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function latency(serverUrl: string, pollMs: number) {
  const db = await freshDatabase(serverUrl);
  const worker = await startJobWorker(db.url, { WORKERS: '1', POLL_MS: String(pollMs) });
  try {
    const total = RATE * SECONDS;
    const started = Date.now();
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / RATE;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await enqueue(db.db, { kind: 'test.record', payload: {}, now: Date.now() });
    }
    await untilRuns(db, total);
    const rows = await sql<{ ms: string }>`select r.finished_at - j.created_at as ms from job_runs r join jobs j on j.id = r.job_id`.execute(db.db);
    return summary(rows.rows.map((r) => Number(r.ms)));
  } finally {
    await stopJobWorker(worker);
    await db.drop();
  }
}

async function throughput(serverUrl: string, processes: number) {
  const db = await freshDatabase(serverUrl);
  try {
    const now = Date.now();
    await db.db.transaction().execute(async (trx) => {
      for (let i = 0; i < BACKLOG; i++) await enqueue(trx, { kind: 'test.record', payload: {}, now });
    });
    const workers = await Promise.all(Array.from({ length: processes }, () => startJobWorker(db.url, { WORKERS: '1' })));
    await untilRuns(db, BACKLOG);
    await Promise.all(workers.map(stopJobWorker));
    // From the first run to the last, so process start-up is not counted.
    const span = (await sql<{ first: string; last: string }>`select min(finished_at) as first, max(finished_at) as last from job_runs`.execute(db.db)).rows[0]!;
    const seconds = (Number(span.last) - Number(span.first)) / 1000;
    const duplicates = Number((await sql<{ n: string }>`select count(*) as n from job_duplicates`.execute(db.db)).rows[0]!.n);
    return { processes, jobs: BACKLOG, seconds: +seconds.toFixed(2), jobs_per_s: Math.round(BACKLOG / seconds), duplicates };
  } finally {
    await db.drop();
  }
}

export async function benchJobs(): Promise<void> {
  const given = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const postgres = given ? { url: given, stop: async () => {} } : await startPostgres();
  try {
    console.log(`\nJob queue on PostgreSQL: enqueue → done at ${RATE} jobs/s for ${SECONDS} s, one worker process`);
    console.table({
      'poll 1000 ms (default)': await latency(postgres.url, 1000),
      'poll 50 ms': await latency(postgres.url, 50),
    });
    console.log(`\nJob queue throughput draining ${BACKLOG} due jobs (one worker per process)`);
    console.table([await throughput(postgres.url, 1), await throughput(postgres.url, 3)]);
  } finally {
    await postgres.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchJobs();

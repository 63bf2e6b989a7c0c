import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobRow } from '../../server/db/schema.js';
import { housekeeping } from '../../server/jobs/housekeeping.js';
import { deleteSearchesBefore } from '../../server/features/kb/repository.js';
import { RECOVERY_BACKSTOP_FAILURES, RECOVERY_LOCKOUT_FAILURES } from '../../server/features/password/flows.js';
import { enqueue, enqueueAll, JobQueue, nextSlot } from '../../server/jobs/queue.js';
import { claimJobs } from '../../server/jobs/repository.js';
import { ManualClock } from '../harness/clock.js';
import { buildTestApp, signInAs, type TestApp } from '../harness/app.js';
import { availableDialects, openTestDatabase } from '../harness/db.js';
import { capturingLogger } from '../harness/logs.js';

declare module '../../server/jobs/queue.js' {
  interface JobPayloads {
    'test.step': { label: string };
  }
}

type Handle = Awaited<ReturnType<typeof openTestDatabase>>;

describe.each(availableDialects())('the job queue on %s', (dialect) => {
  let handle: Handle;
  let clock: ManualClock;
  let queue: JobQueue;
  let ran: string[];
  let failUntilAttempt: number;
  let log: ReturnType<typeof capturingLogger>;

  const jobRow = (id: number) => handle.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
  });
  afterAll(() => handle.close());
  afterEach(async () => {
    await handle.db.deleteFrom('jobs').execute();
  });

  function newQueue(owner: string) {
    const q = new JobQueue(handle.db, clock, log.logger, { owner, leaseMs: 30_000, backoffBaseMs: 1000, backoffMaxMs: 8000, random: () => 0.999 });
    q.register('test.step', async ({ label }, job) => {
      if (job.attempt < failUntilAttempt) throw new Error(`attempt ${job.attempt} of ${label} failed`);
      ran.push(`${owner}:${label}`);
    });
    return q;
  }

  beforeAll(() => {
    clock = new ManualClock();
  });
  afterEach(() => {
    ran = [];
    failUntilAttempt = 0;
  });
  beforeAll(() => {
    ran = [];
    failUntilAttempt = 0;
    log = capturingLogger();
    queue = newQueue('one');
  });

  it('runs a due job once and marks it done', async () => {
    const id = (await enqueue(handle.db, { kind: 'test.step', payload: { label: 'a' }, now: clock.now() }))!;
    expect(await queue.runDueJobs()).toBe(1);
    expect(await queue.runDueJobs()).toBe(0);
    expect(ran).toEqual(['one:a']);
    expect(await jobRow(id)).toMatchObject({ state: 'done', attempts: 1, lease_owner: null });
  });

  it('waits for runAt', async () => {
    await enqueue(handle.db, { kind: 'test.step', payload: { label: 'later' }, now: clock.now(), runAt: clock.now() + 60_000 });
    expect(await queue.runDueJobs()).toBe(0);
    clock.advance(60_000);
    expect(await queue.runDueJobs()).toBe(1);
    expect(ran).toEqual(['one:later']);
  });

  it('keeps no job from a transaction that rolled back, and runs the one from a transaction that committed', async () => {
    await expect(
      handle.db.transaction().execute(async (trx) => {
        await enqueue(trx, { kind: 'test.step', payload: { label: 'rolled back' }, now: clock.now() });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await handle.db.transaction().execute((trx) => enqueue(trx, { kind: 'test.step', payload: { label: 'committed' }, now: clock.now() }));
    await queue.runDueJobs();
    expect(ran).toEqual(['one:committed']);
    expect(await handle.db.selectFrom('jobs').select('kind').execute()).toHaveLength(1);
  });

  it('retries with exponential backoff, then fails for good and says so in the log', async () => {
    failUntilAttempt = 99;
    const id = (await enqueue(handle.db, { kind: 'test.step', payload: { label: 'doomed' }, now: clock.now(), maxAttempts: 3 }))!;
    const start = clock.now();
    await queue.runDueJobs();
    let row: JobRow = await jobRow(id);
    // random() pinned near 1: the delay is the full base·2^(n−1).
    expect(row).toMatchObject({ state: 'queued', attempts: 1, last_error: 'attempt 1 of doomed failed' });
    expect(row.run_at - start).toBe(Math.round(1000 * (0.5 + 0.999 / 2)));
    expect(await queue.runDueJobs()).toBe(0); // not before the backoff
    clock.advance(1000);
    await queue.runDueJobs();
    row = await jobRow(id);
    expect(row).toMatchObject({ state: 'queued', attempts: 2 });
    expect(row.run_at - clock.now()).toBe(Math.round(2000 * (0.5 + 0.999 / 2)));
    clock.advance(2000);
    await queue.runDueJobs();
    expect(await jobRow(id)).toMatchObject({ state: 'failed', attempts: 3, last_error: 'attempt 3 of doomed failed' });
    const failures = log.lines.filter((l) => l.jobId === id);
    expect(failures.map((l) => l.msg)).toEqual([
      'job attempt failed; will retry',
      'job attempt failed; will retry',
      'job failed for good; an admin can retry it',
    ]);
    expect(ran).toEqual([]);
  });

  it('a retry that succeeds leaves the job done', async () => {
    failUntilAttempt = 2;
    const id = (await enqueue(handle.db, { kind: 'test.step', payload: { label: 'flaky' }, now: clock.now() }))!;
    await queue.runDueJobs();
    clock.advance(1000);
    await queue.runDueJobs();
    expect(await jobRow(id)).toMatchObject({ state: 'done', attempts: 2, last_error: null });
    expect(ran).toEqual(['one:flaky']);
  });

  it('a job whose process died is taken over once its lease expires, and only then', async () => {
    const id = (await enqueue(handle.db, { kind: 'test.step', payload: { label: 'orphan' }, now: clock.now() }))!;
    // A process claims it and dies without finishing.
    const [claimed] = await claimJobs(handle.db, 'dead-process', clock.now(), 30_000, 1);
    expect(claimed!.id).toBe(id);
    const other = newQueue('two');
    expect(await other.runDueJobs()).toBe(0); // the lease still holds
    clock.advance(30_000);
    expect(await other.runDueJobs()).toBe(1);
    expect(await queue.runDueJobs()).toBe(0);
    expect(ran).toEqual(['two:orphan']);
    expect(await jobRow(id)).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('a job whose process died on its last attempt is failed, not run again', async () => {
    const id = (await enqueue(handle.db, { kind: 'test.step', payload: { label: 'last' }, now: clock.now(), maxAttempts: 1 }))!;
    await claimJobs(handle.db, 'dead-process', clock.now(), 30_000, 1);
    clock.advance(30_000);
    expect(await queue.runDueJobs()).toBe(0);
    expect(await jobRow(id)).toMatchObject({ state: 'failed', last_error: 'The process running it stopped (lease expired).' });
  });

  it('two claimers never take the same job', async () => {
    for (let i = 0; i < 40; i++) await enqueue(handle.db, { kind: 'test.step', payload: { label: `j${i}` }, now: clock.now() });
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => claimJobs(handle.db, `p${i}`, clock.now(), 30_000, 10)));
    const ids = claims.flat().map((j) => j.id);
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
  });

  it('one claim takes several due jobs, which then run one after another in order', async () => {
    const batch = new JobQueue(handle.db, clock, log.logger, { owner: 'batch', leaseMs: 30_000, claimBatch: 3, recurring: false });
    const seen: { label: string; states: string[] }[] = [];
    const ids: number[] = [];
    batch.register('test.step', async ({ label }) => {
      // While the first runs, the other two are already held by this worker (one claim took all three).
      const rows = await handle.db.selectFrom('jobs').select(['id', 'state', 'lease_owner']).where('id', 'in', ids).orderBy('id').execute();
      seen.push({ label, states: rows.map((r) => `${r.state}:${r.lease_owner}`) });
    });
    for (const label of ['b1', 'b2', 'b3', 'b4']) ids.push((await enqueue(handle.db, { kind: 'test.step', payload: { label }, now: clock.now() }))!);
    expect(await batch.runDueJobs()).toBe(4);
    expect(seen.map((s) => s.label)).toEqual(['b1', 'b2', 'b3', 'b4']);
    expect(seen[0]!.states).toEqual(['running:batch', 'running:batch', 'running:batch', 'queued:null']);
    // The fourth came with the next claim, after the first three were done.
    expect(seen[3]!.states).toEqual(['done:null', 'done:null', 'done:null', 'running:batch']);
    for (const id of ids) expect(await jobRow(id)).toMatchObject({ state: 'done', attempts: 1 });
  });

  it('slow jobs are not hoarded: the rest of the batch goes back, and the next claims take one each', async () => {
    const batch = new JobQueue(handle.db, clock, log.logger, { owner: 'slowpoke', leaseMs: 30_000, claimBatch: 4, recurring: false });
    const seen: { label: string; states: string[] }[] = [];
    const ids: number[] = [];
    batch.register('test.step', async ({ label }) => {
      const rows = await handle.db.selectFrom('jobs').select(['id', 'state', 'attempts']).where('id', 'in', ids).orderBy('id').execute();
      seen.push({ label, states: rows.map((r) => `${r.state}:${r.attempts}`) });
      await new Promise((resolve) => setTimeout(resolve, 60)); // an SMTP server taking its time
    });
    for (const label of ['s1', 's2', 's3', 's4']) ids.push((await enqueue(handle.db, { kind: 'test.step', payload: { label }, now: clock.now() }))!);
    expect(await batch.runDueJobs()).toBe(4);
    expect(seen.map((s) => s.label)).toEqual(['s1', 's2', 's3', 's4']);
    // The first claim took all four (nothing was known to be slow yet) ...
    expect(seen[0]!.states).toEqual(['running:1', 'running:1', 'running:1', 'running:1']);
    // ... after one slow job the other three went back, their attempt not counted, and each
    // later claim took one job, leaving the rest for any other worker.
    expect(seen[1]!.states).toEqual(['done:1', 'running:1', 'queued:0', 'queued:0']);
    expect(seen[2]!.states).toEqual(['done:1', 'done:1', 'running:1', 'queued:0']);
    for (const id of ids) expect(await jobRow(id)).toMatchObject({ state: 'done', attempts: 1 });
  });

  it('runDueJobs({ limit }) claims no more than it may run', async () => {
    for (const label of ['l1', 'l2', 'l3']) await enqueue(handle.db, { kind: 'test.step', payload: { label }, now: clock.now() });
    expect(await queue.runDueJobs({ limit: 1 })).toBe(1);
    const states = await handle.db.selectFrom('jobs').select('state').orderBy('id').execute();
    expect(states.map((s) => s.state)).toEqual(['done', 'queued', 'queued']);
  });

  it('a wake runs what was just queued without waiting for the next poll', async () => {
    const worker = new JobQueue(handle.db, clock, log.logger, { owner: 'sleepy', pollMs: 60_000, recurring: false });
    const seen: string[] = [];
    worker.register('test.step', async ({ label }) => void seen.push(label));
    worker.start(1);
    try {
      await new Promise((resolve) => setTimeout(resolve, 50)); // the worker found nothing and sleeps
      await enqueue(handle.db, { kind: 'test.step', payload: { label: 'woken' }, now: clock.now() });
      for (let i = 0; i < 5; i++) worker.wake(); // a burst of requests: one look
      const deadline = Date.now() + 2000;
      while (!seen.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(seen).toEqual(['woken']);
    } finally {
      await worker.stop();
    }
  });

  it('a job of a kind this process has no handler for fails with a clear error', async () => {
    const id = (await enqueue(handle.db, { kind: 'housekeeping', payload: {}, now: clock.now(), maxAttempts: 1 }))!;
    await queue.runDueJobs();
    expect(await jobRow(id)).toMatchObject({ state: 'failed', last_error: 'No handler for job kind "housekeeping" in this process.' });
  });

  it('a recurring job gets one job per slot, however many processes schedule it', async () => {
    const a = newQueue('a').every('tick', '*/10 * * * *', 'test.step', { label: 'tick' });
    const b = newQueue('b').every('tick', '*/10 * * * *', 'test.step', { label: 'tick' });
    clock.set(Date.UTC(2026, 10, 24, 9, 3, 0));
    await Promise.all([a.scheduleRecurring(), b.scheduleRecurring(), a.scheduleRecurring()]);
    const slots = await handle.db.selectFrom('jobs').select(['unique_key', 'run_at']).execute();
    expect(slots).toEqual([{ unique_key: 'tick@2026-11-24T09:10:00.000Z', run_at: Date.UTC(2026, 10, 24, 9, 10, 0) }]);
    clock.set(Date.UTC(2026, 10, 24, 9, 10, 0));
    await Promise.all([a.runDueJobs(), b.runDueJobs()]);
    expect(ran.filter((r) => r.endsWith(':tick'))).toHaveLength(1);
    // Running also put the next slot in place.
    expect(await handle.db.selectFrom('jobs').select('unique_key').where('state', '=', 'queued').execute()).toEqual([
      { unique_key: 'tick@2026-11-24T09:20:00.000Z' },
    ]);
  });

  it('computes slots in a person\u2019s IANA time zone', () => {
    // 08:00 in Shanghai (UTC+8) is 00:00 UTC; in New York (UTC−5 in November) it is 13:00 UTC.
    const after = Date.UTC(2026, 10, 24, 9, 0, 0);
    expect(new Date(nextSlot('0 8 * * *', after, 'Asia/Shanghai')).toISOString()).toBe('2026-11-25T00:00:00.000Z');
    expect(new Date(nextSlot('0 8 * * *', after, 'America/New_York')).toISOString()).toBe('2026-11-24T13:00:00.000Z');
  });

  it('deduplicates by unique key', async () => {
    const first = await enqueue(handle.db, { kind: 'test.step', payload: { label: 'x' }, now: clock.now(), uniqueKey: 'once' });
    const second = await enqueue(handle.db, { kind: 'test.step', payload: { label: 'x' }, now: clock.now(), uniqueKey: 'once' });
    expect(first).toBeTypeOf('number');
    expect(second).toBeNull();
  });

  it('adds several jobs in one statement, leaving out one whose unique key is taken', async () => {
    const now = clock.now();
    await enqueue(handle.db, { kind: 'test.step', payload: { label: 'taken' }, now, uniqueKey: 'many-b' });
    await enqueueAll(handle.db, [
      { kind: 'test.step', payload: { label: 'a' }, now, uniqueKey: 'many-a' },
      { kind: 'test.step', payload: { label: 'b' }, now, uniqueKey: 'many-b' },
      { kind: 'test.step', payload: { label: 'c' }, now, runAt: now + 60_000 },
    ]);
    const rows = await handle.db.selectFrom('jobs').select(['payload', 'unique_key', 'run_at']).where('payload', 'in', ['{"label":"a"}', '{"label":"b"}', '{"label":"c"}', '{"label":"taken"}']).orderBy('payload').execute();
    expect(rows.map((r) => [JSON.parse(r.payload).label, r.unique_key, Number(r.run_at) - now])).toEqual([
      ['a', 'many-a', 0],
      ['c', null, 60_000],
      ['taken', 'many-b', 0],
    ]);
    await enqueueAll(handle.db, []); // nothing to add: no statement, no error
  });

  it('a worker started and stopped runs what is due and stops cleanly', async () => {
    const worker = new JobQueue(handle.db, clock, log.logger, { owner: 'worker', pollMs: 10 });
    const seen: string[] = [];
    worker.register('test.step', async ({ label }) => void seen.push(label));
    worker.start(2);
    for (let i = 0; i < 5; i++) await enqueue(handle.db, { kind: 'test.step', payload: { label: `w${i}` }, now: clock.now() });
    await worker.drain();
    await worker.stop();
    expect(seen.sort()).toEqual(['w0', 'w1', 'w2', 'w3', 'w4']);
  });

  it('stopping releases a job that does not finish in the grace period, without counting the attempt', async () => {
    const worker = new JobQueue(handle.db, clock, log.logger, { owner: 'stuck', pollMs: 10 });
    let started!: () => void;
    const begun = new Promise<void>((resolve) => (started = resolve));
    worker.register('test.step', () => {
      started();
      return new Promise(() => {}); // never finishes
    });
    const id = (await enqueue(handle.db, { kind: 'test.step', payload: { label: 'stuck' }, now: clock.now() }))!;
    worker.start(1);
    await begun;
    await worker.stop(100);
    expect(await jobRow(id)).toMatchObject({ state: 'queued', attempts: 0, lease_owner: null });
  });

  it('stopping also gives back the jobs claimed with it that had not started, attempts not counted', async () => {
    const worker = new JobQueue(handle.db, clock, log.logger, { owner: 'stuck-batch', pollMs: 10, claimBatch: 3 });
    let started!: () => void;
    const begun = new Promise<void>((resolve) => (started = resolve));
    worker.register('test.step', () => {
      started();
      return new Promise(() => {}); // the first never finishes
    });
    const ids: number[] = [];
    for (const label of ['s1', 's2', 's3']) ids.push((await enqueue(handle.db, { kind: 'test.step', payload: { label }, now: clock.now() }))!);
    worker.start(1);
    await begun;
    expect((await jobRow(ids[2]!)).state).toBe('running'); // claimed together with the first
    await worker.stop(100);
    for (const id of ids) expect(await jobRow(id)).toMatchObject({ state: 'queued', attempts: 0, lease_owner: null });
  });
});

describe.each(availableDialects())('housekeeping on %s', (dialect) => {
  let handle: Handle;
  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
  });
  afterAll(() => handle.close());

  it('deletes expired sessions, flows, secrets, rate-limit windows and old finished jobs, and keeps the rest', async () => {
    const now = Date.UTC(2026, 10, 24, 12, 0, 0);
    const day = 24 * 3_600_000;
    const session = (id: string, expires: number, seen = now) => ({
      id_hash: id,
      username: 'hk-person',
      created_at: now - day,
      last_seen_at: seen,
      expires_at: expires,
      ip: null,
      user_agent: null,
      profile: '{}',
      checked_at: seen,
    });
    await handle.db.insertInto('sessions').values([session('live', now + 3_600_000), session('expired', now - 1), session('idle', now + 3_600_000, now - 3_600_000)]).execute();
    await handle.db
      .insertInto('password_flows')
      .values([
        { id_hash: 'old-flow', username: 'hk-person', created_at: now - 3 * day, expires_at: now - 2 * day, ip: null },
        { id_hash: 'recent-flow', username: 'hk-person', created_at: now - 3_600_000, expires_at: now - 1_000, ip: null },
      ])
      .execute();
    const secret = (hash: string, expires: number) => ({
      secret_hash: hash,
      username: 'hk-person',
      purpose: 'email_code' as const,
      flow_id_hash: null,
      created_at: expires - 600_000,
      expires_at: expires,
      created_by: null,
    });
    await handle.db.insertInto('one_time_secrets').values([secret('old', now - 2 * day), secret('live', now + 60_000)]).execute();
    await handle.db.insertInto('rate_limits').values([{ key: 'old', window_start: now - 2 * day, count: 1 }, { key: 'now', window_start: now, count: 1 }]).execute();
    const job = (state: 'done' | 'failed', finished: number) => ({
      kind: 'test.step',
      payload: '{}',
      state,
      run_at: finished,
      max_attempts: 1,
      created_at: finished,
      updated_at: finished,
      finished_at: finished,
    });
    await handle.db.insertInto('jobs').values([job('done', now - 8 * day), job('done', now - day), job('failed', now - 30 * day)]).execute();

    const failures = (username: string, scope: string, consecutive: number, updated_at: number) => ({ username, scope, consecutive, updated_at });
    await handle.db
      .insertInto('recovery_failures')
      .values([
        failures('nobody-guessed', '198.51.100.7', 3, now - 31 * day), // idle for a month: deleted
        failures('nobody-guessed', '*', 3, now - 31 * day), // deleted
        failures('recent', '*', 3, now - 2 * day), // still counting
        failures('locked-here', '198.51.100.8', RECOVERY_LOCKOUT_FAILURES, now - 90 * day), // a lock stays
        failures('locked-everywhere', '*', RECOVERY_BACKSTOP_FAILURES, now - 90 * day), // a lock stays
      ])
      .execute();

    // Searches logged over a year and a day ago are read by no analytics (they look back a year at most).
    const searched = (query: string, created_at: number) => ({ query, locale: null, result_count: 1, created_at, burst: null });
    await handle.db
      .insertInto('kb_search_log')
      .values([searched('too old', now - 367 * day), searched('a year ago', now - 365 * day), searched('today', now - 60_000)])
      .execute();

    const deleted = await housekeeping(handle.db, now, { sessionIdleMs: 30 * 60_000 });
    expect(deleted).toEqual({ sessions: 2, flows: 1, secrets: 1, jobs: 1, idempotencyKeys: 0, recoveryFailures: 2, searches: 1 });
    expect((await handle.db.selectFrom('kb_search_log').select('query').orderBy('id').execute()).map((r) => r.query)).toEqual(['a year ago', 'today']);
    expect(
      (await handle.db.selectFrom('recovery_failures').select(['username', 'scope']).orderBy('username').execute()).map((r) => `${r.username} ${r.scope}`),
    ).toEqual(['locked-everywhere *', 'locked-here 198.51.100.8', 'recent *']);
    expect((await handle.db.selectFrom('sessions').select('id_hash').execute()).map((r) => r.id_hash)).toEqual(['live']);
    expect((await handle.db.selectFrom('password_flows').select('id_hash').execute()).map((r) => r.id_hash)).toEqual(['recent-flow']);
    expect((await handle.db.selectFrom('rate_limits').select('key').execute()).map((r) => r.key)).toEqual(['now']);
    // Failed jobs stay until an admin retries or discards them.
    expect((await handle.db.selectFrom('jobs').select('state').orderBy('id').execute()).map((r) => r.state)).toEqual(['done', 'failed']);
  });

  it('cuts a long-unpruned search log back a bounded batch at a time, the oldest first', async () => {
    const now = Date.UTC(2026, 10, 24, 12, 0, 0);
    const day = 24 * 3_600_000;
    await handle.db.deleteFrom('kb_search_log').execute();
    // Logged out of order: the oldest go first whatever their ids.
    const ages = [400, 800, 366.5, 600, 2];
    await handle.db
      .insertInto('kb_search_log')
      .values(ages.map((age) => ({ query: `${age} days`, locale: null, result_count: 0, created_at: now - age * day, burst: null })))
      .execute();
    const left = async () => (await handle.db.selectFrom('kb_search_log').select('query').orderBy('id').execute()).map((r) => r.query);
    expect(await deleteSearchesBefore(handle.db, now - 366 * day, 2)).toBe(2);
    expect(await left()).toEqual(['400 days', '366.5 days', '2 days']);
    expect(await deleteSearchesBefore(handle.db, now - 366 * day, 2)).toBe(2);
    expect(await deleteSearchesBefore(handle.db, now - 366 * day, 2)).toBe(0);
    expect(await left()).toEqual(['2 days']);
  });
});

describe.each(availableDialects())('admin jobs API on %s', (dialect) => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await buildTestApp({ dialect, env: { JOBS_WORKERS: '0' } });
    admin = await signInAs(t, 'adam');
  });
  afterAll(() => t.close());

  async function failedJob(): Promise<number> {
    const now = t.clock.now();
    const row = await t.deps.db
      .insertInto('jobs')
      .values({ kind: 'mail.send', payload: '{}', state: 'failed', run_at: now, attempts: 8, max_attempts: 8, last_error: 'connect ECONNREFUSED', created_at: now, updated_at: now, finished_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  it('is for admins only', async () => {
    const employee = await signInAs(t, 'alice');
    expect((await t.request('GET', '/api/admin/jobs', { cookie: employee })).status).toBe(403);
    expect((await t.request('GET', '/api/admin/jobs')).status).toBe(401);
    expect((await t.request('POST', '/api/admin/jobs/1/retry', { cookie: employee, json: {} })).status).toBe(403);
  });

  it('lists failed jobs with their attempts, last error and counts, never their payload', async () => {
    const id = await failedJob();
    const response = await t.request('GET', '/api/admin/jobs?state=failed', { cookie: admin });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.jobs).toContainEqual(expect.objectContaining({ id, kind: 'mail.send', state: 'failed', attempts: 8, maxAttempts: 8, lastError: 'connect ECONNREFUSED' }));
    expect(body.jobs[0]).not.toHaveProperty('payload');
    expect(body.counts.failed).toBeGreaterThanOrEqual(1);
  });

  it('refuses a bad state or id, and changes nothing', async () => {
    expect((await t.request('GET', '/api/admin/jobs?state=exploded', { cookie: admin })).status).toBe(400);
    expect((await t.request('POST', '/api/admin/jobs/abc/retry', { cookie: admin, json: {} })).status).toBe(400);
  });

  it('retries a failed job (fresh attempts, due now) and audits it', async () => {
    const id = await failedJob();
    const response = await t.request('POST', `/api/admin/jobs/${id}/retry`, { cookie: admin, json: {} });
    expect(response.status).toBe(200);
    expect(await t.deps.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow()).toMatchObject({
      state: 'queued',
      attempts: 0,
      run_at: t.clock.now(),
    });
    const again = await t.request('POST', `/api/admin/jobs/${id}/retry`, { cookie: admin, json: {} });
    expect(again.status).toBe(409);
    expect((await again.json()).error.code).toBe('job_not_failed');
    const audit = await t.deps.db.selectFrom('audit_events').selectAll().where('action', '=', 'admin.job_retried').orderBy('id').execute();
    expect(audit.map((a) => [a.actor, a.result, JSON.parse(a.details!).jobId])).toEqual([
      ['adam', 'success', id],
      ['adam', 'failure', id],
    ]);
  });

  it('discards a failed job and audits it', async () => {
    const id = await failedJob();
    expect((await t.request('POST', `/api/admin/jobs/${id}/discard`, { cookie: admin, json: {} })).status).toBe(200);
    expect(await t.deps.db.selectFrom('jobs').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
    expect((await t.request('POST', `/api/admin/jobs/${id}/discard`, { cookie: admin, json: {} })).status).toBe(409);
    const audit = await t.deps.db.selectFrom('audit_events').selectAll().where('action', '=', 'admin.job_discarded').execute();
    expect(audit.map((a) => a.result)).toEqual(['success', 'failure']);
  });

  it('shows the counts by state in the readiness detail', async () => {
    const body = await (await t.request('GET', '/api/ready')).json();
    expect(body.jobs).toMatchObject({ failed: expect.any(Number), queued: expect.any(Number) });
    expect(body.jobs.failed).toBeGreaterThanOrEqual(1);
  });
});

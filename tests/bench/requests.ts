/**
 * Device-request figures (printed, never asserted): a generated inventory of 100k assets and 200k
 * requests (with their steps and approvers), then, at a fixed rate (default 200 req/s, open loop:
 * each request sent when it is due and timed from then, see open-loop.ts), p50/p99 of
 * - GET /api/catalog (as an employee),
 * - GET /api/approvals (as the help desk, whose role queue is the longest),
 * - POST /api/requests with a fresh Idempotency-Key each (as an employee).
 * On SQLite, and on PostgreSQL when one is at hand (BENCH_DATABASE_URL / TEST_DATABASE_URL, else
 * the harness starts one; BENCH_REQUESTS_SKIP_PG=1 skips it). The portal runs as its own process.
 * `tsx tests/bench/requests.ts` runs it alone. Options: BENCH_REQUESTS_RATE (200),
 * BENCH_REQUESTS_SECONDS (10), BENCH_ASSETS (100000), BENCH_REQUESTS (200000),
 * BENCH_REQUESTS_ONLY (catalog,approvals,create: a subset), BENCH_REQUESTS_CPU_PROF=DIR (the server
 * writes a V8 CPU profile there when it stops), BENCH_REQUESTS_TSX=1 (run the server from its
 * sources instead of the built dist/server/main.js), BENCH_REQUESTS_SERVER=FILE (another build of
 * the server, e.g. one made from an earlier commit: before/after in the same minute).
 * The server is the production build (`npm run build`, or `tsx server/build.ts` for the server
 * alone) run by plain node, as `npm start` runs it: timing the sources through tsx's loader would
 * not be the server people run. Besides wall-clock latency, each run prints the server's CPU time
 * per request (from /proc), the figure a machine shared with other work distorts least.
 * Budget (issue 8): p99 ≤ 50 ms for each at 200 req/s on SQLite.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { type DatabaseHandle, migrateToLatest, openDatabase } from '../../server/db/database.js';
import { recountStock } from '../../server/inventory/builtin-repository.js';
import { freePort } from '../harness/ports.js';
import { startPostgres } from '../harness/postgres.js';
import { type OpenLoopRequest, openLoop, serverCpuMs } from './open-loop.js';

const RATE = Number(process.env.BENCH_REQUESTS_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_REQUESTS_SECONDS ?? 10);
const ASSETS = Number(process.env.BENCH_ASSETS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200_000);
const MODELS = 200;
const CATEGORIES = ['laptops', 'phones', 'monitors', 'peripherals', 'accessories'];
const BATCH = 500;

async function insertBatched(db: Kysely<any>, table: string, rows: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await db.insertInto(table).values(rows.slice(i, i + BATCH)).execute();
}

/** Fills the inventory and the request tables with direct inserts (ids are given, so the rows link up without reads). */
export async function generate(db: Kysely<any>): Promise<{ modelId: string }> {
  const now = Date.now();
  const started = performance.now();
  await db.transaction().execute(async (trx) => {
    await insertBatched(
      trx,
      'inventory_models',
      Array.from({ length: MODELS }, (_, i) => ({
        id: i + 1,
        category: CATEGORIES[i % CATEGORIES.length],
        manufacturer: ['Lenovo', 'Apple', 'Dell', 'Logitech', 'Samsung'][i % 5],
        name: `Bench model ${i + 1}`,
        specs: `Generated model number ${i + 1}`,
        image_url: null,
        price_cents: 2000 + (i % 50) * 3000,
        requestable: 1,
        eligible_roles: '[]',
        eligible_departments: '[]',
        lead_time_days: 10,
        created_at: now,
        updated_at: now,
      })),
    );
    const statuses = ['in_stock', 'in_stock', 'in_stock', 'assigned', 'assigned', 'reserved', 'in_repair', 'retired'];
    const assets: Record<string, unknown>[] = [];
    for (let i = 1; i <= ASSETS; i++) {
      const status = statuses[i % statuses.length]!;
      const tag = `BX-${String(i).padStart(7, '0')}`;
      assets.push({
        id: i,
        tag,
        tag_lower: tag.toLowerCase(),
        serial: `SNB${i}`,
        serial_lower: `snb${i}`,
        model_id: (i % MODELS) + 1,
        status,
        location: 'HQ',
        assigned_to: status === 'assigned' ? `person${i % 5000}` : null,
        reserved_for: status === 'reserved' ? `request:${i}` : null,
        purchase_date: '2025-01-15',
        warranty_end: '2028-01-15',
        notes: '',
        created_at: now,
        updated_at: now,
      });
    }
    await insertBatched(trx, 'inventory_assets', assets);
    // Written around the inventory: its kept in-stock counts are filled as the migration does.
    await recountStock(trx);
  });

  // Requests: most finished, some waiting for a manager, some for the help desk (the role queue).
  const chunk = 20_000;
  for (let from = 1; from <= REQUESTS; from += chunk) {
    await db.transaction().execute(async (trx) => {
      const requests: Record<string, unknown>[] = [];
      const steps: Record<string, unknown>[] = [];
      const approvers: Record<string, unknown>[] = [];
      for (let id = from; id < from + chunk && id <= REQUESTS; id++) {
        const kind = id % 10; // 0: waits for the manager, 1: waits for the help desk, else finished
        const status = kind === 0 || kind === 1 ? 'pending_approval' : ['received', 'rejected', 'cancelled', 'approved'][id % 4]!;
        const requester = `person${id % 5000}`;
        const manager = `manager${id % 250}`;
        const at = now - (REQUESTS - id) * 1000;
        requests.push({
          id,
          requester,
          requester_name: `Person ${id % 5000}`,
          created_by: requester,
          model_id: String((id % MODELS) + 1),
          model_name: `Bench model ${(id % MODELS) + 1}`,
          category: CATEGORIES[id % CATEGORIES.length],
          price_cents: 5000,
          quantity: 1,
          justification: 'Generated for the benchmark.',
          status,
          current_step: kind === 0 ? 1 : kind === 1 ? 2 : null,
          step_count: 2,
          created_at: at,
          updated_at: at,
        });
        const s1 = id * 2 - 1;
        const s2 = id * 2;
        const settled = kind !== 0;
        steps.push(
          { id: s1, request_id: id, position: 1, kind: 'manager', role: null, mode: 'any', sla_ms: 172_800_000, state: settled ? 'approved' : 'pending', opened_at: at, due_at: at + 172_800_000 },
          { id: s2, request_id: id, position: 2, kind: 'group', role: 'helpdesk', mode: 'any', sla_ms: 86_400_000, state: kind === 0 ? 'waiting' : kind === 1 ? 'pending' : 'approved', opened_at: kind === 0 ? null : at, due_at: null },
        );
        approvers.push({ id: s1, request_id: id, step_id: s1, approver: manager, source: 'manager', state: settled ? 'approved' : 'pending', decided_by: settled ? manager : null, created_at: at });
        if (kind !== 0) approvers.push({ id: s2, request_id: id, step_id: s2, approver: 'role:helpdesk', source: 'role', state: kind === 1 ? 'pending' : 'approved', decided_by: kind === 1 ? null : 'hana', created_at: at });
      }
      await insertBatched(trx, 'device_requests', requests);
      await insertBatched(trx, 'request_steps', steps);
      await insertBatched(trx, 'request_approvers', approvers);
    });
  }
  console.log(`  generated ${ASSETS} assets, ${MODELS} models, ${REQUESTS} requests (${REQUESTS * 2} steps) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { modelId: String(CATEGORIES.indexOf('accessories') + 1) };
}

/** PostgreSQL identity columns do not move when ids are given: set them past the generated rows. */
async function resetSequences(db: Kysely<any>): Promise<void> {
  for (const table of ['inventory_models', 'inventory_assets', 'device_requests', 'request_steps', 'request_approvers']) {
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select max(id) from ${sql.table(table)}))`.execute(db);
  }
}

const ONLY = new Set((process.env.BENCH_REQUESTS_ONLY ?? 'catalog,approvals,create').split(','));

async function startPortal(env: Record<string, string>, url: string): Promise<ChildProcess> {
  const profile = process.env.BENCH_REQUESTS_CPU_PROF;
  const built = path.resolve(process.env.BENCH_REQUESTS_SERVER ?? 'dist/server/main.js');
  const fromSources = process.env.BENCH_REQUESTS_TSX === '1';
  if (!fromSources && !fs.existsSync(built)) throw new Error('dist/server/main.js is missing: run `npm run build` (or `tsx server/build.ts`) first');
  // node itself (never a wrapper that runs the server in a child): the pid is the server's, whose
  // CPU time serverCpuMs reads; node refuses --cpu-prof in NODE_OPTIONS, hence the argument.
  const args = [
    ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profile)}`] : []),
    ...(fromSources ? ['--import', 'tsx', 'server/main.ts'] : [built]),
    'serve',
  ];
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (await fetch(`${url}/api/health`).then((r) => r.ok, () => false)) return child;
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error('the portal did not start');
}

async function signIn(url: string, username: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ username, password: 'portal-demo-2026' }),
  });
  const cookie = response.headers.getSetCookie().find((c) => c.includes('portal_session='));
  if (!cookie) throw new Error(`sign-in as ${username} failed: ${response.status}`);
  return cookie.split(';')[0]!;
}

/** Runs one endpoint at the fixed rate and prints its figures; returns how many requests were sent. */
/** One route at a fixed RATE for SECONDS, open loop (see open-loop.ts); returns how many were sent. */
async function fixedRate(name: string, pid: number | undefined, baseUrl: string, request: (i: number) => OpenLoopRequest): Promise<number> {
  const cpuBefore = serverCpuMs(pid);
  const result = await openLoop(baseUrl, RATE, SECONDS, request);
  const cpuAfter = serverCpuMs(pid);
  const cpu = cpuBefore !== null && cpuAfter !== null ? `  server CPU ${((cpuAfter - cpuBefore) / Math.max(1, result.sent)).toFixed(2)} ms/req` : '';
  const ok = result.non2xx === 0 && result.errors === 0;
  const ms = (n: number) => String(Math.round(n)).padStart(4);
  console.log(
    `  ${name.padEnd(34)} ${String(result.rps).padStart(4)} req/s  p50 ${ms(result.p50_ms)} ms  p99 ${ms(result.p99_ms)} ms  max ${ms(result.max_ms)} ms${cpu}${ok ? '' : `  (non-2xx ${result.non2xx}, errors ${result.errors})`}`,
  );
  return result.sent;
}

/** Jobs due and not done when the load stops (the server's own worker does them), and how long until none is. */
async function reportBacklog(open: () => Promise<DatabaseHandle>): Promise<void> {
  const handle = await open();
  try {
    const due = async () => {
      const now = Date.now();
      const row = await handle.db
        .selectFrom('jobs')
        .select(sql<number>`count(*)`.as('n'))
        .where((eb) => eb.or([eb('state', '=', 'running'), eb.and([eb('state', '=', 'queued'), eb('run_at', '<=', now)])]))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };
    const started = performance.now();
    const atEnd = await due();
    let left = atEnd;
    while (left > 0 && performance.now() - started < 60_000) {
      await new Promise((r) => setTimeout(r, 100));
      left = await due();
    }
    console.log(`  jobs due when the load stopped: ${atEnd}; ${left ? `${left} still due after 60 s` : `none after ${((performance.now() - started) / 1000).toFixed(1)} s`}`);
  } finally {
    await handle.close();
  }
}

async function measure(label: string, env: Record<string, string>, prepare: () => Promise<DatabaseHandle>): Promise<void> {
  console.log(`\nDevice requests on ${label}: ${ASSETS} assets, ${REQUESTS} requests, ${RATE} req/s for ${SECONDS} s each`);
  const handle = await prepare();
  await migrateToLatest(handle.db);
  const { modelId } = await generate(handle.db);
  if (handle.kind === 'postgres') {
    await resetSequences(handle.db);
    // What autovacuum would have done by now on a live server: statistics for the planner (without
    // them it guesses row counts of the freshly loaded tables) and the visibility map.
    await sql`vacuum analyze`.execute(handle.db);
  }
  await handle.close();

  const port = await freePort();
  const url = `http://localhost:${port}`;
  const portal = await startPortal({ PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url, PORTAL_DEMO: '1', LOG_LEVEL: 'warn', ...env }, url);
  try {
    const alice = await signIn(url, 'alice');
    const hana = await signIn(url, 'hana');
    const headers = (cookie: string) => ({ cookie, origin: url });
    const queue = (await (await fetch(`${url}/api/approvals`, { headers: headers(hana) })).json()) as { items: unknown[] };
    console.log(`  help-desk queue page: ${queue.items.length} approvals (of ${REQUESTS / 10} pending at that step)`);
    if (ONLY.has('catalog')) await fixedRate('GET /api/catalog', portal.pid, url, () => ({ method: 'GET', path: '/api/catalog', headers: headers(alice) }));
    if (ONLY.has('approvals'))
      await fixedRate('GET /api/approvals (help desk)', portal.pid, url, () => ({ method: 'GET', path: '/api/approvals', headers: headers(hana) }));
    if (ONLY.has('create')) {
      const cpuBefore = serverCpuMs(portal.pid);
      const body = JSON.stringify({ modelId, justification: 'Benchmark request.' });
      const sent = await fixedRate('POST /api/requests', portal.pid, url, () => ({
        method: 'POST',
        path: '/api/requests',
        headers: { ...headers(alice), 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body,
      }));
      // Each request queues notification work (mail, push) for the server's own worker: whether
      // it kept up, and the CPU time per request with that work included.
      await reportBacklog(prepare);
      const cpuAfter = serverCpuMs(portal.pid);
      if (cpuBefore !== null && cpuAfter !== null) console.log(`  server CPU per request with its jobs done: ${((cpuAfter - cpuBefore) / Math.max(1, sent)).toFixed(2)} ms`);
    }
  } finally {
    portal.kill('SIGTERM');
  }
}

export async function benchRequests(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-bench-requests-'));
  try {
    await measure('SQLite', { PORTAL_DATA_DIR: dataDir }, async () => openDatabase({ kind: 'sqlite', file: path.join(dataDir, 'portal.sqlite') }));
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  if (process.env.BENCH_REQUESTS_SKIP_PG) return;
  const given = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const postgres = given ? { url: given, stop: async () => {} } : await startPostgres();
  const server = postgres.url;
  const name = `portal_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: server, max: 1 }) }) });
  await sql`create database ${sql.id(name)}`.execute(admin);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-bench-requests-'));
  try {
    await measure('PostgreSQL', { PORTAL_DATA_DIR: pgDir, DATABASE_URL: url.href }, async () => openDatabase({ kind: 'postgres', url: url.href }));
  } finally {
    await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
    await admin.destroy();
    fs.rmSync(pgDir, { recursive: true, force: true });
    await postgres.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchRequests();

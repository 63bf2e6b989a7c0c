/**
 * Knowledge-base search figures (printed, never asserted), on SQLite and on PostgreSQL:
 * - import of the corpus (BENCH_KB_ARTICLES, default 100 000) through the real import path;
 * - every distinct query of the log run once in-process: p50/p99 and the worst single query; then
 *   the whole log in order through fresh caches: how many passes reach the engine, and their CPU;
 * - over HTTP against the real app in its own process pinned to CPU 0 (the load generator runs
 *   here, on the other core, and so does a PostgreSQL the bench starts: pin a reused one the same
 *   way, `taskset -a -p -c 1` on its postmaster and each of its processes): search p50/p99 at
 *   fixed rates (BENCH_KB_RATES, default 100, 300 and 500 requests/s; open loop,
 *   latency from each request's due time: open-loop.ts), and closed-loop throughput with
 *   BENCH_CONNECTIONS (10) connections (autocannon); then, one request at a time, the server's
 *   CPU for /api/health, a search new to its caches and the same one cached.
 * The corpus comes from the module KB_CORPUS_GENERATOR names (exporting `article(i)` and
 * `queryLog(n)`), else from tests/bench/kb-corpus.ts. `tsx tests/bench/kb.ts` runs it alone;
 * BENCH_KB_DIALECTS=sqlite limits it to one dialect; BENCH_KB_HTTP=0 skips the HTTP part;
 * BENCH_KB_SQLITE_DIR keeps the SQLite base between runs, BENCH_KB_POSTGRES_DB=URL reuses a
 * PostgreSQL database imported before; BENCH_KB_CPU_PROF=DIR profiles the server.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { AuditTrail } from '../../server/audit/audit.js';
import { loadConfig } from '../../server/config.js';
import { type DatabaseConfig, migrateToLatest, openDatabase } from '../../server/db/database.js';
import { importArticles } from '../../server/features/kb/import.js';
import { SEARCH_TIMEOUT_MS, search } from '../../server/features/kb/service.js';
import { SearchCache } from '../../server/kb/search/cache.js';
import { searchEngineFor } from '../../server/kb/search/index.js';
import type { RankedMatch, VocabularyEntry } from '../../server/kb/search/search.js';
import type { KbSearchResult } from '../../shared/kb.js';
import { systemClock } from '../../server/platform/clock.js';
import { startPostgres } from '../harness/postgres.js';
import { freePort } from '../harness/ports.js';
import { openLoop, serverCpuMs, serverThreadsCpuMs } from './open-loop.js';
import { summary } from './password.js';

const ARTICLES = Number(process.env.BENCH_KB_ARTICLES ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
/** Fixed rates to measure, requests a second (BENCH_KB_RATES, comma-separated). */
const RATES = (process.env.BENCH_KB_RATES ?? '100,300,500').split(',').map(Number);

interface Corpus {
  article(i: number): { title: string; body: string; locale: string };
  queryLog(n: number): string[];
}

async function loadCorpus(): Promise<{ corpus: Corpus; source: string }> {
  const external = process.env.KB_CORPUS_GENERATOR;
  if (external) return { corpus: (await import(pathToFileURL(path.resolve(external)).href)) as Corpus, source: external };
  const own = await import('./kb-corpus.js');
  own.resetSeed(); // the same corpus as the offline index's benchmark, on every run
  return { corpus: own as Corpus, source: 'tests/bench/kb-corpus.ts' };
}

function* corpusLines(corpus: Corpus, n: number): Generator<string> {
  for (let i = 0; i < n; i++) {
    const a = corpus.article(i);
    yield JSON.stringify({ title: a.title, body: a.body, locale: a.locale, slug: `bench-${i + 1}`, status: 'published' });
  }
}

/** `reused`: where the already imported base comes from (nothing is imported), else undefined. */
async function prepare(config: DatabaseConfig, corpus: Corpus, queries: string[], label: string, reused?: string) {
  const handle = openDatabase(config, { poolSize: 4 });
  try {
    await migrateToLatest(handle.db);
    // Searches run as the server runs them: on PostgreSQL through the pool whose connections carry
    // the statement timeout (no transaction around each search to set it in), null on SQLite.
    const kb = {
      db: handle.db,
      engine: searchEngineFor(handle.kind),
      audit: new AuditTrail(handle.db, systemClock),
      clock: systemClock,
      boundedDb: handle.withStatementTimeout(SEARCH_TIMEOUT_MS),
    };
    if (reused) {
      console.log(`[kb ${label}] reusing the base already imported in ${reused}`);
    } else {
      const started = performance.now();
      const result = await importArticles(kb, corpusLines(corpus, ARTICLES), { actor: 'bench' });
      const seconds = (performance.now() - started) / 1000;
      console.log(`[kb ${label}] import ${result.created} articles in ${seconds.toFixed(1)} s (${Math.round(result.created / seconds)}/s), errors ${result.errors.length}`);
    }
    // Every distinct query once, in-process: what a single request costs without HTTP, and the worst one.
    // Twice: the first pass is a fresh process's, whose first touch of each part of the base may
    // read it from disk (how long depends on what the OS still caches); the second is the server's
    // steady state. Neither pass answers from a cache (kb carries none).
    const distinct = [...new Set(queries)];
    for (const pass of ['first touch', 'again'] as const) {
      const times: number[] = [];
      const cpu: number[] = [];
      let worst = { query: '', ms: 0 };
      for (const q of distinct) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        await search(kb, { q, limit: 10 }, { log: false });
        const c = process.cpuUsage(c0);
        const ms = performance.now() - t0;
        times.push(ms);
        // CPU time of this process (SQLite runs in it): a figure a busy machine distorts far less than wall time.
        cpu.push((c.user + c.system) / 1000);
        if (ms > worst.ms) worst = { query: q, ms };
      }
      const what = `[kb ${label}] in-process (${pass}), ${distinct.length} distinct queries once each`;
      console.log(`${what}, wall:`, summary(times), `worst: "${worst.query}" ${worst.ms.toFixed(1)} ms`);
      console.log(`${what}, CPU:`, summary(cpu), `(load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`);
    }
    // The log in order through the caches the HTTP app keeps (fresh ones): how many searches still
    // reach the engine with the answer cache alone and with the ranked-match and term caches beneath it.
    for (const matchCache of [false, true]) {
      let passes = 0;
      const counting = { ...kb, engine: { ...kb.engine, match: (...args: Parameters<typeof kb.engine.match>) => ((passes += 1), kb.engine.match(...args)) } };
      const caches = {
        cache: new SearchCache<KbSearchResult[]>(),
        ...(matchCache ? { matchCache: new SearchCache<RankedMatch[]>(), termCache: new SearchCache<VocabularyEntry>() } : {}),
      };
      const c0 = process.cpuUsage();
      for (const q of queries) await search({ ...counting, ...caches }, { q, limit: 10 }, { log: false });
      const c = process.cpuUsage(c0);
      console.log(
        `[kb ${label}] the log in order, ${matchCache ? 'answers, ranked matches and terms' : 'answers only'} cached: ${passes} passes, CPU ${((c.user + c.system) / 1000).toFixed(0)} ms`,
      );
    }
  } finally {
    await handle.close();
  }
}

/** The CPUs besides the server's (CPU 0): the load generator's, and a PostgreSQL's the bench starts. Null on one core. */
const OTHER_CPUS = os.cpus().length > 1 ? `1-${os.cpus().length - 1}` : null;

async function startPinnedServer(env: Record<string, string>, port: number): Promise<ChildProcess> {
  // BENCH_KB_CPU_PROF=DIR: the server writes a V8 CPU profile there when it stops (node refuses
  // --cpu-prof in NODE_OPTIONS, so the server is started with node and tsx's loader instead).
  const profile = process.env.BENCH_KB_CPU_PROF;
  // node itself (not the tsx CLI, which runs the server in a child): the pid is the server's, whose
  // CPU time serverCpuMs reads.
  const command = [process.execPath, ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profile)}`] : []), '--import', 'tsx', 'tests/bench/kb-server.ts'];
  const pin = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const [file, ...args] = pin ? ['taskset', '-c', '0', ...command] : command;
  const child = spawn(file!, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (await fetch(`http://127.0.0.1:${port}/api/health`).then((r) => r.ok, () => false)) return child;
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill();
  throw new Error('the bench server did not start');
}

/**
 * One load phase over the log from its start. `seen` holds the queries the server has been sent
 * in earlier phases: a query new to it is the one that can miss its caches, and the phase's
 * `new_queries` says how many there were (in the log's order they come at the end of a phase
 * that reaches past the earlier ones).
 */
async function loadTest(port: number, cookie: string, queries: string[], seen: Set<string>, rate?: number, pid?: number) {
  const cpuBefore = serverCpuMs(pid);
  let next = 0;
  let fresh = 0;
  const path = () => {
    const q = queries[next++ % queries.length]!;
    if (!seen.has(q)) {
      seen.add(q);
      fresh++;
    }
    return `/api/kb/search?q=${encodeURIComponent(q)}&limit=10`;
  };
  // A fixed rate is open loop (see open-loop.ts); closed-loop throughput comes from autocannon.
  const result = rate
    ? await openLoop(`http://127.0.0.1:${port}`, rate, SECONDS, () => ({ method: 'GET', path: path(), headers: { cookie } }))
    : await autocannon({
        url: `http://127.0.0.1:${port}`,
        connections: CONNECTIONS,
        duration: SECONDS,
        headers: { cookie },
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path() }) }],
      }).then((r) => ({ rps: Math.round(r.requests.average), p50_ms: r.latency.p50, p99_ms: r.latency.p99, max_ms: r.latency.max, sent: r.requests.total, non2xx: r.non2xx, errors: r.errors }));
  const cpuAfter = serverCpuMs(pid);
  return {
    ...(cpuBefore !== null && cpuAfter !== null ? { server_cpu_ms_per_req: Number(((cpuAfter - cpuBefore) / Math.max(1, result.sent)).toFixed(2)) } : {}),
    ...result,
    new_queries: fresh,
  };
}

/**
 * One request at a time, after the load phases (so V8 has compiled the server's code for speed):
 * the server's CPU for a request that does no work of its own (/api/health), a search new to the
 * answer and match caches (the log's distinct queries with another page size, which those caches
 * key on; its terms' expansions, which do not depend on it, are in the term cache by then) and the
 * same search again, answered from them. Each request is handled alone, as at a low fixed rate,
 * and the server is given a moment after each answer to finish its work (the access line). What a
 * new query costs over HTTP, set against the in-process figures above.
 */
async function oneAtATime(port: number, cookie: string, queries: string[], pid: number | undefined, label: string) {
  if (serverThreadsCpuMs(pid) === null) return;
  const distinct = [...new Set(queries)];
  const cost = async (path: string) => {
    const before = serverThreadsCpuMs(pid)!;
    await (await fetch(`http://127.0.0.1:${port}${path}`, { headers: { cookie } })).arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 2));
    return serverThreadsCpuMs(pid)! - before;
  };
  const search = (q: string) => `/api/kb/search?q=${encodeURIComponent(q)}&limit=9`;
  const kinds: [string, (q: string) => string][] = [
    ['/api/health', () => '/api/health'],
    ['a search new to the answer and match caches', search],
    ['the same search again, from the caches', search],
  ];
  for (const [what, pathOf] of kinds) {
    const cpu: number[] = [];
    for (const q of distinct) cpu.push(await cost(pathOf(q)));
    const mean = cpu.reduce((a, b) => a + b, 0) / cpu.length;
    console.log(`[kb ${label}] one request at a time, server CPU (all its threads), ${what}:`, { ...summary(cpu), mean_ms: +mean.toFixed(2) });
  }
}

async function benchHttp(env: Record<string, string>, queries: string[], label: string) {
  const port = await freePort();
  const server = await startPinnedServer({ ...env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`, PORTAL_DEMO: '1', LOG_LEVEL: 'info' }, port);
  try {
    const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${port}` },
      body: JSON.stringify({ username: 'alice', password: 'portal-demo-2026' }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const seen = new Set<string>();
    await loadTest(port, cookie, queries, seen, 50); // warm-up: statement caches, page cache
    for (const rate of RATES) console.log(`[kb ${label}] HTTP search at a fixed ${rate}/s:`, await loadTest(port, cookie, queries, seen, rate, server.pid));
    console.log(`[kb ${label}] HTTP search closed loop, ${CONNECTIONS} connections:`, await loadTest(port, cookie, queries, seen, undefined, server.pid));
    await oneAtATime(port, cookie, queries, server.pid, label);
  } finally {
    server.kill('SIGTERM');
  }
}

export async function benchKb(): Promise<void> {
  const { corpus, source } = await loadCorpus();
  const queries = corpus.queryLog(5000);
  console.log(`[kb] corpus: ${ARTICLES} articles from ${source}; ${queries.length} logged queries (${new Set(queries).size} distinct)`);
  const dialects = (process.env.BENCH_KB_DIALECTS ?? 'sqlite,postgres').split(',');
  if (dialects.includes('sqlite')) {
    // BENCH_KB_SQLITE_DIR=DIR keeps the SQLite base there between runs (imported once, when the
    // directory is empty): before/after comparisons in the same minute without a 100k import each.
    const kept = process.env.BENCH_KB_SQLITE_DIR;
    const dataDir = kept ? path.resolve(kept) : fs.mkdtempSync(path.join(os.tmpdir(), 'portal-kb-bench-'));
    const reuse = kept !== undefined && fs.existsSync(path.join(dataDir, 'portal.sqlite'));
    try {
      const config = loadConfig({ PORTAL_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
      await prepare(config.database, corpus, queries, 'sqlite', reuse ? kept : undefined);
      if (process.env.BENCH_KB_HTTP !== '0') await benchHttp({ PORTAL_DATA_DIR: dataDir }, queries, 'sqlite');
    } finally {
      if (!kept) fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  if (dialects.includes('postgres')) {
    // BENCH_KB_POSTGRES_DB=URL: a database this benchmark imported before (kept, not dropped).
    const kept = process.env.BENCH_KB_POSTGRES_DB;
    if (kept) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-kb-bench-'));
      try {
        await prepare({ kind: 'postgres', url: kept }, corpus, queries, 'postgres', kept);
        if (process.env.BENCH_KB_HTTP !== '0') await benchHttp({ DATABASE_URL: kept, PORTAL_DATA_DIR: dataDir }, queries, 'postgres');
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
      return;
    }
    const own = process.env.BENCH_DATABASE_URL ? null : await startPostgres();
    // PostgreSQL beside the load generator, off the server's core, as a database on a host of its
    // own would be. Left to the scheduler, its backends also run on the server's pinned core, which
    // then serves requests in turns with them: at 300/s, four alternating runs on one base, p99
    // 134 and 39 ms left free, 29 and 71 ms pinned (six earlier runs left free: 39 to 249 ms).
    if (own && OTHER_CPUS) own.pinTo?.(OTHER_CPUS);
    // Through the Unix socket: the portal and PostgreSQL share this machine, and README's "at scale"
    // says to connect so (over loopback TCP each statement costs both sides more CPU).
    const serverUrl = process.env.BENCH_DATABASE_URL ?? own!.socketUrl ?? own!.url;
    const name = `portal_kb_bench_${randomBytes(4).toString('hex')}`;
    const admin = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: serverUrl, max: 1 }) }) });
    await sql`create database ${sql.id(name)}`.execute(admin);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-kb-bench-'));
    try {
      await prepare({ kind: 'postgres', url: url.href }, corpus, queries, 'postgres');
      if (process.env.BENCH_KB_HTTP !== '0') await benchHttp({ DATABASE_URL: url.href, PORTAL_DATA_DIR: dataDir }, queries, 'postgres');
    } finally {
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
      await admin.destroy();
      await own?.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchKb();

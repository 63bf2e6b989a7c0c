/**
 * Benchmarks, printed, never asserted: `npm run bench` (builds the web app first).
 *
 * 1. GET /api/me with a session: requests/s and p50/p99 latency, measured in the same run as a bare
 *    Hono route on the same machine, and the ratio between them (what our middleware costs).
 * 2. Gzipped JavaScript an employee's browser loads for the sign-in page and then the home page.
 * 3. Lighthouse (mobile, default throttling) scores of the sign-in page.
 * 4. Password reset against slapd and the policy check (see password.ts).
 * 5. The job queue on PostgreSQL: enqueue → done latency at 200 jobs/s, throughput with 1 and 3
 *    processes (see jobs.ts; `tsx tests/bench/jobs.ts` runs it alone).
 * 6. Device requests on 100k assets and 200k requests, SQLite and PostgreSQL: p50/p99 of the
 *    catalog, the approval queue and request creation at 200 req/s (see requests.ts).
 * 7. The built-in inventory with 100k assets on SQLite and PostgreSQL: catalogue, asset lists,
 *    look-ups and reservations (see inventory.ts; `tsx tests/bench/inventory.ts` runs it alone).
 * 8. Knowledge-base search on 100k generated articles, SQLite and PostgreSQL: import, p50/p99 at a
 *    fixed 100 and 500 requests/s, closed-loop throughput, the worst single query (see kb.ts;
 *    `tsx tests/bench/kb.ts` runs it alone).
 * 9. The offline knowledge-base index at 10,000 articles: gzipped size, build and load time, query
 *    p99 (see kb-offline.ts; `tsx tests/bench/kb-offline.ts` runs it alone).
 *
 * Options: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 10), BENCH_SKIP_LIGHTHOUSE=1,
 * BENCH_RESETS (default 50).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { chromium } from 'playwright-core';
import { freePort } from '../harness/ports.js';
import { benchInventory } from './inventory.js';
import { benchJobs } from './jobs.js';
import { benchKbOffline } from './kb-offline.js';
import { benchKb } from './kb.js';
import { benchPasswords } from './password.js';
import { benchRequests } from './requests.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const CHROMIUM = '/usr/bin/chromium';
const CHROME_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, headers: Record<string, string> = {}): Promise<LoadResult> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

/** Starts a server as its own process (the load generator must not share its event loop) and waits for it. */
async function startProcess(script: string[], env: Record<string, string>, readyUrl: string): Promise<ChildProcess> {
  const child = spawn(path.resolve('node_modules/.bin/tsx'), script, { env: { ...process.env, ...env }, stdio: 'ignore' });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await fetch(readyUrl).then((r) => r.ok, () => false)) return child;
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`${script.join(' ')} did not start`);
}

async function benchApi(portalUrl: string): Promise<void> {
  const login = await fetch(`${portalUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: portalUrl },
    body: JSON.stringify({ username: 'alice', password: 'portal-demo-2026' }),
  });
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;

  const barePort = await freePort();
  const bare = await startProcess(['tests/bench/bare-server.ts'], { PORT: String(barePort) }, `http://127.0.0.1:${barePort}/bare`);
  try {
    const baseline = await load(`http://127.0.0.1:${barePort}/bare`);
    const me = await load(`${portalUrl.replace('localhost', '127.0.0.1')}/api/me`, { cookie });
    console.log(`\nAPI (${SECONDS}s each, ${CONNECTIONS} connections, servers in their own processes, ${os.cpus().length} cores)`);
    console.table({
      'bare Hono route': baseline,
      'GET /api/me (session, request log on)': me,
    });
    console.log(`GET /api/me throughput is ${((me.rps / baseline.rps) * 100).toFixed(1)}% of a bare Hono route (ratio ${(me.rps / baseline.rps).toFixed(3)})`);
  } finally {
    bare.kill();
  }
}

async function benchBundle(portalUrl: string): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROME_FLAGS });
  try {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      serviceWorkers: 'block',
    });
    const page = await context.newPage();
    const scripts = new Map<string, number>();
    page.on('response', async (response) => {
      if (response.request().resourceType() !== 'script') return;
      const body = await response.body().catch(() => null);
      if (body) scripts.set(new URL(response.url()).pathname, gzipSync(body).length);
    });
    await page.goto(`${portalUrl}/sign-in`, { waitUntil: 'networkidle' });
    const signIn = new Map(scripts);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password', { exact: true }).fill('portal-demo-2026');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
    await page.waitForLoadState('networkidle');
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    console.log('\nJavaScript loaded by an employee (gzipped)');
    console.table(
      Object.fromEntries([...scripts].map(([file, size]) => [file, { gzip: kb(size), page: signIn.has(file) ? 'sign-in' : 'home' }])),
    );
    console.log(`sign-in page: ${kb(sum(signIn))}; sign-in + home (first load): ${kb(sum(scripts))} (budget 80 KB)`);
  } finally {
    await browser.close();
  }
}

function benchLighthouse(portalUrl: string): void {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'portal-lh-')), 'report.json');
  const lighthouse = path.join('node_modules', '.bin', 'lighthouse');
  const run = spawnSync(
    lighthouse,
    [
      `${portalUrl}/sign-in`,
      `--chrome-flags=${CHROME_FLAGS.join(' ')}`,
      '--output=json',
      `--output-path=${out}`,
      '--quiet',
      '--only-categories=performance,accessibility,best-practices,seo',
    ],
    { env: { ...process.env, CHROME_PATH: CHROMIUM }, encoding: 'utf8', timeout: 180_000 },
  );
  if (run.status !== 0 || !fs.existsSync(out)) {
    console.log(`\nLighthouse failed: ${run.stderr || run.stdout}`);
    return;
  }
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as {
    categories: Record<string, { score: number }>;
    audits: Record<string, { displayValue?: string; score: number | null; title: string }>;
  };
  console.log('\nLighthouse (mobile) on /sign-in');
  console.table(Object.fromEntries(Object.entries(report.categories).map(([name, c]) => [name, { score: c.score }])));
  for (const id of ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift']) {
    console.log(`  ${report.audits[id]?.title}: ${report.audits[id]?.displayValue}`);
  }
  const failing = Object.entries(report.audits)
    .filter(([, a]) => a.score !== null && a.score < 1 && !/performance/.test(a.title))
    .slice(0, 10);
  if (failing.length) console.log(`  audits below 1: ${failing.map(([id]) => id).join(', ')}`);
}

// The portal as `npm start` runs it (demo data, SQLite, built web app), in a fresh data directory.
const port = await freePort();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-bench-'));
const portalUrl = `http://localhost:${port}`;
const portal = await startProcess(
  ['server/main.ts', 'serve'],
  { PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: portalUrl, PORTAL_DATA_DIR: dataDir, PORTAL_DEMO: '1', LOG_LEVEL: 'info' },
  `http://127.0.0.1:${port}/api/health`,
);
try {
  await benchApi(portalUrl);
  await benchBundle(portalUrl);
  if (!process.env.BENCH_SKIP_LIGHTHOUSE) benchLighthouse(portalUrl);
} finally {
  portal.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
}
await benchPasswords();
await benchJobs();
await benchRequests();
await benchInventory();
await benchKb();
benchKbOffline();

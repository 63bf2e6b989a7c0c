import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/build.js';
import { createEmptyPostgresDatabase } from '../harness/db.js';
import { freePort } from '../harness/ports.js';

/**
 * The portal as a production machine runs it: the compiled server (dist/server/main.js) under
 * plain `node`, in an installation folder holding only package.json, dist/ and the production
 * dependencies (what `npm ci --omit=dev` installs, taken from package-lock.json). No tsx, no
 * TypeScript, no loader: if the build leaked a dev-only import or a path that only works from
 * server/, these fail.
 */

const repoRoot = path.resolve('.');

/** Hard-links (or, across file systems, copies) a folder tree: fast, and no disk space. */
function linkTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) linkTree(source, target);
    else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(source), target);
    else {
      try {
        fs.linkSync(source, target);
      } catch {
        fs.copyFileSync(source, target);
      }
    }
  }
}

/**
 * node_modules with only the production closure: the lock file's packages not marked `dev`
 * (npm's own reading of "dependencies" and everything they need), as far as this platform has
 * them installed (optional per-platform binaries are absent elsewhere). Packages nested under
 * another travel with it.
 */
function installProductionDependencies(appDir: string): string[] {
  const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const installed: string[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key || entry.dev || key.split('node_modules/').length !== 2) continue;
    const source = path.join(repoRoot, key);
    if (!fs.existsSync(source)) continue;
    linkTree(fs.realpathSync(source), path.join(appDir, key));
    installed.push(key.slice('node_modules/'.length));
  }
  return installed;
}

// Each test starts node processes that load the whole server; on a busy machine that takes seconds.
describe('the compiled server with production dependencies only', { timeout: 90_000 }, () => {
  let appDir: string;
  let dataDir: string;
  let installed: string[];
  let version: string;
  // A bare environment: no NODE_OPTIONS (so no --import/--loader of a transpiler), node alone on PATH.
  const baseEnv = () => ({
    PATH: path.dirname(process.execPath),
    HOME: os.tmpdir(),
    LOG_LEVEL: 'silent',
    PORTAL_DATA_DIR: dataDir,
  });
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['dist/server/main.js', ...args], {
      cwd: appDir,
      env: { ...baseEnv(), ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  beforeAll(async () => {
    appDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-prod-'));
    dataDir = path.join(appDir, 'data');
    for (const file of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(repoRoot, file), path.join(appDir, file));
    version = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    // Build from the current sources (under a second), so the test never runs a stale dist/.
    await buildServer(path.join(appDir, 'dist', 'server'));
    // A stand-in web build: enough to prove the compiled server finds dist/web beside itself.
    fs.mkdirSync(path.join(appDir, 'dist', 'web'), { recursive: true });
    fs.writeFileSync(path.join(appDir, 'dist', 'web', 'index.html'), '<!doctype html><title>portal web build</title>');
    installed = installProductionDependencies(appDir);
  }, 120_000);
  afterAll(() => fs.rmSync(appDir, { recursive: true, force: true }));

  it('is what the package scripts build and run', () => {
    const { scripts } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.build).toContain('server/build.ts');
    for (const name of ['start', 'start:prod', 'portal', 'backup']) expect(scripts[name]).toContain('node dist/server/main.js');
  });

  it('installs no compiler or dev tool', () => {
    expect(installed).toEqual(expect.arrayContaining(['better-sqlite3', 'hono', 'kysely', 'pg']));
    for (const devOnly of ['tsx', 'typescript', 'esbuild', 'vite', 'vitest', 'vue']) expect(installed).not.toContain(devOnly);
  });

  it('migrates a fresh SQLite database', () => {
    const result = run(['migrate']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Applied:');
  });

  it('migrates a fresh PostgreSQL database', async (context) => {
    const fresh = await createEmptyPostgresDatabase();
    if (!fresh) return context.skip();
    try {
      const result = run(['migrate'], { DATABASE_URL: fresh.url });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('Applied:');
    } finally {
      await fresh.drop();
    }
  });

  it('serves health, readiness and the web app, and shuts down gracefully on SIGTERM', async () => {
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, ['dist/server/main.js', 'serve'], {
      cwd: appDir,
      env: { ...baseEnv(), PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    try {
      const deadline = Date.now() + 60_000;
      let health: Response | null = null;
      while (!health?.ok && Date.now() < deadline && child.exitCode === null) {
        health = await fetch(`${base}/api/health`).catch(() => null);
        if (!health?.ok) await new Promise((r) => setTimeout(r, 200));
      }
      expect(health?.status, output).toBe(200);
      expect(await health!.json()).toEqual({ status: 'ok' });

      const ready = await fetch(`${base}/api/ready`);
      expect(ready.status).toBe(200);
      // The version comes from package.json, found from dist/server.
      expect(await (await fetch(`${base}/api/info`)).json()).toMatchObject({ version, demo: false });
      const page = await fetch(`${base}/some/deep/link`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('portal web build');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output).toMatch(/"msg":"portal started"/);
    expect(output).toMatch(/"msg":"shutting down"/);
  });

  it('backs up and restores the SQLite database', () => {
    const copy = path.join(appDir, 'copy.sqlite');
    const backup = run(['backup', copy]);
    expect(backup.status).toBe(0);
    expect(backup.stdout).toMatch(/Backed up \d+ pages/);
    const restore = run(['restore', copy]);
    expect(restore.status).toBe(0);
    expect(restore.stdout).toContain('Restored');
  });

  it('answers an unknown command with the usage (exit 2)', () => {
    const result = run(['frobnicate']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Usage: node dist/server/main.js <command>');
  });
});

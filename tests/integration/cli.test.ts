import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../harness/ports.js';

/**
 * The portal from its sources: `tsx server/main.ts <command>` with environment configuration, as in
 * development. production-build.test.ts runs the compiled server the way an operator does.
 */
const TSX = path.resolve('node_modules/.bin/tsx');
const MAIN = path.resolve('server/main.ts');

function run(args: string[], env: Record<string, string>) {
  return spawnSync(TSX, [MAIN, ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env }, encoding: 'utf8', timeout: 60_000 });
}

// Each test starts tsx, which compiles the server before it runs; on a busy machine that takes seconds.
describe('the portal command', { timeout: 90_000 }, () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-cli-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('refuses to start on bad configuration, listing every problem (exit 78)', () => {
    const result = run(['serve'], { PORT: 'eighty', DIRECTORY: 'ldap', PORTAL_DATA_DIR: dataDir });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('PORT');
    expect(result.stderr).toContain('LDAP_URL is required when DIRECTORY=ldap');
  });

  const LDAP = {
    DIRECTORY: 'ldap',
    LDAP_URL: 'ldaps://127.0.0.1:1',
    LDAP_BIND_DN: 'cn=portal,dc=example,dc=org',
    LDAP_BIND_PASSWORD: 'x',
    LDAP_USER_BASE: 'ou=people,dc=example,dc=org',
  };
  // The demo mailbox would hand real reset codes to anyone; plain LDAP would carry passwords in clear.
  it.each([
    ['demo mode with a real directory', { ...LDAP, PORTAL_DEMO: '1' }, 'demo mode only runs with the built-in directory'],
    ['demo mode in production', { PORTAL_DEMO: '1', NODE_ENV: 'production' }, 'demo mode is not allowed with NODE_ENV=production'],
    ['ldap:// without StartTLS', { ...LDAP, LDAP_URL: 'ldap://127.0.0.1:1' }, 'ldap:// without StartTLS sends passwords in clear text'],
  ])(
    'refuses %s at start (exit 78)',
    (_name, env, message) => {
      const result = run(['serve'], { ...env, PORTAL_DATA_DIR: dataDir });
      expect(result.status).toBe(78);
      expect(result.stderr).toContain(message);
    },
    90_000,
  );

  it('serves in demo mode, prints the demo sign-ins, and shuts down gracefully on SIGTERM', async () => {
    const port = await freePort();
    const child: ChildProcess = spawn(TSX, [MAIN, 'serve'], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', PORTAL_DATA_DIR: dataDir, PORTAL_DEMO: '1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      let healthy = false;
      while (!healthy && Date.now() < deadline) {
        healthy = await fetch(`http://127.0.0.1:${port}/api/health`).then(
          (r) => r.ok,
          () => false,
        );
        if (!healthy) await new Promise((r) => setTimeout(r, 200));
      }
      expect(healthy).toBe(true);
      expect(output).toContain('Password for all: portal-demo-2026');
      expect(output).toMatch(/"msg":"portal started"/);
      const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: `http://localhost:${port}` },
        body: JSON.stringify({ username: 'adam', password: 'portal-demo-2026' }),
      });
      expect(login.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output).toMatch(/"msg":"shutting down"/);
    expect(output).not.toContain('"password"');
  });

  it('backs up the database it was serving, and migrates a fresh one', () => {
    const backup = run(['backup', path.join(dataDir, 'copy.sqlite')], { PORTAL_DATA_DIR: dataDir });
    expect(backup.status).toBe(0);
    expect(backup.stdout).toMatch(/Backed up \d+ pages/);
    expect(fs.existsSync(path.join(dataDir, 'copy.sqlite'))).toBe(true);

    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-cli-prod-'));
    const migrate = run(['migrate'], { PORTAL_DATA_DIR: fresh });
    expect(migrate.status).toBe(0);
    expect(migrate.stdout).toContain('Applied:');
    fs.rmSync(fresh, { recursive: true, force: true });
  });
});

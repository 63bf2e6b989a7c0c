/**
 * Password reset figures against a real slapd with ppolicy (printed, never asserted):
 * - "submit new password" → "directory accepted it": POST /api/password/flows/:id/reset through the
 *   whole app (policy check, atomic claim, password-modify as the service account, unlock, revocation),
 *   and the directory write alone (Directory.setPassword);
 * - the cost of the policy check (strength estimate, blocklist, names) in-process and over HTTP.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createApp } from '../../server/app.js';
import { closeDeps, composeApp } from '../../server/composition.js';
import { loadConfig } from '../../server/config.js';
import { issueVerificationCode } from '../../server/features/helpdesk/service.js';
import { checkPassword } from '../../server/features/password/policy.js';
import { passwordDepsOf } from '../../server/features/password/routes.js';
import { createLogger } from '../../server/platform/logger.js';
import { addLdapUser, slapdPortalEnv, startSlapd } from '../harness/slapd.js';

const N = Number(process.env.BENCH_RESETS ?? 50);

export function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { n: sorted.length, p50_ms: +at(0.5).toFixed(2), p99_ms: +at(0.99).toFixed(2), max_ms: +sorted.at(-1)!.toFixed(2) };
}

export async function benchPasswords(): Promise<void> {
  const slapd = await startSlapd();
  const origin = 'http://bench.portal.test';
  const config = loadConfig({
    PORTAL_DATA_DIR: `/tmp/portal-bench-${randomBytes(4).toString('hex')}`,
    PUBLIC_URL: origin,
    LOG_LEVEL: 'silent',
    // Each simulated person comes from their own address, as they would; one address would hit the per-address limits.
    TRUST_PROXY: '1',
    ...slapdPortalEnv(slapd),
  });
  const deps = await composeApp(config, { logger: createLogger('silent'), webRoot: null });
  const app = createApp(deps);
  let address = '192.0.2.1';
  const post = (path: string, json: unknown) =>
    app.request(path, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify(json),
    });
  try {
    const viaApp: number[] = [];
    const viaDirectory: number[] = [];
    for (let i = 0; i < N; i++) {
      const username = `bench-${randomBytes(4).toString('hex')}`;
      address = `198.18.${i >> 8}.${i & 255}`;
      await addLdapUser(slapd, { username, password: 'bench start password', email: `${username}@example.com` });
      // Verification is set-up, not measured: a help-desk code is the quickest proof.
      const { flowId } = (await (await post('/api/password/forgot', { login: username })).json()) as { flowId: string };
      const { code } = await issueVerificationCode({ ...passwordDepsOf(deps), roleGroups: deps.config.roleGroups }, username, {
        username: 'bench',
        roles: ['helpdesk'],
      });
      await post(`/api/password/flows/${flowId}/verify`, { method: 'helpdesk_code', code });
      const started = performance.now();
      const response = await post(`/api/password/flows/${flowId}/reset`, { newPassword: `violet tram under maple ${i}` });
      viaApp.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`reset failed: ${response.status} ${await response.text()}`);

      const direct = performance.now();
      const result = await deps.directory.setPassword(username, `quiet harbour lantern ${i}`, { kind: 'reset' });
      viaDirectory.push(performance.now() - direct);
      if (!result.ok) throw new Error(`setPassword refused: ${result.reason}`);
    }
    console.log(`\nPassword reset against slapd (ppolicy), ${N} accounts`);
    console.table({ 'POST …/reset (submit → accepted)': summary(viaApp), 'Directory.setPassword alone': summary(viaDirectory) });

    const rules = { minLength: 12, maxLength: 1024, historyCount: 5 };
    const candidates = [
      'correct horse battery staple',
      'password123456',
      'Alice-Anderson-2026',
      'ümlaut 密码 很长的密码短语',
      'x'.repeat(200),
    ];
    checkPassword('warm up the dictionaries', { rules, companyName: 'Example Corp' });
    const local: number[] = [];
    for (let i = 0; i < 500; i++) {
      const started = performance.now();
      checkPassword(candidates[i % candidates.length]!, {
        rules,
        username: 'alice',
        displayName: 'Alice Anderson',
        companyName: 'Example Corp',
      });
      local.push(performance.now() - started);
    }
    const http: number[] = [];
    for (let i = 0; i < 100; i++) {
      const started = performance.now();
      await post('/api/password/policy-check', { password: candidates[i % candidates.length] });
      http.push(performance.now() - started);
    }
    console.log('\nPolicy check (strength estimate, blocklist of ~50,000 common passwords, names)');
    console.table({ 'checkPassword() in-process': summary(local), 'POST /api/password/policy-check': summary(http) });
  } finally {
    await closeDeps(deps);
    await slapd.stop();
  }
}

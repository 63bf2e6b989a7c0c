import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { createLdapDirectory } from '../../server/directory/ldap.js';
import type { Directory } from '../../server/directory/port.js';
import { createBundle, createHire, getHire } from '../../server/features/onboarding/service.js';
import { onboardingDepsOf } from '../../server/features/onboarding/routes.js';
import { buildTestAppWithMail, signInAs, type TestApp } from '../harness/app.js';
import { addLdapUser, ldapBind, slapdPortalEnv, withLdapAdmin } from '../harness/slapd.js';
import type { SmtpCapture } from '../harness/smtp.js';

const slapd = inject('slapd');

/**
 * Onboarding against a real OpenLDAP: a hire with DN-hostile characters in the name becomes an
 * escaped entry, disabled (ppolicy lock) until local midnight of the start date; with the directory
 * unreachable at that moment the activation is retried with backoff, then the account is enabled,
 * the link mailed, and the password the hire sets binds.
 */
describe.skipIf(!slapd)('onboarding against OpenLDAP', () => {
  let t: TestApp & { smtp: SmtpCapture };
  let down = false;
  let unreachable: Directory;
  const suffix = randomBytes(3).toString('hex');
  const manager = `mgr-${suffix}`;
  const group = `eng-${suffix}`;

  beforeAll(async () => {
    const env = slapdPortalEnv(slapd!);
    const ldap = loadConfig({ ...env, PORTAL_DATA_DIR: '/nonexistent' }).directory;
    if (ldap.kind !== 'ldap') throw new Error('expected LDAP config');
    const real = createLdapDirectory(ldap);
    // The same directory on a port nothing listens on: connections refused, DirectoryUnavailableError.
    unreachable = createLdapDirectory({ ...ldap, url: 'ldap://127.0.0.1:1', timeoutMs: 500 });
    // Switches between the two while the app runs (an outage and its end), nothing else changed.
    const directory = new Proxy(real, {
      get(_target, key) {
        const current = (down ? unreachable : real) as unknown as Record<PropertyKey, unknown>;
        const value = current[key];
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(current) : value;
      },
    });
    t = await buildTestAppWithMail({ env: { PORTAL_DEMO: '0', ...env }, overrides: { directory } });
    await addLdapUser(slapd!, {
      username: manager,
      password: `Throwaway-${suffix}-manager`,
      email: `${manager}@example.com`,
      groups: [group],
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await unreachable?.close();
  });

  it('creates an escaped, disabled entry; survives an outage at midnight; the first password binds', async () => {
    const deps = onboardingDepsOf(t.deps);
    const admin = { username: 'admin-test', roles: ['employee', 'admin'] as const };
    // One group exists, one does not (a typo in the bundle): the hire is still provisioned, and HR is told.
    await createBundle(deps, admin, { key: `eng-${suffix}`, name: 'Engineer', groups: [group, `missing-${suffix}`] });
    t.clock.set(Date.parse('2026-11-24T09:00:00Z'));
    const hire = await createHire(deps, admin, {
      firstName: ' ,+"\\<>;#= Eve ',
      lastName: `Smith${suffix}`,
      personalEmail: `eve-${suffix}@personal.example.net`,
      startDate: '2026-12-07',
      timeZone: 'America/Los_Angeles',
      department: 'Engineering',
      title: 'Engineer',
      manager,
      role: `eng-${suffix}`,
    });
    expect(hire.username).toBe(`eve.smith${suffix}`);
    await t.drainJobs();

    const account = await t.deps.directory.findUser(hire.username);
    expect(account).toMatchObject({ displayName: `,+"\\<>;#= Eve Smith${suffix}`, disabled: true, manager });
    expect(account!.groups).toContain(group);
    expect((await getHire(deps, admin, hire.id)).problem).toBe(`missing-${suffix}: no_such_group`);
    // The entry's own attributes: names stored as given, under an escaped RDN.
    const entry = await withLdapAdmin(slapd!, async (client) => {
      const { searchEntries } = await client.search(slapd!.userBase, {
        scope: 'one',
        filter: `(uid=${hire.username})`,
        attributes: ['givenName', 'sn', 'pwdAccountLockedTime'],
      });
      return searchEntries[0]!;
    });
    expect(entry.givenName).toBe(',+"\\<>;#= Eve');
    expect(entry.pwdAccountLockedTime).toBeTruthy();

    // Local midnight in Los Angeles (PST) is 08:00 UTC, and the directory is down right then.
    down = true;
    t.clock.set(Date.parse('2026-12-07T08:00:00Z'));
    await t.drainJobs();
    const job = await t.deps.db
      .selectFrom('jobs')
      .selectAll()
      .where('unique_key', '=', `onboarding.activate:${hire.id}:1`)
      .executeTakeFirstOrThrow();
    expect(job).toMatchObject({ state: 'queued', attempts: 1 });
    expect(job.last_error).toBeTruthy();
    expect(Number(job.run_at)).toBeGreaterThan(t.clock.now());
    expect(t.smtp.to(hire.personalEmail!)).toHaveLength(0);

    // Back up; the retry runs after its backoff.
    down = false;
    t.clock.set(Number(job.run_at));
    await t.drainJobs();
    expect((await t.deps.directory.findUser(hire.username))!.disabled).toBe(false);
    const mail = await t.smtp.waitFor(hire.personalEmail!);
    const token = /\/activate#token=([A-Za-z0-9_-]{43})/.exec(mail.text)![1]!;
    const password = `Harbour-Lantern-${suffix}-77`;
    expect((await t.request('POST', `/api/activation/${token}`, { json: { password } })).status).toBe(200);
    await expect(ldapBind(slapd!, entry.dn, password)).resolves.toBeUndefined();
    await signInAs(t, hire.username, password);
  }, 60_000);
});

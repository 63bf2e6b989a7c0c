/**
 * Roles come from where a group sits, not only from its name: against slapd, a `portal-admins`
 * made in some other OU grants nothing; the one directly under the group base does; a group
 * configured by full DN grants its role wherever it is. Also: the plain-LDAP warning in /api/ready.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../server/platform/logger.js';
import { buildTestApp, signInAs, type TestApp } from '../harness/app.js';
import { addLdapUser, slapdPortalEnv, withLdapAdmin, type SlapdConnection } from '../harness/slapd.js';

const slapd = inject('slapd');

/** An OU of its own with a group in it, whose only member is `memberDn`. */
async function groupIn(server: SlapdConnection, parent: string, cn: string, memberDn: string): Promise<string> {
  const ou = `ou=ou-${randomBytes(4).toString('hex')},${parent}`;
  const dn = `cn=${cn},${ou}`;
  await withLdapAdmin(server, async (client) => {
    await client.add(ou, { objectClass: 'organizationalUnit', ou: ou.slice(3, ou.indexOf(',')) });
    await client.add(dn, { objectClass: 'groupOfNames', cn, member: memberDn });
  });
  return dn;
}

describe.skipIf(!slapd)('roles from LDAP groups (slapd)', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  async function portal(env: Record<string, string> = {}, logger?: ReturnType<typeof createLogger>) {
    const app = await buildTestApp({
      env: { PORTAL_DEMO: '0', ...slapdPortalEnv(slapd!), ...env },
      ...(logger ? { overrides: { logger } } : {}),
    });
    apps.push(app);
    return app;
  }

  async function rolesOf(app: TestApp, username: string, password: string): Promise<string[]> {
    const cookie = await signInAs(app, username, password);
    return ((await (await app.request('GET', '/api/me', { cookie })).json()) as { roles: string[] }).roles;
  }

  async function person(groups: string[] = []) {
    const username = `roles-${randomBytes(4).toString('hex')}`;
    const password = `Roles-${randomBytes(6).toString('hex')}`;
    const dn = await addLdapUser(slapd!, { username, password, groups });
    return { username, password, dn };
  }

  let t: TestApp;
  beforeAll(async () => {
    t = await portal();
  });

  it('grants admin for portal-admins directly under the group base', async () => {
    const admin = await person(['portal-admins']);
    expect(await rolesOf(t, admin.username, admin.password)).toEqual(['employee', 'admin']);
  });

  it('does not grant admin for a portal-admins group in another OU, even one under the group base', async () => {
    const nested = await person();
    // Inside the group base's subtree, so the group search finds it: only its place tells it apart.
    await groupIn(slapd!, slapd!.groupBase, 'portal-admins', nested.dn);
    expect(await rolesOf(t, nested.username, nested.password)).toEqual(['employee']);

    // With the group base left to default (the user base's parent, here the whole tree).
    const wide = await portal({ LDAP_GROUP_BASE: '' });
    const elsewhere = await person();
    await groupIn(slapd!, slapd!.suffix, 'portal-admins', elsewhere.dn);
    expect(await rolesOf(wide, elsewhere.username, elsewhere.password)).toEqual(['employee']);
  });

  it('grants a role for a group configured by full DN, wherever it is, and not for its namesakes', async () => {
    const chosen = await person();
    const namesake = await person();
    const special = await groupIn(slapd!, slapd!.suffix, 'it-admins', chosen.dn);
    await groupIn(slapd!, slapd!.suffix, 'it-admins', namesake.dn);
    const explicit = await portal({ ROLE_GROUPS_ADMIN: special.toUpperCase().replace('CN=IT-ADMINS', 'cn=IT-Admins') });
    expect(await rolesOf(explicit, chosen.username, chosen.password)).toEqual(['employee', 'admin']);
    expect(await rolesOf(explicit, namesake.username, namesake.password)).toEqual(['employee']);
    // The bare name is no longer configured: the usual portal-admins grants nothing here.
    const admin = await person(['portal-admins']);
    expect(await rolesOf(explicit, admin.username, admin.password)).toEqual(['employee']);
  });

  it('warns at start and in /api/ready (still 200) when LDAP_ALLOW_PLAINTEXT lets ldap:// through', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = await portal({ LOG_LEVEL: 'warn' }, createLogger('warn', sink));
    expect(lines.some((line) => line.includes('LDAP without TLS'))).toBe(true);
    const ready = await app.request('GET', '/api/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', directory: 'ok' }, warnings: ['ldap_plaintext'] });
  });
});

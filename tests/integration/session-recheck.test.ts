/**
 * A session re-reads its person from the directory every DIRECTORY_RECHECK_SECONDS: disabled,
 * locked out or gone ends it (401, row deleted); role and name changes apply then, not at the
 * next sign-in; a directory outage keeps it. Against the built-in directory on every dialect and
 * against slapd with ppolicy, with the injected clock.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Attribute, Change } from 'ldapts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLdapDirectory } from '../../server/directory/ldap.js';
import type { Directory } from '../../server/directory/port.js';
import { updateDirectoryUser } from '../../server/directory/builtin-repository.js';
import { ManualClock } from '../harness/clock.js';
import { createLogger } from '../../server/platform/logger.js';
import { SessionService, type SessionRecheck } from '../../server/sessions/service.js';
import { addBuiltinPerson, ldapConfig } from '../directory/fixtures.js';
import { buildTestApp, signInAs, type TestApp } from '../harness/app.js';
import { availableDialects, openTestDatabase } from '../harness/db.js';
import { freePort } from '../harness/ports.js';
import { groupDn, userDn } from '../harness/slapd-seed.js';
import { addLdapUser, ldapBind, slapdPortalEnv, withLdapAdmin } from '../harness/slapd.js';

const slapd = inject('slapd');
const RECHECK_SECONDS = 300;
const RECHECK_MS = RECHECK_SECONDS * 1000;

function newName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

async function sessionRows(t: TestApp, username: string) {
  return t.deps.db.selectFrom('sessions').select(['profile', 'checked_at']).where('username', '=', username).execute();
}

async function me(t: TestApp, cookie: string) {
  const response = await t.request('GET', '/api/me', { cookie });
  return {
    status: response.status,
    body: response.status === 200 ? ((await response.json()) as { roles: string[]; displayName: string }) : null,
  };
}

describe.each(availableDialects())('session recheck against the built-in directory on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ dialect, env: { DIRECTORY_RECHECK_SECONDS: String(RECHECK_SECONDS) } });
  });
  afterAll(() => t?.close());

  async function person(groups: string[] = []) {
    const username = newName('recheck');
    const password = `Recheck-${randomBytes(6).toString('hex')}`;
    await addBuiltinPerson(t.deps.db, { username, password, groups, email: `${username}@example.com` });
    return { username, cookie: await signInAs(t, username, password) };
  }

  it('ends the session of a person disabled in the directory at the next recheck, not 12 hours later', async () => {
    const { username, cookie } = await person();
    await updateDirectoryUser(t.deps.db, username, { disabled: 1, updated_at: t.clock.now() });

    // Within the interval the stored profile is trusted (no directory call per request).
    t.clock.advance(RECHECK_MS - 1000);
    expect((await me(t, cookie)).status).toBe(200);

    t.clock.advance(1000);
    expect((await me(t, cookie)).status).toBe(401);
    expect(await sessionRows(t, username)).toEqual([]);
  });

  it('ends the session of a person locked out, and of a person who is gone', async () => {
    const locked = await person();
    const gone = await person();
    await updateDirectoryUser(t.deps.db, locked.username, { locked_at: t.clock.now(), updated_at: t.clock.now() });
    await t.deps.db.deleteFrom('directory_group_members').where('username', '=', gone.username).execute();
    await t.deps.db.deleteFrom('directory_users').where('username', '=', gone.username).execute();

    t.clock.advance(RECHECK_MS);
    expect((await me(t, locked.cookie)).status).toBe(401);
    expect((await me(t, gone.cookie)).status).toBe(401);
    expect(await sessionRows(t, locked.username)).toEqual([]);
    expect(await sessionRows(t, gone.username)).toEqual([]);
  });

  it('refreshes roles and name in the stored profile, so a removed help-desk member loses the help-desk area', async () => {
    const { username, cookie } = await person(['portal-helpdesk']);
    expect((await me(t, cookie)).body?.roles).toEqual(['employee', 'helpdesk']);
    expect((await t.request('GET', '/api/directory/users?query=alice', { cookie })).status).toBe(200);

    await t.deps.db.deleteFrom('directory_group_members').where('username', '=', username).execute();
    await t.deps.db.insertInto('directory_group_members').values({ username, group_name: 'portal-hr' }).execute();
    await updateDirectoryUser(t.deps.db, username, { display_name: 'Renamed Person', updated_at: t.clock.now() });

    t.clock.advance(RECHECK_MS);
    const after = await me(t, cookie);
    expect(after.body).toMatchObject({ roles: ['employee', 'hr'], displayName: 'Renamed Person' });
    expect((await t.request('GET', `/api/directory/users/alice`, { cookie })).status).toBe(403);
    const [row] = await sessionRows(t, username);
    expect(JSON.parse(row!.profile)).toMatchObject({ roles: ['employee', 'hr'], displayName: 'Renamed Person' });
    expect(row!.checked_at).toBe(t.clock.now());
  });

  it('rechecks on every request with DIRECTORY_RECHECK_SECONDS=0', async () => {
    const strict = await buildTestApp({ dialect, env: { DIRECTORY_RECHECK_SECONDS: '0' } });
    try {
      const username = newName('strict');
      const password = `Strict-${randomBytes(6).toString('hex')}`;
      await addBuiltinPerson(strict.deps.db, { username, password });
      const cookie = await signInAs(strict, username, password);
      expect((await me(strict, cookie)).status).toBe(200);
      await updateDirectoryUser(strict.deps.db, username, { disabled: 1, updated_at: strict.clock.now() });
      expect((await me(strict, cookie)).status).toBe(401);
    } finally {
      await strict.close();
    }
  });

  it('lets one of several processes do a due recheck; the others keep the stored profile', async () => {
    // Two portal processes on one database: each has its own SessionService.
    const database = await openTestDatabase(dialect);
    try {
      const { migrateToLatest } = await import('../../server/db/database.js');
      await migrateToLatest(database.db);
      const clock = new ManualClock();
      let reloads = 0;
      const recheck: SessionRecheck = {
        intervalMs: RECHECK_MS,
        async reload(_username, previous) {
          reloads++;
          await new Promise((resolve) => setTimeout(resolve, 20));
          return { ...previous, roles: ['employee', 'admin'] };
        },
      };
      const limits = { idleMs: 3_600_000, absoluteMs: 12 * 3_600_000 };
      const first = new SessionService(database.db, clock, limits, recheck);
      const second = new SessionService(database.db, clock, limits, recheck);
      const profile = {
        username: 'p',
        displayName: 'P',
        email: '',
        roles: ['employee' as const],
        department: null,
        title: null,
        manager: null,
        managerName: null,
      };
      const id = await first.start(profile, { ip: null, userAgent: null });
      clock.advance(RECHECK_MS);
      const resumed = await Promise.all([first.resume(id), second.resume(id), first.resume(id), second.resume(id)]);
      expect(reloads).toBe(1);
      expect(resumed.every((s) => s !== null)).toBe(true);
      // Until the next interval, every process sees what the one recheck stored.
      expect((await second.resume(id))?.profile.roles).toEqual(['employee', 'admin']);
      expect(reloads).toBe(1);
    } finally {
      await database.close();
    }
  });
});

describe.skipIf(!slapd)('session recheck against OpenLDAP (ppolicy)', () => {
  let t: TestApp;
  let live: Directory;
  let unreachable: Directory;
  let down = false;
  const logLines: string[] = [];

  beforeAll(async () => {
    live = createLdapDirectory(ldapConfig(slapd!));
    unreachable = createLdapDirectory(ldapConfig(slapd!, { url: `ldap://127.0.0.1:${await freePort()}`, timeoutMs: 500 }));
    // The real directory, or (while `down`) a real LDAP client pointed at a port nobody listens on.
    const directory = new Proxy(live, { get: (target, key) => Reflect.get(down ? unreachable : target, key) as unknown });
    const sink = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    t = await buildTestApp({
      env: { PORTAL_DEMO: '0', ...slapdPortalEnv(slapd!), DIRECTORY_RECHECK_SECONDS: String(RECHECK_SECONDS), LOG_LEVEL: 'warn' },
      overrides: { directory, logger: createLogger('warn', sink) },
    });
  });
  afterAll(async () => {
    await t?.close();
    await unreachable?.close();
  });

  async function person(groups: string[] = []) {
    const username = newName('recheck');
    const password = `Recheck-${randomBytes(6).toString('hex')}`;
    const dn = await addLdapUser(slapd!, { username, password, groups, email: `${username}@example.com` });
    return { username, password, dn, cookie: await signInAs(t, username, password) };
  }

  it('ends the session of a person locked out by wrong passwords (ppolicy) at the next recheck', async () => {
    const { username, dn, cookie } = await person();
    for (let i = 0; i < 3; i++) await expect(ldapBind(slapd!, dn, 'not-the-password')).rejects.toThrow();
    expect((await live.findUser(username))?.locked).toBe(true);

    t.clock.advance(RECHECK_MS - 1000);
    expect((await me(t, cookie)).status).toBe(200);
    t.clock.advance(1000);
    expect((await me(t, cookie)).status).toBe(401);
    expect(await sessionRows(t, username)).toEqual([]);
  });

  it('ends the session of a person an administrator disabled, or removed', async () => {
    const disabled = await person();
    const removed = await person();
    await withLdapAdmin(slapd!, async (client) => {
      await client.modify(
        disabled.dn,
        new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: ['000001010000Z'] }) }),
      );
      await client.del(removed.dn);
    });
    t.clock.advance(RECHECK_MS);
    expect((await me(t, disabled.cookie)).status).toBe(401);
    expect((await me(t, removed.cookie)).status).toBe(401);
  });

  it('takes the admin role away when the person leaves the admin group', async () => {
    const { username, cookie } = await person(['portal-admins']);
    expect((await me(t, cookie)).body?.roles).toEqual(['employee', 'admin']);
    expect((await t.request('GET', '/api/admin/audit', { cookie })).status).toBe(200);

    await withLdapAdmin(slapd!, (client) =>
      client.modify(
        groupDn('portal-admins', slapd!.groupBase),
        new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [userDn(username, slapd!.userBase)] }) }),
      ),
    );
    t.clock.advance(RECHECK_MS);
    expect((await me(t, cookie)).body?.roles).toEqual(['employee']);
    expect((await t.request('GET', '/api/admin/audit', { cookie })).status).toBe(403);
  });

  it('keeps sessions through a directory outage, logs a warning, and rechecks once it is back', async () => {
    const { username, dn, cookie } = await person();
    await withLdapAdmin(slapd!, (client) =>
      client.modify(
        dn,
        new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: ['000001010000Z'] }) }),
      ),
    );
    t.clock.advance(RECHECK_MS);
    down = true;
    try {
      expect((await me(t, cookie)).status).toBe(200);
      expect(logLines.some((line) => line.includes('directory recheck failed') && line.includes(username))).toBe(true);
      // No directory call on every request while it is down: the retry waits a minute.
      const warnings = logLines.length;
      expect((await me(t, cookie)).status).toBe(200);
      expect(logLines.length).toBe(warnings);
    } finally {
      down = false;
    }
    t.clock.advance(60_000);
    expect((await me(t, cookie)).status).toBe(401);
  });
});

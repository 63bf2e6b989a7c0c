import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, signInAs, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';
import { addBuiltinPerson, uniqueName } from '../directory/fixtures.js';

describe.each(availableDialects())('role areas on %s', (dialect) => {
  let t: TestApp;
  const cookies: Record<string, string> = {};
  beforeAll(async () => {
    t = await buildTestApp({ dialect });
    for (const name of ['alice', 'mark', 'hana', 'ruth', 'adam']) cookies[name] = await signInAs(t, name);
  });
  afterAll(() => t.close());

  const get = async (path: string, as: string) => {
    const response = await t.request('GET', path, { cookie: cookies[as] });
    return { status: response.status, body: await response.json() };
  };

  it("shows a manager their direct reports, and nobody else's team", async () => {
    const team = await get('/api/team', 'mark');
    expect(team.status).toBe(200);
    expect(team.body.reports.map((p: { username: string }) => p.username).sort()).toEqual(['alice', 'bob']);
    expect(team.body.reports[0]).not.toHaveProperty('groups');
    expect((await get('/api/team', 'alice')).status).toBe(403);
  });

  it('lets the help desk and HR find people, but not employees', async () => {
    const found = await get('/api/directory/users?query=ali', 'hana');
    expect(found.status).toBe(200);
    expect(found.body.users.map((p: { username: string }) => p.username)).toEqual(['alice']);
    expect((await get('/api/directory/users?query=engineer', 'ruth')).status).toBe(200);
    expect((await get('/api/directory/users?query=ali', 'alice')).status).toBe(403);
  });

  it('treats search wildcards literally: "50%" finds the "50% team" and "a_b" finds only a literal underscore', async () => {
    const percent = uniqueName('pct');
    const underscore = uniqueName('und');
    await addBuiltinPerson(t.deps.db, { username: percent, password: 'Throwaway-password-1', displayName: 'Quota 50% team' });
    await addBuiltinPerson(t.deps.db, { username: underscore, password: 'Throwaway-password-1', displayName: 'Snake x_y case' });
    await addBuiltinPerson(t.deps.db, { username: uniqueName('und'), password: 'Throwaway-password-1', displayName: 'Snake xzy case' });
    const names = async (query: string) =>
      (await get(`/api/directory/users?query=${encodeURIComponent(query)}`, 'hana')).body.users.map((p: { username: string }) => p.username);
    expect(await names('50% t')).toEqual([percent]);
    expect(await names('x_y')).toEqual([underscore]);
    expect(await names('%%')).toEqual([]);
    expect(await names('x\\y')).toEqual([]);
  });

  it('refuses a too-short or missing search with a field message', async () => {
    const short = await get('/api/directory/users?query=a', 'hana');
    expect(short.status).toBe(400);
    expect(short.body.error.fields.query).toMatch(/two characters/);
    expect((await get('/api/directory/users', 'hana')).status).toBe(400);
  });

  it('shows the help desk an account with its lock status, and audits the look-up', async () => {
    const account = await get('/api/directory/users/alice', 'hana');
    expect(account.status).toBe(200);
    expect(account.body.user).toMatchObject({ username: 'alice', displayName: 'Alice Anderson', groups: ['staff'], disabled: false });
    expect(account.body.lock).toEqual({ locked: false, lockedAt: null });
    expect((await get('/api/directory/users/nobody', 'hana')).status).toBe(404);
    expect((await get('/api/directory/users/alice', 'ruth')).status).toBe(403);
    const audit = await get('/api/admin/audit?limit=5&action=directory.lookup', 'adam');
    expect(audit.body.events[0]).toMatchObject({ actor: 'hana', subject: 'alice', action: 'directory.lookup', result: 'success' });
  });

  it('shows a locked account as locked', async () => {
    const person = await t.addPerson(); // locked for this test only: bob stays as seeded
    for (let i = 0; i < 10; i++) await t.deps.directory.authenticate(person.username, `wrong-${i}`);
    const account = await get(`/api/directory/users/${person.username}`, 'hana');
    expect(account.body.lock.locked).toBe(true);
    expect(account.body.lock.lockedAt).toMatch(/^\d{4}-/);
  });

  it('shows the audit trail to admins only', async () => {
    const audit = await get('/api/admin/audit?limit=500', 'adam');
    expect(audit.status).toBe(200);
    expect(audit.body.events.some((e: { action: string; actor: string }) => e.action === 'auth.login' && e.actor === 'alice')).toBe(true);
    expect((await get('/api/admin/audit', 'hana')).status).toBe(403);
    expect((await get('/api/admin/audit?limit=9999', 'adam')).status).toBe(400);
  });
});

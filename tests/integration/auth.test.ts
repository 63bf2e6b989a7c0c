import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, sessionCookieFrom, signInAs, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';

const DEMO_PASSWORD = 'portal-demo-2026';

describe.each(availableDialects())('sign-in and sessions on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ dialect });
  });
  afterAll(() => t.close());

  const countRows = async (table: 'sessions' | 'audit_events') =>
    Number(
      (
        await t.deps.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('signs alice in with her directory password and tells who she is', async () => {
    const response = await t.request('POST', '/api/auth/login', { json: { username: 'alice', password: DEMO_PASSWORD } });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.user).toEqual({
      username: 'alice',
      displayName: 'Alice Anderson',
      email: 'alice@example.com',
      roles: ['employee'],
      department: 'Engineering',
      title: 'Software Engineer',
      manager: 'mark',
      managerName: 'Mark Manager',
    });
    const cookie = sessionCookieFrom(response);
    const me = await t.request('GET', '/api/me', { cookie });
    expect(me.status).toBe(200);
    expect((await me.json()).username).toBe('alice');
  });

  it.each([
    ['alice', ['employee']],
    ['mark', ['employee', 'manager']],
    ['hana', ['employee', 'helpdesk']],
    ['ruth', ['employee', 'hr']],
    ['adam', ['employee', 'admin']],
  ])('gives %s the roles of their directory groups', async (username, roles) => {
    const cookie = await signInAs(t, username);
    const me = await (await t.request('GET', '/api/me', { cookie })).json();
    expect(me.roles).toEqual(roles);
  });

  it('answers a wrong password, an unknown user and an empty password the same way', async () => {
    // A throwaway person: a wrong password counts against the account, and demo people stay as seeded.
    const person = await t.addPerson();
    const answers = [];
    for (const json of [
      { username: person.username, password: 'wrong-password' },
      { username: 'nobody-here', password: 'wrong-password' },
      { username: `${person.username})(uid=*`, password: '*' },
    ]) {
      const response = await t.request('POST', '/api/auth/login', { json });
      answers.push({ status: response.status, body: await response.json(), cookie: response.headers.get('set-cookie') });
    }
    expect(answers[0]!.status).toBe(401);
    expect(answers[0]!.body.error.code).toBe('invalid_credentials');
    expect(answers[0]!.cookie).toBeNull();
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it.each([
    ['an array', { username: ['alice'], password: DEMO_PASSWORD }],
    ['an object', { username: 'alice', password: { $ne: '' } }],
    ['null', { username: 'alice', password: null }],
    ['a number', { username: 'alice', password: 12345678 }],
    ['an empty password', { username: 'alice', password: '' }],
    ['a missing field', { username: 'alice' }],
    ['an extra field', { username: 'alice', password: DEMO_PASSWORD, admin: true }],
  ])('refuses %s with a 400 and writes nothing', async (_label, json) => {
    const before = { sessions: await countRows('sessions'), audit: await countRows('audit_events') };
    const response = await t.request('POST', '/api/auth/login', { json });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.fields).toBeTypeOf('object');
    expect({ sessions: await countRows('sessions'), audit: await countRows('audit_events') }).toEqual(before);
  });

  it('refuses a body that is not JSON with a clear 400', async () => {
    const response = await t.request('POST', '/api/auth/login', { headers: { 'content-type': 'application/json' }, json: undefined });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toMatch(/bad_request|validation_failed/);
  });

  it('rotates the session id at sign-in and ends the old one', async () => {
    const first = await signInAs(t, 'bob');
    const response = await t.request('POST', '/api/auth/login', { json: { username: 'bob', password: DEMO_PASSWORD }, cookie: first });
    const second = sessionCookieFrom(response);
    expect(second).not.toBe(first);
    expect((await t.request('GET', '/api/me', { cookie: first })).status).toBe(401);
    expect((await t.request('GET', '/api/me', { cookie: second })).status).toBe(200);
  });

  it('uses a 256-bit session id and stores only its hash', async () => {
    const cookie = await signInAs(t, 'bob');
    const id = cookie.split('=')[1]!;
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await t.deps.db.selectFrom('sessions').select('id_hash').execute();
    expect(stored.map((r) => r.id_hash)).not.toContain(id);
  });

  it('signs out: the session ends server-side and the cookie is cleared', async () => {
    const cookie = await signInAs(t, 'alice');
    const response = await t.request('POST', '/api/auth/logout', { json: {}, cookie });
    expect(response.status).toBe(204);
    expect(response.headers.get('set-cookie')).toMatch(/portal_session=;.*Max-Age=0/i);
    expect((await t.request('GET', '/api/me', { cookie })).status).toBe(401);
    const logout = await t.deps.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'auth.logout')
      .where('actor', '=', 'alice')
      .execute();
    expect(logout.length).toBeGreaterThan(0);
  });

  it('ends a session after 30 idle minutes and after 12 hours whatever happens', async () => {
    const cookie = await signInAs(t, 'alice');
    t.clock.advance(29 * 60_000);
    expect((await t.request('GET', '/api/me', { cookie })).status).toBe(200);
    t.clock.advance(29 * 60_000);
    expect((await t.request('GET', '/api/me', { cookie })).status).toBe(200);
    t.clock.advance(31 * 60_000);
    expect((await t.request('GET', '/api/me', { cookie })).status).toBe(401);

    const busy = await signInAs(t, 'alice');
    for (let hour = 0; hour < 12; hour++) {
      t.clock.advance(20 * 60_000);
      await t.request('GET', '/api/me', { cookie: busy });
      t.clock.advance(20 * 60_000);
      await t.request('GET', '/api/me', { cookie: busy });
      t.clock.advance(20 * 60_000);
    }
    expect((await t.request('GET', '/api/me', { cookie: busy })).status).toBe(401);
  });

  it('writes sign-in successes and failures to the audit trail, without secrets', async () => {
    const before = await t.deps.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirstOrThrow();
    const person = await t.addPerson();
    await t.request('POST', '/api/auth/login', { json: { username: person.username, password: 'not-her-password' } });
    const cookie = await signInAs(t, person.username, person.password);
    const rows = await t.deps.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'auth.login')
      .where('id', '>', Number(before.id ?? 0))
      .orderBy('id')
      .execute();
    const theirs = rows.filter((r) => r.actor === person.username || r.subject === person.username);
    expect(theirs.map((r) => r.result)).toEqual(['failure', 'success']);
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain('not-her-password');
    expect(dump).not.toContain(person.password);
    expect(dump).not.toContain(cookie.split('=')[1]);
  });
});

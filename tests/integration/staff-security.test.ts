import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addBuiltinPerson, uniqueName } from '../directory/fixtures.js';
import { buildTestAppWithMail, reauth, signInAs, signInFresh, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';
import { resetFlow } from '../harness/reset-flow.js';
import { type SmtpCapture } from '../harness/smtp.js';

const STAFF_ROLES = ['helpdesk', 'hr', 'admin'] as const;

// Help-desk privilege rules (SECURITY.md 8, 25, 26): no staff action on a staff account unless
// the caller is an admin, never on oneself, and a reset names the staff member who vouched.
describe.each(availableDialects())('help-desk actions on staff accounts (%s)', (dialect) => {
  let t: TestApp;
  let smtp: SmtpCapture;
  let flow: ReturnType<typeof resetFlow>;
  beforeAll(async () => {
    const app = await buildTestAppWithMail({ dialect });
    [t, smtp] = [app, app.smtp];
    flow = resetFlow(t, smtp);
  });
  afterAll(() => t.close());
  beforeEach(() => {
    t.clock.advance(2 * 60 * 60_000); // fresh rate-limit windows
  });

  /** A throwaway person in the built-in directory; staff roles through this database's role groups. */
  async function person(role?: (typeof STAFF_ROLES)[number]) {
    const p = { username: uniqueName('temp'), password: `throwaway ${uniqueName('pw')}` };
    const email = `${p.username}@example.com`;
    const groups = role ? [t.deps.config.roleGroups[role][0]!] : [];
    await addBuiltinPerson(t.deps.db, { ...p, email, groups });
    return { ...p, email };
  }
  const post = (path: string, cookie: string) => t.request('POST', path, { json: {}, cookie });
  const signInStatus = async (username: string, password: string) =>
    (await t.request('POST', '/api/auth/login', { json: { username, password } })).status;

  it('stops the help desk from taking over an admin: code → forgot → verify → reset → sign in', async () => {
    const admin = await person('admin');
    const hana = await signInFresh(t, 'hana');
    const issued = await post(`/api/helpdesk/users/${admin.username}/verification-code`, hana);
    expect(issued.status).toBe(403);
    const body = await issued.json();
    expect(body.error.code).toBe('forbidden');

    // The rest of the takeover, with whatever code the help desk could get: it must go nowhere.
    const flowId = await flow.start(admin.username);
    const verified = await flow.verify(flowId, { method: 'helpdesk_code', code: body.code ?? '00000000' });
    expect(verified.status).toBe(400);
    expect((await flow.reset(flowId, 'taken over by the help desk 1')).status).toBe(403);
    expect(await signInStatus(admin.username, 'taken over by the help desk 1')).toBe(401);
    expect(await signInStatus(admin.username, admin.password)).toBe(200);
  });

  it.each(STAFF_ROLES)('refuses the help desk every action on a %s account; an admin only on help-desk and HR accounts', async (role) => {
    const target = await person(role);
    for (let i = 0; i < 10; i++) await t.deps.directory.authenticate(target.username, `wrong-${i}`);
    const hana = await signInFresh(t, 'hana');
    for (const action of ['verification-code', 'reset-link', 'unlock']) {
      const response = await post(`/api/helpdesk/users/${target.username}/${action}`, hana);
      expect(response.status, action).toBe(403);
      expect((await response.json()).error.code).toBe('forbidden');
    }
    expect((await t.deps.directory.lockStatus(target.username)).locked).toBe(true);
    expect(smtp.to(target.email)).toHaveLength(0);
    const denied = await t.deps.db
      .selectFrom('audit_events')
      .select(['action', 'actor', 'result'])
      .where('subject', '=', target.username)
      .where('result', '=', 'denied')
      .orderBy('id')
      .execute();
    expect(denied).toEqual([
      { action: 'helpdesk.code_issued', actor: 'hana', result: 'denied' },
      { action: 'helpdesk.reset_link_sent', actor: 'hana', result: 'denied' },
      { action: 'helpdesk.unlock', actor: 'hana', result: 'denied' },
    ]);

    // An admin may act on help-desk and HR accounts, never on another admin (as privileged as they are).
    const adam = await signInFresh(t, 'adam');
    const expected = role === 'admin' ? [403, 403, 403] : [200, 201, 202];
    expect([
      (await post(`/api/helpdesk/users/${target.username}/unlock`, adam)).status,
      (await post(`/api/helpdesk/users/${target.username}/verification-code`, adam)).status,
      (await post(`/api/helpdesk/users/${target.username}/reset-link`, adam)).status,
    ]).toEqual(expected);
    expect((await t.deps.directory.lockStatus(target.username)).locked).toBe(role === 'admin');
  });

  it('lets nobody issue a code or link for, or unlock, their own account through a staff action', async () => {
    const helpdesk = await person('helpdesk');
    const own = await signInFresh(t, helpdesk.username, helpdesk.password);
    const adam = await signInFresh(t, 'adam');
    for (const [username, cookie] of [
      [helpdesk.username, own],
      ['adam', adam],
    ] as const) {
      for (const action of ['verification-code', 'reset-link', 'unlock']) {
        const response = await post(`/api/helpdesk/users/${username}/${action}`, cookie);
        expect(response.status, `${username} ${action}`).toBe(403);
        expect((await response.json()).error.message).toMatch(/your own account/);
      }
    }
  });

  it('tells the staff page why an action is not offered', async () => {
    const hr = await person('hr');
    const employee = await person();
    const hana = await signInAs(t, 'hana'); // looking is not a change: no re-entry needed
    const adam = await signInAs(t, 'adam');
    const lookup = async (username: string, cookie: string) =>
      (await (await t.request('GET', `/api/directory/users/${username}`, { cookie })).json()) as {
        user: { roles: string[] };
        actions: { refusal: string | null };
      };
    expect((await lookup(hr.username, hana)).actions.refusal).toBe('staff_account');
    expect((await lookup(hr.username, hana)).user.roles).toEqual(['employee', 'hr']);
    expect((await lookup('hana', hana)).actions.refusal).toBe('self');
    expect((await lookup(employee.username, hana)).actions.refusal).toBeNull();
    expect((await lookup(hr.username, adam)).actions.refusal).toBeNull();
    expect((await lookup('adam', adam)).actions.refusal).toBe('self');
  });

  it('names the staff member whose code was used on the reset ("on behalf of"), in the admin audit list', async () => {
    const employee = await person();
    const hana = await signInFresh(t, 'hana');
    const { code } = await (await post(`/api/helpdesk/users/${employee.username}/verification-code`, hana)).json();
    const flowId = await flow.start(employee.username);
    expect((await flow.verify(flowId, { method: 'helpdesk_code', code })).status).toBe(200);
    expect((await flow.reset(flowId, 'chosen by the caller 42')).status).toBe(200);

    const adam = await signInAs(t, 'adam');
    const audit = await (await t.request('GET', '/api/admin/audit?action=password.reset', { cookie: adam })).json();
    const row = audit.events.find((e: { actor: string }) => e.actor === employee.username);
    expect(row).toMatchObject({ action: 'password.reset', result: 'success', onBehalfOf: 'hana' });
  });

  it('names the staff member whose reset link was used', async () => {
    const employee = await person();
    const hana = await signInFresh(t, 'hana');
    const before = smtp.to(employee.email).length;
    expect((await post(`/api/helpdesk/users/${employee.username}/reset-link`, hana)).status).toBe(202);
    const token = /#token=([A-Za-z0-9_-]{43})/.exec((await smtp.waitFor(employee.email, before)).text)![1]!;
    const { flowId } = await (await t.request('POST', '/api/password/flows/from-link', { json: { token } })).json();
    expect((await flow.reset(flowId, 'chosen by the caller 43')).status).toBe(200);

    const adam = await signInAs(t, 'adam');
    const audit = await (await t.request('GET', '/api/admin/audit?action=password.reset', { cookie: adam })).json();
    expect(audit.events.find((e: { actor: string }) => e.actor === employee.username)).toMatchObject({ onBehalfOf: 'hana' });
    // A reset the person proved alone names nobody.
    const alone = await person();
    const own = await flow.verifiedByEmail(alone.username, alone.email);
    expect((await flow.reset(own, 'chosen by the person 44')).status).toBe(200);
    const after = await (await t.request('GET', '/api/admin/audit?action=password.reset', { cookie: adam })).json();
    expect(after.events.find((e: { actor: string }) => e.actor === alone.username)).toMatchObject({ onBehalfOf: null });
  });
});

// Re-authentication (SECURITY.md 27): recovery changes and staff actions need the password
// re-entered within ten minutes; every address on file hears about recovery changes.
describe.each(availableDialects())('re-authentication for sensitive changes (%s)', (dialect) => {
  let t: TestApp;
  let smtp: SmtpCapture;
  beforeAll(async () => {
    const app = await buildTestAppWithMail({ dialect });
    [t, smtp] = [app, app.smtp];
  });
  afterAll(() => t.close());
  beforeEach(() => {
    t.clock.advance(2 * 60 * 60_000);
  });

  async function person(role?: 'admin') {
    const p = await t.addPerson(role ? { role } : {});
    return { ...p, cookie: await signInAs(t, p.username, p.password) };
  }

  /** Every route that adds, replaces or removes a recovery factor, or changes someone else's account. */
  const sensitive = (target: string): [string, string, unknown][] => [
    ['POST', '/api/recovery/email', { email: 'someone.else@example.net' }],
    ['POST', '/api/recovery/email/confirm', { code: '12345678' }],
    ['DELETE', '/api/recovery/email', undefined],
    ['POST', '/api/recovery/totp', {}],
    ['POST', '/api/recovery/totp/confirm', { code: '123456' }],
    ['DELETE', '/api/recovery/totp', undefined],
    ['POST', '/api/recovery/passkeys/options', {}],
    ['POST', '/api/recovery/passkeys', { response: {}, name: 'Laptop' }],
    ['DELETE', '/api/recovery/passkeys/abc', undefined],
    ['POST', `/api/helpdesk/users/${target}/unlock`, {}],
    ['POST', `/api/helpdesk/users/${target}/reset-link`, {}],
    ['POST', `/api/helpdesk/users/${target}/verification-code`, {}],
    ['PUT', '/api/admin/settings/password-reset', { requiredMethods: 1, workEmailFallback: true }],
  ];
  const call = (cookie: string, [method, path, json]: [string, string, unknown]) =>
    t.request(method, path, { cookie, ...(json !== undefined ? { json } : {}) });

  it('answers 403 reauth_required on every sensitive route without a recent password, and changes nothing', async () => {
    const target = await person();
    // A throwaway admin: the routes change the caller's own recovery factors when they work.
    const admin = await person('admin');
    for (const route of sensitive(target.username)) {
      const response = await call(admin.cookie, route);
      expect(response.status, route.join(' ')).toBe(403);
      expect((await response.json()).error.code, route.join(' ')).toBe('reauth_required');
    }
    expect(await t.deps.db.selectFrom('recovery_emails').selectAll().where('username', '=', admin.username).execute()).toEqual([]);
    expect(await t.deps.db.selectFrom('totp_factors').selectAll().where('username', '=', admin.username).execute()).toEqual([]);
    expect(await t.deps.db.selectFrom('one_time_secrets').selectAll().where('username', '=', target.username).execute()).toEqual([]);
  });

  it('works after a re-entry, and stops working ten minutes later (injected clock)', async () => {
    const target = await person();
    const { cookie: admin, password } = await person('admin'); // enrols an authenticator for itself below
    const reauthed = await t.request('POST', '/api/auth/reauth', { json: { password }, cookie: admin });
    expect(reauthed.status).toBe(200);
    expect((await reauthed.json()).validUntil).toBe(new Date(t.clock.now() + 10 * 60_000).toISOString());
    for (const route of sensitive(target.username)) {
      const response = await call(admin, route);
      expect(
        (
          await response
            .clone()
            .json()
            .catch(() => ({}))
        )?.error?.code,
        route.join(' '),
      ).not.toBe('reauth_required');
      expect(response.status, route.join(' ')).not.toBe(403);
    }
    t.clock.advance(10 * 60_000);
    expect((await call(admin, ['POST', '/api/recovery/totp', {}])).status).toBe(200); // exactly ten minutes still counts
    t.clock.advance(1);
    const late = await call(admin, ['POST', '/api/recovery/totp', {}]);
    expect(late.status).toBe(403);
    expect((await late.json()).error.code).toBe('reauth_required');
    expect((await call(admin, ['POST', `/api/helpdesk/users/${target.username}/unlock`, {}])).status).toBe(403);
  });

  it('refuses a wrong password without marking the session, audits both, and rate-limits guessing', async () => {
    const p = await person();
    const wrong = await t.request('POST', '/api/auth/reauth', { json: { password: 'not my password' }, cookie: p.cookie });
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error.code).toBe('current_password_wrong');
    expect((await t.request('GET', '/api/me', { cookie: p.cookie })).status).toBe(200); // still signed in
    const blocked = await t.request('POST', '/api/recovery/totp', { json: {}, cookie: p.cookie });
    expect((await blocked.json()).error.code).toBe('reauth_required');
    for (const password of [[], null, 7]) {
      expect((await t.request('POST', '/api/auth/reauth', { json: { password }, cookie: p.cookie })).status).toBe(400);
    }
    expect((await t.request('POST', '/api/auth/reauth', { json: { password: p.password } })).status).toBe(401); // signed out

    await reauth(t, p.cookie, p.password);
    expect((await t.request('POST', '/api/recovery/totp', { json: {}, cookie: p.cookie })).status).toBe(200);
    const rows = await t.deps.db
      .selectFrom('audit_events')
      .select(['actor', 'result'])
      .where('action', '=', 'auth.reauth')
      .where('actor', '=', p.username)
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { actor: p.username, result: 'failure' },
      { actor: p.username, result: 'success' },
    ]);

    for (let i = 0; i < 5; i++) await t.request('POST', '/api/auth/reauth', { json: { password: `guess ${i}` }, cookie: p.cookie });
    const limited = await t.request('POST', '/api/auth/reauth', { json: { password: p.password }, cookie: p.cookie });
    expect(limited.status).toBe(429);
  });

  it('tells every address on file about each recovery change, with a "not you?" line', async () => {
    const p = await person();
    await reauth(t, p.cookie, p.password);
    const home = `${p.username}.home@example.net`;
    const notices = (to: string) => smtp.to(to).filter((m) => m.subject.startsWith('Your account recovery options changed'));
    const waitNotices = async (to: string, count: number) => {
      await expect.poll(() => notices(to).length, { timeout: 5_000 }).toBe(count);
      return notices(to).at(-1)!;
    };

    expect((await t.request('POST', '/api/recovery/email', { json: { email: home }, cookie: p.cookie })).status).toBe(202);
    const added = await waitNotices(p.email, 1);
    expect(added.text).toContain(`recovery options of your account ${p.username} changed`);
    expect(added.text).toContain('A recovery email address was added');
    expect(added.text).toMatch(/Not you\?.*http:\/\/portal\.test\/forgot/);
    expect(added.text).toContain('不是您本人操作');
    expect(notices(home)).toHaveLength(0); // not on file until confirmed; it got the confirmation code
    const code = /\b(\d{8})\b/.exec((await smtp.waitFor(home)).text)![1]!;

    expect((await t.request('POST', '/api/recovery/email/confirm', { json: { code }, cookie: p.cookie })).status).toBe(200);
    expect((await waitNotices(p.email, 2)).text).toContain('was confirmed');
    expect((await waitNotices(home, 1)).text).toContain('was confirmed');

    const setup = await (await t.request('POST', '/api/recovery/totp', { json: {}, cookie: p.cookie })).json();
    const totp = new TOTP({ secret: Secret.fromBase32(setup.secret), digits: 6, period: 30, algorithm: 'SHA1' });
    const enrolled = await t.request('POST', '/api/recovery/totp/confirm', {
      json: { code: totp.generate({ timestamp: t.clock.now() }) },
      cookie: p.cookie,
    });
    expect(enrolled.status).toBe(200);
    expect((await waitNotices(p.email, 3)).text).toContain('An authenticator app was set up.');
    expect((await waitNotices(home, 2)).text).toContain('An authenticator app was set up.');
    expect((await t.request('DELETE', '/api/recovery/totp', { cookie: p.cookie })).status).toBe(204);
    expect((await waitNotices(p.email, 4)).text).toContain('authenticator app was removed');
    expect((await waitNotices(home, 3)).text).toContain('authenticator app was removed');

    expect((await t.request('DELETE', '/api/recovery/email', { cookie: p.cookie })).status).toBe(204);
    expect((await waitNotices(p.email, 5)).text).toContain('recovery email address was removed');
    expect((await waitNotices(home, 4)).text).toContain('recovery email address was removed'); // the removed address is told too
    for (const mail of [...notices(p.email), ...notices(home)]) expect(mail.text).not.toMatch(/\b\d{8}\b/);
  });
});

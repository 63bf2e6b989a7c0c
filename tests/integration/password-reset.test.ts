import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addBuiltinPerson, uniqueName } from '../directory/fixtures.js';
import { buildTestApp, signInAs, reauth, signInFresh, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';
import { resetFlow } from '../harness/reset-flow.js';
import { codeIn, type SmtpCapture, startSmtpCapture } from '../harness/smtp.js';

const DEMO_PASSWORD = 'portal-demo-2026';
const NEW_PASSWORD = 'violet tram under 42 maples';
/** Hana's password after the change test. */
const HANA_CHANGED = `${DEMO_PASSWORD}!x`;

describe.each(availableDialects())('forgot password and unlock on the built-in directory (%s)', (dialect) => {
  let t: TestApp;
  let smtp: SmtpCapture;
  let flow: ReturnType<typeof resetFlow>;
  beforeAll(async () => {
    smtp = await startSmtpCapture();
    t = await buildTestApp({ dialect, env: { SMTP_URL: smtp.url } });
    flow = resetFlow(t, smtp);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });
  beforeEach(() => {
    // Each test starts with fresh rate-limit windows.
    t.clock.advance(2 * 60 * 60_000);
  });

  const signIn = async (username: string, password: string) =>
    (await t.request('POST', '/api/auth/login', { json: { username, password } })).status;

  it('resets a forgotten password with a code from the mail: the directory gets it, the old one stops working', async () => {
    const before = smtp.messages.length;
    const flowId = await flow.start('bob');
    const view = await flow.view(flowId);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ methods: ['email', 'totp', 'passkey', 'helpdesk_code'], required: 1, verified: [], complete: false });
    expect(view.body.rules).toMatchObject({ minLength: 12 });
    expect(smtp.messages.length).toBe(before); // asking changes nothing and sends nothing yet

    const code = await flow.emailCode(flowId, 'bob@example.com');
    expect((await flow.verify(flowId, { method: 'email', code })).body).toMatchObject({ verified: ['email'], complete: true });

    const weak = await flow.reset(flowId, 'short');
    expect(weak.status).toBe(422);
    expect(weak.body.error.code).toBe('password_rejected');
    expect(weak.body.error.problems).toContain('too_short');
    expect(weak.body.error.message).toMatch(/too short/);

    const done = await flow.reset(flowId, NEW_PASSWORD);
    expect(done.status).toBe(200);
    expect(done.headers.get('set-cookie') ?? '').not.toMatch(/portal_session=[A-Za-z0-9_-]{43}/); // no automatic sign-in
    expect(await signIn('bob', DEMO_PASSWORD)).toBe(401);
    expect(await signIn('bob', NEW_PASSWORD)).toBe(200);

    const notice = await smtp.waitFor('bob@example.com', smtp.to('bob@example.com').length - 1);
    expect(notice.subject).toMatch(/Your password was reset/);
    expect(notice.text).toMatch(/Not you\?/);
    expect(notice.text).toContain('http://portal.test/forgot');
    expect((await flow.reset(flowId, 'another fine password 99')).status).toBe(410); // single use
  });

  it('unlocks a locked account without changing the password', async () => {
    for (let i = 0; i < 10; i++) await t.deps.directory.authenticate('ruth', `wrong-${i}`);
    expect((await t.deps.directory.lockStatus('ruth')).locked).toBe(true);
    expect(await signIn('ruth', DEMO_PASSWORD)).toBe(401);

    const flowId = await flow.verifiedByEmail('ruth', 'ruth@example.com');
    const unlocked = await flow.unlock(flowId);
    expect(unlocked.status).toBe(200);
    expect((await t.deps.directory.lockStatus('ruth')).locked).toBe(false);
    expect(await signIn('ruth', DEMO_PASSWORD)).toBe(200);
    const notice = await smtp.waitFor('ruth@example.com', smtp.to('ruth@example.com').length - 1);
    expect(notice.subject).toMatch(/unlocked/);
  });

  it('resets a locked account and unlocks it in the same step', async () => {
    for (let i = 0; i < 10; i++) await t.deps.directory.authenticate('mark', `wrong-${i}`);
    const flowId = await flow.verifiedByEmail('mark@example.com', 'mark@example.com');
    expect((await flow.reset(flowId, NEW_PASSWORD)).status).toBe(200);
    expect((await t.deps.directory.lockStatus('mark')).locked).toBe(false);
    expect(await signIn('mark', NEW_PASSWORD)).toBe(200);
  });

  it('ends every other session and voids outstanding codes and flows after a reset', async () => {
    // A throwaway employee: the help desk may not act on staff accounts, and demo people keep their passwords.
    const person = { username: uniqueName('temp'), password: 'throwaway start password 1' };
    const address = `${person.username}@example.com`;
    await addBuiltinPerson(t.deps.db, { ...person, email: address });
    const session = await signInAs(t, person.username, person.password);
    const hana = await signInFresh(t, 'hana');
    const issued = await t.request('POST', `/api/helpdesk/users/${person.username}/verification-code`, { json: {}, cookie: hana });
    const { code: helpdeskCode } = await issued.json();
    const otherFlow = await flow.start(person.username);

    const flowId = await flow.verifiedByEmail(person.username, address);
    expect((await flow.reset(flowId, NEW_PASSWORD)).status).toBe(200);

    expect((await t.request('GET', '/api/me', { cookie: session })).status).toBe(401);
    expect((await flow.view(otherFlow)).status).toBe(410);
    const third = await flow.start(person.username);
    expect((await flow.verify(third, { method: 'helpdesk_code', code: helpdeskCode })).status).toBe(400);
  });

  it('accepts a code the help desk read out, and only for that person', async () => {
    const hana = await signInFresh(t, 'hana');
    const issued = await t.request('POST', '/api/helpdesk/users/alice/verification-code', { json: {}, cookie: hana });
    expect(issued.status).toBe(201);
    const { code } = await issued.json();
    expect(code).toMatch(/^\d{8}$/);

    const bobFlow = await flow.start('bob');
    expect((await flow.verify(bobFlow, { method: 'helpdesk_code', code })).status).toBe(400);
    const aliceFlow = await flow.start('alice');
    const verified = await flow.verify(aliceFlow, { method: 'helpdesk_code', code: `${code.slice(0, 4)} ${code.slice(4)}` });
    expect(verified.body).toMatchObject({ complete: true, verified: ['helpdesk_code'] });
  });

  it('sends a reset link that starts a flow with the mailbox already proven', async () => {
    const hana = await signInFresh(t, 'hana');
    const before = smtp.to('bob@example.com').length;
    const sent = await t.request('POST', '/api/helpdesk/users/bob/reset-link', { json: {}, cookie: hana });
    expect(sent.status).toBe(202);
    const mail = await smtp.waitFor('bob@example.com', before);
    const token = /#token=([A-Za-z0-9_-]{43})/.exec(mail.text)![1]!;
    expect(mail.text).toContain(`http://portal.test/reset#token=${token}`);

    const opened = await t.request('POST', '/api/password/flows/from-link', { json: { token } });
    expect(opened.status).toBe(201);
    const { flowId } = await opened.json();
    expect((await flow.view(flowId)).body).toMatchObject({ complete: true, verified: ['email'] });
    expect((await t.request('POST', '/api/password/flows/from-link', { json: { token } })).status).toBe(410);
  });

  it('lets the help desk unlock, but never set, a password; employees cannot do either', async () => {
    for (let i = 0; i < 10; i++) await t.deps.directory.authenticate('alice', `wrong-${i}`);
    const bob = await signInAs(t, 'bob', NEW_PASSWORD);
    expect((await t.request('POST', '/api/helpdesk/users/alice/unlock', { json: {}, cookie: bob })).status).toBe(403);
    const hana = await signInAs(t, 'hana');
    const account = await (await t.request('GET', '/api/directory/users/alice', { cookie: hana })).json();
    expect(account.lock.locked).toBe(true);
    expect((await t.request('POST', '/api/helpdesk/users/alice/unlock', { json: {}, cookie: hana })).status).toBe(403); // reauth_required
    await reauth(t, hana);
    expect((await t.request('POST', '/api/helpdesk/users/alice/unlock', { json: {}, cookie: hana })).status).toBe(200);
    expect((await t.deps.directory.lockStatus('alice')).locked).toBe(false);
    const routes = t.app.routes.map((r) => r.path).filter((p) => p.startsWith('/api/helpdesk'));
    expect(routes.some((p) => /password/i.test(p))).toBe(false);
  });

  it('changes a password for a signed-in person who knows the current one, keeping only their own session', async () => {
    const other = await signInAs(t, 'hana');
    const current = await signInAs(t, 'hana');
    const wrong = await t.request('POST', '/api/password/change', {
      json: { currentPassword: 'not it', newPassword: NEW_PASSWORD },
      cookie: current,
    });
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error.code).toBe('current_password_wrong');
    const changed = await t.request('POST', '/api/password/change', {
      json: { currentPassword: DEMO_PASSWORD, newPassword: NEW_PASSWORD },
      cookie: current,
    });
    expect(changed.status).toBe(200);
    expect((await t.request('GET', '/api/me', { cookie: current })).status).toBe(200);
    expect((await t.request('GET', '/api/me', { cookie: other })).status).toBe(401);
    expect(await signIn('hana', NEW_PASSWORD)).toBe(200);
    const again = await t.request('POST', '/api/password/change', {
      json: { currentPassword: NEW_PASSWORD, newPassword: HANA_CHANGED },
      cookie: current,
    });
    expect(again.status).toBe(200);
    const back = await t.request('POST', '/api/password/change', {
      json: { currentPassword: HANA_CHANGED, newPassword: NEW_PASSWORD },
      cookie: current,
    });
    expect((await back.json()).error).toMatchObject({ code: 'password_rejected', problems: ['in_history'] });
  });

  it('needs two methods when the admin says so', async () => {
    const adam = await signInFresh(t, 'adam');
    const put = await t.request('PUT', '/api/admin/settings/password-reset', {
      json: { requiredMethods: 2, workEmailFallback: true },
      cookie: adam,
    });
    expect(put.status).toBe(200);
    try {
      const flowId = await flow.verifiedByEmail('bob', 'bob@example.com');
      expect((await flow.view(flowId)).body).toMatchObject({ required: 2, complete: false });
      expect((await flow.reset(flowId, 'a brand new password 7')).status).toBe(403);
      const hana = await signInFresh(t, 'hana', HANA_CHANGED);
      const { code } = await (await t.request('POST', '/api/helpdesk/users/bob/verification-code', { json: {}, cookie: hana })).json();
      expect((await flow.verify(flowId, { method: 'helpdesk_code', code })).body).toMatchObject({ complete: true });
    } finally {
      await t.request('PUT', '/api/admin/settings/password-reset', { json: { requiredMethods: 1, workEmailFallback: true }, cookie: adam });
    }
  });

  it('stops sending codes to the work address when the admin turns the fallback off', async () => {
    const adam = await signInFresh(t, 'adam');
    await t.request('PUT', '/api/admin/settings/password-reset', { json: { requiredMethods: 1, workEmailFallback: false }, cookie: adam });
    try {
      // The method is still offered (the list is the same for everyone), but no mail goes out.
      const before = smtp.to('bob@example.com').length;
      const flowId = await flow.start('bob');
      expect((await flow.view(flowId)).body.methods).toContain('email');
      expect((await flow.challenge(flowId, 'email')).status).toBe(202);
      await new Promise((r) => setTimeout(r, 200));
      expect(smtp.to('bob@example.com').length).toBe(before);
    } finally {
      await t.request('PUT', '/api/admin/settings/password-reset', { json: { requiredMethods: 1, workEmailFallback: true }, cookie: adam });
    }
  });

  it('reads the code the way people type it', async () => {
    const flowId = await flow.start('bob');
    const code = await flow.emailCode(flowId, 'bob@example.com');
    expect(codeIn(smtp.to('bob@example.com').at(-1)!)).toBe(code);
    expect((await flow.verify(flowId, { method: 'email', code: ` ${code.slice(0, 4)}-${code.slice(4)} ` })).status).toBe(200);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestAppWithMail, signInAs, reauth, signInFresh, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';
import { resetFlow } from '../harness/reset-flow.js';
import { codeIn, type SmtpCapture } from '../harness/smtp.js';

const NEW_PASSWORD = 'violet tram under 42 maples';

// Every test resets, locks or changes its own throwaway people (t.addPerson): the demo people are
// only used read-only (hana as the help desk, adam as the admin), so the tests run in any order.
describe.each(availableDialects())('forgot password and unlock on the built-in directory (%s)', (dialect) => {
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
    // Each test starts with fresh rate-limit windows.
    t.clock.advance(2 * 60 * 60_000);
  });

  const signIn = async (username: string, password: string) =>
    (await t.request('POST', '/api/auth/login', { json: { username, password } })).status;

  it('resets a forgotten password with a code from the mail: the directory gets it, the old one stops working', async () => {
    const person = await t.addPerson();
    const before = smtp.messages.length;
    const flowId = await flow.start(person.username);
    const view = await flow.view(flowId);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ methods: ['email', 'totp', 'passkey', 'helpdesk_code'], required: 1, verified: [], complete: false });
    expect(view.body.rules).toMatchObject({ minLength: 12 });
    await t.drainJobs();
    expect(smtp.messages.length).toBe(before); // asking changes nothing and sends nothing yet

    const code = await flow.emailCode(flowId, person.email);
    expect((await flow.verify(flowId, { method: 'email', code })).body).toMatchObject({ verified: ['email'], complete: true });

    const weak = await flow.reset(flowId, 'short');
    expect(weak.status).toBe(422);
    expect(weak.body.error.code).toBe('password_rejected');
    expect(weak.body.error.problems).toContain('too_short');
    expect(weak.body.error.message).toMatch(/too short/);

    const done = await flow.reset(flowId, NEW_PASSWORD);
    expect(done.status).toBe(200);
    expect(done.headers.get('set-cookie') ?? '').not.toMatch(/portal_session=[A-Za-z0-9_-]{43}/); // no automatic sign-in
    expect(await signIn(person.username, person.password)).toBe(401);
    expect(await signIn(person.username, NEW_PASSWORD)).toBe(200);

    await t.drainJobs(); // the notice is sent by the queue, after the answer
    const notice = smtp.to(person.email).at(-1)!;
    expect(notice.subject).toMatch(/Your password was reset/);
    expect(notice.text).toMatch(/Not you\?/);
    expect(notice.text).toContain('http://portal.test/forgot');
    expect((await flow.reset(flowId, 'another fine password 99')).status).toBe(410); // single use
  });

  it('unlocks a locked account without changing the password', async () => {
    const person = await t.addPerson();
    for (let i = 0; i < 10; i++) await t.deps.directory.authenticate(person.username, `wrong-${i}`);
    expect((await t.deps.directory.lockStatus(person.username)).locked).toBe(true);
    expect(await signIn(person.username, person.password)).toBe(401);

    const flowId = await flow.verifiedByEmail(person.username, person.email);
    const unlocked = await flow.unlock(flowId);
    expect(unlocked.status).toBe(200);
    expect((await t.deps.directory.lockStatus(person.username)).locked).toBe(false);
    expect(await signIn(person.username, person.password)).toBe(200);
    await t.drainJobs(); // the notice is sent by the queue, after the answer
    const notice = smtp.to(person.email).at(-1)!;
    expect(notice.subject).toMatch(/unlocked/);
  });

  it('resets a locked account and unlocks it in the same step', async () => {
    const person = await t.addPerson();
    for (let i = 0; i < 10; i++) await t.deps.directory.authenticate(person.username, `wrong-${i}`);
    const flowId = await flow.verifiedByEmail(person.email, person.email);
    expect((await flow.reset(flowId, NEW_PASSWORD)).status).toBe(200);
    expect((await t.deps.directory.lockStatus(person.username)).locked).toBe(false);
    expect(await signIn(person.username, NEW_PASSWORD)).toBe(200);
  });

  it('ends every other session and voids outstanding codes and flows after a reset', async () => {
    // A throwaway employee: the help desk may not act on staff accounts.
    const person = await t.addPerson();
    const address = person.email;
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
    const person = await t.addPerson();
    const someoneElse = await t.addPerson();
    const hana = await signInFresh(t, 'hana');
    const issued = await t.request('POST', `/api/helpdesk/users/${person.username}/verification-code`, { json: {}, cookie: hana });
    expect(issued.status).toBe(201);
    const { code } = await issued.json();
    expect(code).toMatch(/^\d{8}$/);

    const otherFlow = await flow.start(someoneElse.username);
    expect((await flow.verify(otherFlow, { method: 'helpdesk_code', code })).status).toBe(400);
    const ownFlow = await flow.start(person.username);
    const verified = await flow.verify(ownFlow, { method: 'helpdesk_code', code: `${code.slice(0, 4)} ${code.slice(4)}` });
    expect(verified.body).toMatchObject({ complete: true, verified: ['helpdesk_code'] });
  });

  it('sends a reset link that starts a flow with the mailbox already proven', async () => {
    const person = await t.addPerson();
    const hana = await signInFresh(t, 'hana');
    const before = smtp.to(person.email).length;
    const sent = await t.request('POST', `/api/helpdesk/users/${person.username}/reset-link`, { json: {}, cookie: hana });
    expect(sent.status).toBe(202);
    const mail = await smtp.waitFor(person.email, before);
    const token = /#token=([A-Za-z0-9_-]{43})/.exec(mail.text)![1]!;
    expect(mail.text).toContain(`http://portal.test/reset#token=${token}`);

    const opened = await t.request('POST', '/api/password/flows/from-link', { json: { token } });
    expect(opened.status).toBe(201);
    const { flowId } = await opened.json();
    expect((await flow.view(flowId)).body).toMatchObject({ complete: true, verified: ['email'] });
    expect((await t.request('POST', '/api/password/flows/from-link', { json: { token } })).status).toBe(410);
  });

  it('lets the help desk unlock, but never set, a password; employees cannot do either', async () => {
    const person = await t.addPerson();
    const employee = await t.addPerson();
    for (let i = 0; i < 10; i++) await t.deps.directory.authenticate(person.username, `wrong-${i}`);
    const colleague = await signInAs(t, employee.username, employee.password);
    expect((await t.request('POST', `/api/helpdesk/users/${person.username}/unlock`, { json: {}, cookie: colleague })).status).toBe(403);
    const hana = await signInAs(t, 'hana');
    const account = await (await t.request('GET', `/api/directory/users/${person.username}`, { cookie: hana })).json();
    expect(account.lock.locked).toBe(true);
    expect((await t.request('POST', `/api/helpdesk/users/${person.username}/unlock`, { json: {}, cookie: hana })).status).toBe(403); // reauth_required
    await reauth(t, hana);
    expect((await t.request('POST', `/api/helpdesk/users/${person.username}/unlock`, { json: {}, cookie: hana })).status).toBe(200);
    expect((await t.deps.directory.lockStatus(person.username)).locked).toBe(false);
    const routes = t.app.routes.map((r) => r.path).filter((p) => p.startsWith('/api/helpdesk'));
    expect(routes.some((p) => /password/i.test(p))).toBe(false);
  });

  it('changes a password for a signed-in person who knows the current one, keeping only their own session', async () => {
    const person = await t.addPerson();
    const changedAgain = `${NEW_PASSWORD} again`;
    const other = await signInAs(t, person.username, person.password);
    const current = await signInAs(t, person.username, person.password);
    const wrong = await t.request('POST', '/api/password/change', {
      json: { currentPassword: 'not it', newPassword: NEW_PASSWORD },
      cookie: current,
    });
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error.code).toBe('current_password_wrong');
    const changed = await t.request('POST', '/api/password/change', {
      json: { currentPassword: person.password, newPassword: NEW_PASSWORD },
      cookie: current,
    });
    expect(changed.status).toBe(200);
    expect((await t.request('GET', '/api/me', { cookie: current })).status).toBe(200);
    expect((await t.request('GET', '/api/me', { cookie: other })).status).toBe(401);
    expect(await signIn(person.username, NEW_PASSWORD)).toBe(200);
    const again = await t.request('POST', '/api/password/change', {
      json: { currentPassword: NEW_PASSWORD, newPassword: changedAgain },
      cookie: current,
    });
    expect(again.status).toBe(200);
    const back = await t.request('POST', '/api/password/change', {
      json: { currentPassword: changedAgain, newPassword: NEW_PASSWORD },
      cookie: current,
    });
    expect((await back.json()).error).toMatchObject({ code: 'password_rejected', problems: ['in_history'] });
  });

  it('needs two methods when the admin says so', async () => {
    const person = await t.addPerson();
    const adam = await signInFresh(t, 'adam');
    const put = await t.request('PUT', '/api/admin/settings/password-reset', {
      json: { requiredMethods: 2, workEmailFallback: true },
      cookie: adam,
    });
    expect(put.status).toBe(200);
    try {
      const flowId = await flow.verifiedByEmail(person.username, person.email);
      expect((await flow.view(flowId)).body).toMatchObject({ required: 2, complete: false });
      expect((await flow.reset(flowId, 'a brand new password 7')).status).toBe(403);
      const hana = await signInFresh(t, 'hana');
      const { code } = await (await t.request('POST', `/api/helpdesk/users/${person.username}/verification-code`, { json: {}, cookie: hana })).json();
      expect((await flow.verify(flowId, { method: 'helpdesk_code', code })).body).toMatchObject({ complete: true });
    } finally {
      await t.request('PUT', '/api/admin/settings/password-reset', { json: { requiredMethods: 1, workEmailFallback: true }, cookie: adam });
    }
  });

  it('stops sending codes to the work address when the admin turns the fallback off', async () => {
    const person = await t.addPerson();
    const adam = await signInFresh(t, 'adam');
    await t.request('PUT', '/api/admin/settings/password-reset', { json: { requiredMethods: 1, workEmailFallback: false }, cookie: adam });
    try {
      // The method is still offered (the list is the same for everyone), but no mail goes out.
      const before = smtp.to(person.email).length;
      const flowId = await flow.start(person.username);
      expect((await flow.view(flowId)).body.methods).toContain('email');
      expect((await flow.challenge(flowId, 'email')).status).toBe(202);
      await t.drainJobs();
      expect(smtp.to(person.email).length).toBe(before);
    } finally {
      await t.request('PUT', '/api/admin/settings/password-reset', { json: { requiredMethods: 1, workEmailFallback: true }, cookie: adam });
    }
  });

  it('reads the code the way people type it', async () => {
    const person = await t.addPerson();
    const flowId = await flow.start(person.username);
    const code = await flow.emailCode(flowId, person.email);
    expect(codeIn(smtp.to(person.email).at(-1)!)).toBe(code);
    expect((await flow.verify(flowId, { method: 'email', code: ` ${code.slice(0, 4)}-${code.slice(4)} ` })).status).toBe(200);
  });
});

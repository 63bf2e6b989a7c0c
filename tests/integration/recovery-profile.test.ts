import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestAppWithMail, signInFresh, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';
import { resetFlow } from '../harness/reset-flow.js';
import { codeIn, type SmtpCapture } from '../harness/smtp.js';

// Each test has its own throwaway person: recovery factors are per person, so no test sees another's.
describe.each(availableDialects())('recovery profile on %s', (dialect) => {
  let t: TestApp;
  let smtp: SmtpCapture;
  beforeAll(async () => {
    const app = await buildTestAppWithMail({ dialect });
    [t, smtp] = [app, app.smtp];
  });
  afterAll(() => t.close());

  /** A fresh employee, signed in and past the re-authentication prompt, and a client for their session. */
  async function signedInPerson() {
    const person = await t.addPerson();
    const cookie = await signInFresh(t, person.username, person.password);
    const call = async (method: string, path: string, json?: unknown) => {
      const response = await t.request(method, path, { cookie, ...(json !== undefined ? { json } : {}) });
      return { status: response.status, body: response.status === 204 ? null : await response.json() };
    };
    return { ...person, home: `${person.username}.home@example.net`, call };
  }
  type Person = Awaited<ReturnType<typeof signedInPerson>>;

  async function addConfirmedEmail({ call, home }: Person) {
    expect((await call('POST', '/api/recovery/email', { email: home })).status).toBe(202);
    const confirmed = await call('POST', '/api/recovery/email/confirm', { code: codeIn(await smtp.waitFor(home)) });
    expect(confirmed.status).toBe(200);
  }

  async function enrolTotp({ call }: Person) {
    const setup = await call('POST', '/api/recovery/totp', {});
    expect(setup.status).toBe(200);
    const totp = new TOTP({ secret: Secret.fromBase32(setup.body.secret), digits: 6, period: 30, algorithm: 'SHA1' });
    const enrolled = await call('POST', '/api/recovery/totp/confirm', { code: totp.generate({ timestamp: t.clock.now() }) });
    expect(enrolled.status).toBe(200);
    return { setup, totp, enrolled };
  }

  it('starts with the work address as the only ready method', async () => {
    const { call, email } = await signedInPerson();
    const profile = await call('GET', '/api/recovery');
    expect(profile.body).toEqual({
      recoveryEmail: null,
      workEmailFallback: email,
      totp: { enrolled: false },
      passkeys: [],
      ready: ['email'],
    });
  });

  it('adds a personal recovery email that counts only once confirmed, and codes then go there', async () => {
    const { call, email, home } = await signedInPerson();
    expect((await call('POST', '/api/recovery/email', { email: 'not an address' })).status).toBe(400);
    expect((await call('POST', '/api/recovery/email', { email: home })).status).toBe(202);
    const mail = await smtp.waitFor(home);
    expect((await call('GET', '/api/recovery')).body.recoveryEmail).toEqual({ address: home, confirmed: false });
    expect((await call('POST', '/api/recovery/email/confirm', { code: '00000000' })).status).toBe(400);
    const confirmed = await call('POST', '/api/recovery/email/confirm', { code: codeIn(mail) });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recoveryEmail).toEqual({ address: home, confirmed: true });

    const flow = resetFlow(t, smtp);
    await t.drainJobs(); // the notices of the change ("not you?") reach the work address first
    const workBefore = smtp.to(email).length;
    const flowId = await flow.verifiedByEmail(home, home);
    expect((await flow.view(flowId)).body.complete).toBe(true);
    await t.drainJobs();
    expect(smtp.to(email).length).toBe(workBefore); // the code went to the personal address only
  });

  it('enrols an authenticator app with a QR code, then accepts each code once in a reset', async () => {
    const person = await signedInPerson();
    const setup = await person.call('POST', '/api/recovery/totp', {});
    expect(setup.status).toBe(200);
    expect(setup.body.qrDataUrl).toMatch(/^data:image\/png;base64,/);
    expect(setup.body.uri).toMatch(/^otpauth:\/\/totp\//);
    const totp = new TOTP({ secret: Secret.fromBase32(setup.body.secret), digits: 6, period: 30, algorithm: 'SHA1' });
    expect((await person.call('POST', '/api/recovery/totp/confirm', { code: '000000' })).status).toBe(400);
    const enrolled = await person.call('POST', '/api/recovery/totp/confirm', { code: totp.generate({ timestamp: t.clock.now() }) });
    expect(enrolled.status).toBe(200);
    expect(enrolled.body.ready).toEqual(['email', 'totp']);

    t.clock.advance(60_000);
    const flow = resetFlow(t, smtp);
    const flowId = await flow.start(person.username);
    expect((await flow.view(flowId)).body.methods).toEqual(['email', 'totp', 'passkey', 'helpdesk_code']);
    const code = totp.generate({ timestamp: t.clock.now() });
    expect((await flow.verify(flowId, { method: 'totp', code })).body).toMatchObject({ complete: true, verified: ['totp'] });
    const replay = await flow.start(person.username);
    expect((await flow.verify(replay, { method: 'totp', code })).status).toBe(400);
  });

  it('removes factors on request', async () => {
    const person = await signedInPerson();
    await addConfirmedEmail(person);
    const { enrolled } = await enrolTotp(person);
    expect(enrolled.body.ready).toEqual(['email', 'totp']);
    expect((await person.call('DELETE', '/api/recovery/totp')).status).toBe(204);
    expect((await person.call('DELETE', '/api/recovery/email')).status).toBe(204);
    expect((await person.call('GET', '/api/recovery')).body).toMatchObject({ recoveryEmail: null, totp: { enrolled: false }, ready: ['email'] });
  });

  it('is for signed-in people only', async () => {
    expect((await t.request('GET', '/api/recovery')).status).toBe(401);
    expect((await t.request('POST', '/api/recovery/totp', { json: {} })).status).toBe(401);
  });
});

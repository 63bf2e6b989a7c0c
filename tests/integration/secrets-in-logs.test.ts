import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verificationCodeMail } from '../../server/mail/templates.js';
import { createLogOnlyMailer } from '../../server/mail/smtp.js';
import { createLogger } from '../../server/platform/logger.js';
import { addBuiltinPerson } from '../directory/fixtures.js';
import { buildTestApp, sessionCookieFrom, signInFresh, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';
import { resetFlow } from '../harness/reset-flow.js';
import { codeIn, type SmtpCapture, startSmtpCapture } from '../harness/smtp.js';

/** A logger that keeps every line it writes, at every level. */
function capturingLogger() {
  const lines: string[] = [];
  const logger = createLogger('trace', { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

/**
 * No flow id, session id, code or link token reaches a log line (security review item 10): every
 * reset flow runs with a capturing logger, and the captured lines are searched for every secret
 * the run issued.
 */
describe.each(availableDialects())('secrets stay out of the logs on %s', (dialect) => {
  let t: TestApp;
  let smtp: SmtpCapture;
  let lines: string[];
  beforeAll(async () => {
    smtp = await startSmtpCapture();
    const capture = capturingLogger();
    lines = capture.lines;
    t = await buildTestApp({ dialect, env: { SMTP_URL: smtp.url }, overrides: { logger: capture.logger } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('runs the email-code, help-desk-code, reset-link and authenticator flows without logging a secret', async () => {
    const issued: Record<string, string> = {};
    const keep = (label: string, secret: string) => {
      expect(secret.length, label).toBeGreaterThanOrEqual(6);
      issued[`${label} #${Object.keys(issued).length}`] = secret;
    };
    const flow = resetFlow(t, smtp);
    const username = `logs-${randomBytes(4).toString('hex')}`;
    const email = `${username}@example.com`;
    let password = `Throwaway-${randomBytes(6).toString('hex')}`;
    await addBuiltinPerson(t.deps.db, { username, email, password });

    // Signed in: the session id is in the cookie.
    const signIn = await t.request('POST', '/api/auth/login', { json: { username, password } });
    const session = sessionCookieFrom(signIn)!;
    keep('session id', session.split('=')[1]!);

    // 1. Email code: forgot → code by mail → a wrong code, then the right one → new password.
    const emailFlow = await flow.start(username);
    keep('flow id', emailFlow);
    const code = await flow.emailCode(emailFlow, email);
    keep('email code', code);
    expect((await flow.verify(emailFlow, { method: 'email', code: code === '00000000' ? '11111111' : '00000000' })).status).toBe(400);
    expect((await flow.verify(emailFlow, { method: 'email', code })).status).toBe(200);
    password = `Second-${randomBytes(6).toString('hex')}`;
    expect((await flow.reset(emailFlow, password)).status).toBe(200);
    expect((await flow.view(emailFlow)).status).toBe(410); // a used flow id, in a path, after the fact

    // 2. Help-desk code, read out by staff (whose own session id is a secret too).
    const hana = await signInFresh(t, 'hana');
    keep('session id', hana.split('=')[1]!);
    const issuedCode = await t.request('POST', `/api/helpdesk/users/${username}/verification-code`, { json: {}, cookie: hana });
    const helpdeskCode = ((await issuedCode.json()) as { code: string }).code;
    keep('help-desk code', helpdeskCode);
    const helpdeskFlow = await flow.start(email);
    keep('flow id', helpdeskFlow);
    expect((await flow.verify(helpdeskFlow, { method: 'helpdesk_code', code: helpdeskCode })).status).toBe(200);

    // 3. Reset link by mail → a flow from the link → new password.
    await t.drainJobs(); // earlier notices arrive first
    const before = smtp.to(email).length;
    expect((await t.request('POST', `/api/helpdesk/users/${username}/reset-link`, { json: {}, cookie: hana })).status).toBe(202);
    const token = /#token=([A-Za-z0-9_-]{43})/.exec((await smtp.waitFor(email, before)).text)![1]!;
    keep('link token', token);
    const fromLink = await t.request('POST', '/api/password/flows/from-link', { json: { token } });
    const linkFlow = ((await fromLink.json()) as { flowId: string }).flowId;
    keep('flow id', linkFlow);
    password = `Third-${randomBytes(6).toString('hex')}`;
    expect((await flow.reset(linkFlow, password)).status).toBe(200);
    // The used token again: refused, and still not logged.
    expect((await t.request('POST', '/api/password/flows/from-link', { json: { token } })).status).toBe(410);

    // 4. Authenticator app: enrolled while signed in, then used in a reset flow.
    const own = await signInFresh(t, username, password);
    keep('session id', own.split('=')[1]!);
    const setup = (await (await t.request('POST', '/api/recovery/totp', { json: {}, cookie: own })).json()) as { secret: string };
    keep('authenticator secret', setup.secret);
    const totp = new TOTP({ secret: Secret.fromBase32(setup.secret), digits: 6, period: 30, algorithm: 'SHA1' });
    const enrolCode = totp.generate({ timestamp: t.clock.now() });
    expect((await t.request('POST', '/api/recovery/totp/confirm', { json: { code: enrolCode }, cookie: own })).status).toBe(200);
    t.clock.advance(60_000);
    const totpFlow = await flow.start(username);
    keep('flow id', totpFlow);
    const totpCode = totp.generate({ timestamp: t.clock.now() });
    expect((await flow.verify(totpFlow, { method: 'totp', code: totpCode })).status).toBe(200);

    // The requests were logged, by route pattern...
    const log = lines.join('');
    expect(log).toContain('"route":"/api/password/flows/:flowId/verify"');
    expect(log).toContain('"route":"/api/helpdesk/users/:username/verification-code"');
    // ... and no secret appears anywhere in the log.
    for (const [label, secret] of Object.entries(issued)) expect({ label, logged: log.includes(secret) }).toEqual({ label, logged: false });
    // Six-digit authenticator codes, as whole numbers (not inside a longer run of digits or hex).
    for (const six of [enrolCode, totpCode]) expect(log).not.toMatch(new RegExp(`(?<![0-9a-f])${six}(?![0-9a-f])`));
    // Nor does a mail subject carry a code.
    for (const mail of smtp.to(email)) for (const secret of [code, token]) expect(mail.subject).not.toContain(secret);
  });
});

describe('without SMTP outside demo mode', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { PORTAL_DEMO: '0' } });
  });
  afterAll(() => t.close());

  it('offers the email method to nobody, the same list for an existing and a missing person', async () => {
    const username = `nomail-${randomBytes(4).toString('hex')}`;
    await addBuiltinPerson(t.deps.db, { username, email: `${username}@example.com`, password: `Throwaway-${randomBytes(6).toString('hex')}` });
    const flow = resetFlow(t);
    const real = await flow.view(await flow.start(username));
    const missing = await flow.view(await flow.start(`ghost-${randomBytes(4).toString('hex')}`));
    expect(real.body.methods).toEqual(['totp', 'passkey', 'helpdesk_code']);
    expect(missing.body.methods).toEqual(real.body.methods);
  });

  it('logs which mail was not sent and to whom, never its subject or content', async () => {
    const { logger, lines } = capturingLogger();
    const mailer = createLogOnlyMailer(logger);
    expect(mailer.delivers).toBe(false);
    await mailer.send(verificationCodeMail('someone@example.com', '48213377', 10, 'Example Corp'));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ template: 'verification_code', to: 'someone@example.com' });
    expect(lines[0]).not.toContain('48213377');
    expect(lines[0]).not.toContain('verification code /');
  });
});

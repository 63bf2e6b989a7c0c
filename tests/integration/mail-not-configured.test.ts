import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, signInFresh, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';

/**
 * Without SMTP_URL outside demo mode the portal only logs mail it would send. Nothing may then
 * pretend to have mailed something: a help-desk reset link and a recovery email (which could never
 * be confirmed) are refused with a clear code, and nothing is stored or queued.
 */
describe.each(availableDialects())('a portal without a mail server on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ dialect, env: { PORTAL_DEMO: '0' } });
  });
  afterAll(() => t.close());

  const count = async (table: 'jobs' | 'one_time_secrets' | 'recovery_emails') =>
    Number((await t.deps.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('refuses to "send" a help-desk reset link, and issues no token', async () => {
    const desk = await t.addPerson({ role: 'helpdesk' });
    const caller = await t.addPerson();
    const cookie = await signInFresh(t, desk.username, desk.password);
    const [jobs, secrets] = [await count('jobs'), await count('one_time_secrets')];
    const response = await t.request('POST', `/api/helpdesk/users/${caller.username}/reset-link`, { json: {}, cookie });
    expect(response.status).toBe(409);
    expect((await response.json()).error).toMatchObject({ code: 'mail_not_configured', message: expect.stringMatching(/verification code/) });
    expect([await count('jobs'), await count('one_time_secrets')]).toEqual([jobs, secrets]);
    // The way that needs no mail still works.
    expect((await t.request('POST', `/api/helpdesk/users/${caller.username}/verification-code`, { json: {}, cookie })).status).toBe(201);
  });

  it('refuses a recovery email it could never confirm, and stores nothing', async () => {
    const person = await t.addPerson();
    const cookie = await signInFresh(t, person.username, person.password);
    const [jobs, addresses] = [await count('jobs'), await count('recovery_emails')];
    const response = await t.request('POST', '/api/recovery/email', { json: { email: `${person.username}@home.example.net` }, cookie });
    expect(response.status).toBe(409);
    expect((await response.json()).error.code).toBe('mail_not_configured');
    expect([await count('jobs'), await count('recovery_emails')]).toEqual([jobs, addresses]);
  });
});

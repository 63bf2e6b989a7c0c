import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestAppWithMail, signInAs, signInFresh, type TestApp } from '../harness/app.js';
import { RECOVERY_BACKSTOP_FAILURES } from '../../server/features/password/flows.js';
import { availableDialects } from '../harness/db.js';
import { resetFlow } from '../harness/reset-flow.js';
import { type SmtpCapture } from '../harness/smtp.js';

/** Regression tests for the ways peers' reset tools were broken (SECURITY.md 1–8, 11, 17, 20). */
describe.each(availableDialects())('password reset security on %s', (dialect) => {
  let t: TestApp;
  let smtp: SmtpCapture;
  let flow: ReturnType<typeof resetFlow>;
  beforeAll(async () => {
    const app = await buildTestAppWithMail({ dialect, env: { TRUST_PROXY: '1' } });
    [t, smtp] = [app, app.smtp];
    flow = resetFlow(t, smtp);
  });
  afterAll(() => t.close());
  beforeEach(() => t.clock.advance(2 * 60 * 60_000));

  const countRows = async (table: 'password_flows' | 'one_time_secrets' | 'audit_events') =>
    Number(
      (
        await t.deps.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  /** Disables or enables a person in the built-in directory, as an administrator would in the directory itself. */
  const setDisabled = (username: string, disabled: boolean) =>
    t.deps.db.updateTable('directory_users').set({ disabled: disabled ? 1 : 0 }).where('username', '=', username).execute();

  it('answers "forgot" the same for an existing, missing, locked and disabled account', async () => {
    const [existing, locked, disabled, other] = await Promise.all([t.addPerson(), t.addPerson(), t.addPerson(), t.addPerson()]);
    for (let i = 0; i < 10; i++) await t.deps.directory.authenticate(locked.username, `wrong-${i}`);
    await setDisabled(disabled.username, true);
    const answers = [];
    for (const login of [existing.username, 'no-such-person', locked.username, disabled.username, 'nobody@example.com']) {
      const r = await flow.forgot(login);
      answers.push({
        status: r.status,
        keys: Object.keys(r.body),
        idShape: /^[A-Za-z0-9_-]{43}$/.test(r.body.flowId),
        type: r.headers.get('content-type'),
        cookie: r.headers.get('set-cookie'),
        referrer: r.headers.get('referrer-policy'),
      });
    }
    for (const answer of answers)
      expect(answer).toEqual({
        status: 202,
        keys: ['flowId'],
        idShape: true,
        type: 'application/json',
        cookie: null,
        referrer: 'no-referrer',
      });
    // ... and the flows offer the same methods, so the next step tells nothing either.
    const unknown = await flow.view(await flow.start('no-such-person-2'));
    const known = await flow.view(await flow.start(other.username));
    expect(unknown.body.methods).toEqual(known.body.methods);
  });

  it('takes about as long for a missing account as for an existing one', async () => {
    const time = async (login: string) => {
      const started = performance.now();
      await flow.forgot(login);
      return performance.now() - started;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const p = await t.addPerson();
    const existing: number[] = [];
    const missing: number[] = [];
    for (let i = 0; i < 9; i++) {
      t.clock.advance(16 * 60_000);
      existing.push(await time(p.username));
      missing.push(await time(`ghost-${i}`));
    }
    expect(Math.abs(median(existing) - median(missing))).toBeLessThan(25);
  });

  it('changes nothing on the account when a reset is asked for', async () => {
    const p = await t.addPerson();
    const session = await signInAs(t, p.username, p.password);
    await flow.start(p.username);
    expect((await t.request('GET', '/api/me', { cookie: session })).status).toBe(200);
    expect(await t.deps.directory.authenticate(p.username, p.password)).toMatchObject({ ok: true });
  });

  it('refuses to set a password without a verification in the same flow', async () => {
    const p = await t.addPerson();
    const unverified = await flow.start(p.username);
    const attempt = await flow.reset(unverified, 'a perfectly good password 1');
    expect(attempt.status).toBe(403);
    expect(attempt.body.error.code).toBe('verification_required');
    // A verification in one flow does not carry over to another.
    await flow.verifiedByEmail(p.username, p.email);
    expect((await flow.reset(unverified, 'a perfectly good password 1')).status).toBe(403);
    expect(await t.deps.directory.authenticate(p.username, p.password)).toMatchObject({ ok: true });
  });

  it('blocks completing a verified flow when the account is disabled or recovery gets locked mid-flow', async () => {
    const p = await t.addPerson();
    const disabledMidFlow = await flow.verifiedByEmail(p.username, p.email);
    await setDisabled(p.username, true);
    const refused = await flow.reset(disabledMidFlow, 'a perfectly good password 2');
    expect(refused.status).toBe(423);
    expect((await flow.unlock(disabledMidFlow)).status).toBe(423);
    await setDisabled(p.username, false);

    const lockedMidFlow = await flow.verifiedByEmail(p.username, p.email);
    await t.deps.db
      .insertInto('recovery_failures')
      .values({ username: p.username, scope: '*', consecutive: RECOVERY_BACKSTOP_FAILURES, updated_at: t.clock.now() })
      .execute();
    expect((await flow.reset(lockedMidFlow, 'a perfectly good password 2')).body.error.code).toBe('recovery_locked');
    expect(await t.deps.directory.authenticate(p.username, p.password)).toMatchObject({ ok: true });
  });

  it('lets exactly one of 50 parallel submissions use a verified flow', async () => {
    const p = await t.addPerson();
    const flowId = await flow.verifiedByEmail(p.username, p.email);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => flow.reset(flowId, `parallel password number ${i}`)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200).every((r) => r.status === 410)).toBe(true);
    const winner = results.findIndex((r) => r.status === 200);
    expect(await t.deps.directory.authenticate(p.username, `parallel password number ${winner}`)).toMatchObject({ ok: true });
  });

  it('accepts one code once, even when 50 requests race with it', async () => {
    const p = await t.addPerson();
    const flowId = await flow.start(p.username);
    const code = await flow.emailCode(flowId, p.email);
    const results = await Promise.all(Array.from({ length: 50 }, () => flow.verify(flowId, { method: 'email', code })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('lets a code expire after 10 minutes, checked when it is used', async () => {
    const p = await t.addPerson();
    const flowId = await flow.start(p.username);
    const code = await flow.emailCode(flowId, p.email);
    t.clock.advance(10 * 60_000 + 1);
    expect((await flow.verify(flowId, { method: 'email', code })).status).toBe(400);
    t.clock.advance(21 * 60_000);
    expect((await flow.view(flowId)).status).toBe(410); // and the flow itself after 30 minutes
  });

  it('builds links from PUBLIC_URL, never from Host or X-Forwarded-Host', async () => {
    const p = await t.addPerson();
    const hana = await signInFresh(t, 'hana');
    const before = smtp.to(p.email).length;
    const response = await t.request('POST', `/api/helpdesk/users/${p.username}/reset-link`, {
      json: {},
      cookie: hana,
      headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example', forwarded: 'host=evil.example' },
    });
    expect(response.status).toBe(202);
    const mail = await smtp.waitFor(p.email, before);
    expect(mail.text).toContain('http://portal.test/reset#token=');
    expect(mail.text).not.toContain('evil.example');
  });

  it.each([
    ['/api/password/forgot', { login: ['alice'] }],
    ['/api/password/forgot', { login: { $gt: '' } }],
    ['/api/password/forgot', { login: null }],
    ['/api/password/forgot', { login: 'alice', extra: 1 }],
    ['/api/password/policy-check', { password: 12345678 }],
    ['/api/password/flows/from-link', { token: ['x'] }],
  ])('refuses non-string input to %s with a 400 and writes nothing', async (path, json) => {
    const before = {
      flows: await countRows('password_flows'),
      secrets: await countRows('one_time_secrets'),
      audit: await countRows('audit_events'),
    };
    const response = await t.request('POST', path, { json });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe('validation_failed');
    expect({
      flows: await countRows('password_flows'),
      secrets: await countRows('one_time_secrets'),
      audit: await countRows('audit_events'),
    }).toEqual(before);
  });

  it.each([
    ['a number code', { method: 'email', code: 12345678 }],
    ['an object code', { method: 'email', code: { $ne: null } }],
    ['an unknown method', { method: 'security_question', answer: 'blue' }],
  ])('refuses %s at verify with a 400', async (_label, body) => {
    const flowId = await flow.start((await t.addPerson()).username);
    expect((await flow.verify(flowId, body)).status).toBe(400);
  });

  it.each([[null], [['a', 'b']], [{ toString: 'x' }], [''], [42]])(
    'refuses %j as a new password and writes nothing',
    async (newPassword) => {
      const p = await t.addPerson();
      const flowId = await flow.verifiedByEmail(p.username, p.email);
      const response = await flow.reset(flowId, newPassword);
      expect(response.status).toBe(400);
      expect(await t.deps.directory.authenticate(p.username, p.password)).toMatchObject({ ok: true });
    },
  );

  it('treats LDAP filter syntax in a login as a plain name', async () => {
    for (const login of ['*', 'a*', '*)(uid=*', 'alice)(|(uid=*']) {
      const flowId = await flow.start(login);
      expect((await flow.view(flowId)).body.methods).toEqual(['email', 'totp', 'passkey', 'helpdesk_code']);
      await flow.challenge(flowId, 'email');
    }
    expect(smtp.messages.every((m) => !m.text.includes('undefined'))).toBe(true);
  });

  it('does not let anyone flood a mailbox: 3 codes per flow, 5 per person an hour', async () => {
    const p = await t.addPerson();
    const before = smtp.to(p.email).length;
    const first = await flow.start(p.username);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await flow.challenge(first, 'email')).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const second = await flow.start(p.username);
    const more = [];
    for (let i = 0; i < 3; i++) more.push((await flow.challenge(second, 'email')).status);
    expect(more).toEqual([202, 202, 429]);
    await t.drainJobs();
    expect(smtp.to(p.email).length - before).toBe(5);
  });

  it('throttles "forgot" per login and per address', async () => {
    const p = await t.addPerson();
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await flow.forgot(p.username)).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });

  it('locks resets after 100 consecutive failed verifications; the help desk can clear it', async () => {
    const p = await t.addPerson();
    let failures = 0;
    while (failures < 100) {
      t.clock.advance(16 * 60_000);
      const flowId = await flow.start(p.username);
      for (let i = 0; i < 10 && failures < 100; i++, failures++) {
        expect((await flow.verify(flowId, { method: 'email', code: '00000000' })).status).toBe(400);
      }
    }
    t.clock.advance(16 * 60_000);
    const flowId = await flow.start(p.username);
    const code = await flow.emailCode(flowId, p.email);
    const locked = await flow.verify(flowId, { method: 'email', code });
    expect(locked.status).toBe(423);
    expect(locked.body.error.code).toBe('recovery_locked');

    const hana = await signInFresh(t, 'hana');
    await t.request('POST', `/api/helpdesk/users/${p.username}/unlock`, { json: {}, cookie: hana });
    expect((await flow.verify(flowId, { method: 'email', code })).status).toBe(200);
  });

  it('records who acted, for whom and from where for every help-desk action', async () => {
    const p = await t.addPerson();
    const hana = await signInFresh(t, 'hana');
    const from = { 'x-forwarded-for': '203.0.113.77' };
    await t.request('POST', `/api/helpdesk/users/${p.username}/verification-code`, { json: {}, cookie: hana, headers: from });
    await t.request('POST', `/api/helpdesk/users/${p.username}/unlock`, { json: {}, cookie: hana, headers: from });
    const rows = await t.deps.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', 'in', ['helpdesk.code_issued', 'helpdesk.unlock'])
      .where('subject', '=', p.username)
      .orderBy('id')
      .execute();
    expect(rows.map((r) => ({ action: r.action, actor: r.actor, subject: r.subject, ip: r.ip, result: r.result }))).toEqual([
      { action: 'helpdesk.code_issued', actor: 'hana', subject: p.username, ip: '203.0.113.77', result: 'success' },
      { action: 'helpdesk.unlock', actor: 'hana', subject: p.username, ip: '203.0.113.77', result: 'success' },
    ]);
  });

  it('keeps codes, flow ids and passwords out of logs, audit rows and other responses', async () => {
    const p = await t.addPerson();
    const flowId = await flow.verifiedByEmail(p.username, p.email);
    const rows = JSON.stringify(await t.deps.db.selectFrom('audit_events').selectAll().execute());
    expect(rows).not.toContain(flowId);
    const secrets = await t.deps.db.selectFrom('one_time_secrets').select('secret_hash').execute();
    for (const s of secrets) expect(s.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    const flows = await t.deps.db.selectFrom('password_flows').select('id_hash').execute();
    expect(flows.map((f) => f.id_hash)).not.toContain(flowId);
  });
});

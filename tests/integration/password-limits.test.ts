import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FLOW_MAX_FAILURES,
  RECOVERY_BACKSTOP_FAILURES,
  RECOVERY_LOCKOUT_FAILURES,
} from '../../server/features/password/flows.js';
import { CODE_MAX_ATTEMPTS } from '../../server/one-time-secrets/service.js';
import { addBuiltinPerson } from '../directory/fixtures.js';
import { buildTestAppWithMail, signInFresh, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';
import { codeIn, type SmtpCapture } from '../harness/smtp.js';

/**
 * Guess limits are counted and compared in one statement before a guess is judged, so a parallel
 * burst gets no more guesses than the limit (security review: check-then-act limits). And the
 * recovery lockout counts per (person, client address), so a guesser elsewhere cannot lock the
 * person out of self-service.
 */
describe.each(availableDialects())('reset guess limits under parallel bursts on %s', (dialect) => {
  let t: TestApp;
  let smtp: SmtpCapture;
  beforeAll(async () => {
    const app = await buildTestAppWithMail({ dialect });
    [t, smtp] = [app, app.smtp];
  });
  afterAll(() => t.close());
  beforeEach(() => t.clock.advance(2 * 60 * 60_000));

  /** A throwaway employee with a work address, so no demo person is ever locked. */
  async function person() {
    const username = `limits-${randomBytes(4).toString('hex')}`;
    const email = `${username}@example.com`;
    await addBuiltinPerson(t.deps.db, { username, password: `Throwaway-${randomBytes(6).toString('hex')}`, email });
    return { username, email };
  }
  const call = async (method: string, path: string, json: unknown, ip: string) => {
    const response = await t.request(method, path, { json, ip });
    return { status: response.status, body: await response.json() };
  };
  const start = async (login: string, ip: string): Promise<string> => {
    const r = await call('POST', '/api/password/forgot', { login }, ip);
    expect(r.status).toBe(202);
    return r.body.flowId;
  };
  const verify = (flowId: string, body: unknown, ip: string) => call('POST', `/api/password/flows/${flowId}/verify`, body, ip);
  const emailCode = async (flowId: string, address: string, ip: string): Promise<string> => {
    const before = smtp.to(address).length;
    expect((await call('POST', `/api/password/flows/${flowId}/challenge`, { method: 'email' }, ip)).status).toBe(202);
    return codeIn(await smtp.waitFor(address, before));
  };
  const tally = (results: { status: number; body: { error?: { code: string } } }[]) => {
    const counts: Record<string, number> = {};
    for (const r of results) {
      const key = `${r.status} ${r.body.error?.code ?? 'ok'}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  };

  it(`judges at most ${FLOW_MAX_FAILURES} of 50 parallel wrong codes against one flow; the rest answer 429`, async () => {
    const p = await person();
    const flowId = await start(p.username, '198.51.100.1');
    // The authenticator method has no per-code limit, so the flow's own limit is the one that binds.
    const results = await Promise.all(Array.from({ length: 50 }, () => verify(flowId, { method: 'totp', code: '000000' }, '198.51.100.1')));
    expect(tally(results)).toEqual({ '400 verification_failed': FLOW_MAX_FAILURES, '429 rate_limited': 50 - FLOW_MAX_FAILURES });
  });

  it(`judges at most ${CODE_MAX_ATTEMPTS} of 50 parallel wrong guesses at one mailed code; the rest answer 429`, async () => {
    const p = await person();
    const flowId = await start(p.username, '198.51.100.2');
    const code = await emailCode(flowId, p.email, '198.51.100.2');
    const wrong = code === '00000000' ? '11111111' : '00000000';
    const results = await Promise.all(Array.from({ length: 50 }, () => verify(flowId, { method: 'email', code: wrong }, '198.51.100.2')));
    expect(tally(results)).toEqual({ '400 verification_failed': CODE_MAX_ATTEMPTS, '429 rate_limited': 50 - CODE_MAX_ATTEMPTS });
    // The code has used its guesses: even the right one is no longer judged.
    expect((await verify(flowId, { method: 'email', code }, '198.51.100.2')).status).toBe(429);
  });

  it(`judges at most ${CODE_MAX_ATTEMPTS} parallel wrong guesses at one help-desk code across several flows`, async () => {
    const p = await person();
    // Five flows a login and window: start them under the username and the work address.
    const flows = [];
    for (const login of [p.username, p.email]) for (let i = 0; i < 4; i++) flows.push(await start(login, '198.51.100.3'));
    const hana = await signInFresh(t, 'hana');
    const issued = await t.request('POST', `/api/helpdesk/users/${p.username}/verification-code`, { json: {}, cookie: hana });
    const { code } = (await issued.json()) as { code: string };
    const wrong = code === '00000000' ? '11111111' : '00000000';
    const results = await Promise.all(
      flows.flatMap((flowId) => Array.from({ length: 5 }, () => verify(flowId, { method: 'helpdesk_code', code: wrong }, '198.51.100.3'))),
    );
    expect(tally(results)).toEqual({ '400 verification_failed': CODE_MAX_ATTEMPTS, '429 rate_limited': 40 - CODE_MAX_ATTEMPTS });
  });

  it('stops a parallel burst at the consecutive-failure lockout from one address', async () => {
    const p = await person();
    const ip = '198.51.100.4';
    const flows = [];
    for (let i = 0; i < 5; i++) flows.push(await start(p.username, ip));
    // 95 failures from this address already (the per-address verify limit would stop one caller
    // from reaching 100 in one window anyway); a burst of 50 more may add only 5.
    await t.deps.db
      .insertInto('recovery_failures')
      .values({ username: p.username, scope: ip, consecutive: RECOVERY_LOCKOUT_FAILURES - 5, updated_at: t.clock.now() })
      .execute();
    const results = await Promise.all(
      flows.flatMap((flowId) => Array.from({ length: 10 }, () => verify(flowId, { method: 'totp', code: '000000' }, ip))),
    );
    expect(tally(results)).toEqual({ '400 verification_failed': 5, '423 recovery_locked': 45 });
  });

  it('stops a parallel burst from many addresses at the per-person backstop', async () => {
    const p = await person();
    const flows = [];
    for (let i = 0; i < 5; i++) flows.push(await start(p.username, '198.51.100.5'));
    await t.deps.db
      .insertInto('recovery_failures')
      .values({ username: p.username, scope: '*', consecutive: RECOVERY_BACKSTOP_FAILURES - 5, updated_at: t.clock.now() })
      .execute();
    const results = await Promise.all(
      flows.flatMap((flowId, f) =>
        Array.from({ length: 10 }, (_, i) => verify(flowId, { method: 'totp', code: '000000' }, `203.0.113.${f * 10 + i + 1}`)),
      ),
    );
    expect(tally(results)).toEqual({ '400 verification_failed': 5, '423 recovery_locked': 45 });
  });

  it('keeps the person able to reset from their own address while another address is locked out; the help desk clears both', async () => {
    const p = await person();
    const attacker = '198.51.100.66';
    const home = '198.51.100.7';
    // A guesser elsewhere used up that address's 100 consecutive failures...
    await t.deps.db
      .insertInto('recovery_failures')
      .values({ username: p.username, scope: attacker, consecutive: RECOVERY_LOCKOUT_FAILURES, updated_at: t.clock.now() })
      .execute();
    const theirs = await start(p.username, attacker);
    const refused = await verify(theirs, { method: 'email', code: await emailCode(theirs, p.email, attacker) }, attacker);
    expect(refused).toMatchObject({ status: 423, body: { error: { code: 'recovery_locked' } } });

    // ... and the person, from their own address, still gets through.
    const mine = await start(p.username, home);
    expect((await verify(mine, { method: 'email', code: await emailCode(mine, p.email, home) }, home)).status).toBe(200);

    // The help desk's unlock clears the per-address and the per-person counts.
    await t.deps.db
      .insertInto('recovery_failures')
      .values([
        { username: p.username, scope: attacker, consecutive: RECOVERY_LOCKOUT_FAILURES, updated_at: t.clock.now() },
        { username: p.username, scope: '*', consecutive: RECOVERY_BACKSTOP_FAILURES, updated_at: t.clock.now() },
      ])
      .execute();
    const hana = await signInFresh(t, 'hana');
    expect((await t.request('POST', `/api/helpdesk/users/${p.username}/unlock`, { json: {}, cookie: hana })).status).toBe(200);
    const rows = await t.deps.db.selectFrom('recovery_failures').select('scope').where('username', '=', p.username).execute();
    expect(rows).toEqual([]);
  });
});

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Attribute, Change } from 'ldapts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Directory, FindOptions } from '../../server/directory/port.js';
import { passwordDepsOf } from '../../server/features/password/routes.js';
import { insertPasskey } from '../../server/features/recovery/repository.js';
import { beginTotpEnrolment } from '../../server/features/recovery/totp.js';
import type { Mailer, OutgoingMail } from '../../server/mail/port.js';
import { addBuiltinPerson } from '../directory/fixtures.js';
import { buildTestApp, type TestApp } from '../harness/app.js';
import { availableDialects, type DialectName } from '../harness/db.js';
import { addLdapUser, ldapBind, slapdPortalEnv, withLdapAdmin } from '../harness/slapd.js';

const slapd = inject('slapd');

/**
 * Reset flows must not tell who exists or how they are enrolled (security review item 7): for
 * people of every enrolment state, locked, disabled and missing, each step answers with the same
 * status and body, counts toward the same limits, asks the directory the same questions (none
 * that read groups), and takes about as long.
 */
const STATES = ['none', 'email', 'totp', 'passkey', 'all', 'locked', 'disabled', 'missing'] as const;
type State = (typeof STATES)[number];
/** At least 30 tries each, and a multiple of the states so each takes every turn in a round equally often. */
const ROUNDS = 32;
/** A name part the password policy refuses inside a person's own password. */
const FAMILY_NAME = 'Quartermaine';
const NAMED_PASSWORD = `${FAMILY_NAME.toLowerCase()} rides a long way home`;

interface Target {
  label: string;
  available: boolean;
  dialect: DialectName;
  env: () => Record<string, string>;
  /** Adds a person to the directory; `email` empty for none. */
  addPerson(t: TestApp, username: string, email: string): Promise<void>;
  lock(t: TestApp, username: string): Promise<void>;
  disable(t: TestApp, username: string): Promise<void>;
}

const builtin = (dialect: DialectName): Target => ({
  label: `built-in directory on ${dialect}`,
  available: true,
  dialect,
  env: () => ({}),
  async addPerson(t, username, email) {
    await addBuiltinPerson(t.deps.db, { username, email, password: `Throwaway-${randomBytes(6).toString('hex')}`, displayName: `Zeb ${FAMILY_NAME}` });
  },
  async lock(t, username) {
    await t.deps.db.updateTable('directory_users').set({ locked_at: t.clock.now() }).where('username', '=', username).execute();
  },
  async disable(t, username) {
    await t.deps.db.updateTable('directory_users').set({ disabled: 1 }).where('username', '=', username).execute();
  },
});

const ldapPassword = 'first password of many';
const ldap: Target = {
  label: 'OpenLDAP',
  available: Boolean(slapd),
  dialect: 'sqlite',
  env: () => ({ PORTAL_DEMO: '0', ...slapdPortalEnv(slapd!) }),
  async addPerson(_t, username, email) {
    await addLdapUser(slapd!, { username, password: ldapPassword, displayName: `Zeb ${FAMILY_NAME}`, ...(email ? { email } : {}) });
  },
  async lock(_t, username) {
    const dn = `uid=${username},${slapd!.userBase}`;
    for (let i = 0; i < 3; i++) await expect(ldapBind(slapd!, dn, `wrong-${i}`)).rejects.toThrow();
  },
  async disable(_t, username) {
    await withLdapAdmin(slapd!, (client) =>
      client.modify(
        `uid=${username},${slapd!.userBase}`,
        new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: ['000001010000Z'] }) }),
      ),
    );
  },
};

const targets = [...availableDialects().map(builtin), ldap].filter((target) => target.available);

/** Records every directory look-up, to compare what existing and missing people cost. */
function probeDirectory(directory: Directory) {
  const calls: string[] = [];
  const findUser = directory.findUser.bind(directory);
  const findUserByEmail = directory.findUserByEmail.bind(directory);
  directory.findUser = (username: string, options?: FindOptions) => {
    calls.push(`findUser brief=${options?.brief === true}`);
    return findUser(username, options);
  };
  directory.findUserByEmail = (email: string, options?: FindOptions) => {
    calls.push(`findUserByEmail brief=${options?.brief === true}`);
    return findUserByEmail(email, options);
  };
  return calls;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe.each(targets)('reset flows tell nobody who exists: $label', (target) => {
  let t: TestApp;
  let calls: string[];
  const logins = {} as Record<State, string>;
  const sent: OutgoingMail[] = [];
  // Mail goes out later through the job queue; the request's own work is what must not differ.
  const mailer: Mailer = { send: async (mail) => void sent.push(mail), close: async () => {} };

  beforeAll(async () => {
    t = await buildTestApp({ dialect: target.dialect, env: target.env(), overrides: { mailer } });
    calls = probeDirectory(t.deps.directory);
    const deps = passwordDepsOf(t.deps);
    for (const state of STATES) {
      const username = `enum-${state}-${randomBytes(3).toString('hex')}`;
      logins[state] = username;
      if (state === 'missing') continue;
      const hasEmail = ['email', 'all', 'locked', 'disabled'].includes(state);
      await target.addPerson(t, username, hasEmail ? `${username}@example.com` : '');
      if (state === 'totp' || state === 'all') {
        await beginTotpEnrolment(deps, username);
        await t.deps.db.updateTable('totp_factors').set({ confirmed_at: t.clock.now() }).where('username', '=', username).execute();
      }
      if (state === 'passkey' || state === 'all') {
        await insertPasskey(t.deps.db, {
          credential_id: randomBytes(16).toString('base64url'),
          username,
          public_key: randomBytes(32).toString('base64url'),
          counter: 0,
          transports: null,
          name: 'test key',
          created_at: t.clock.now(),
          last_used_at: null,
        });
      }
      if (state === 'locked') await target.lock(t, username);
      if (state === 'disabled') await target.disable(t, username);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  const call = async (method: string, path: string, json: unknown, ip: string) => {
    const response = await t.request(method, path, { json, ip });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  /** Every step of a reset as an attacker would probe it, reduced to what may not differ. */
  async function probe(login: string, ip: string) {
    const calledBefore = calls.length;
    const started = performance.now();
    const forgot = await call('POST', '/api/password/forgot', { login }, ip);
    const flowId = forgot.body.flowId as string;
    const flowPath = `/api/password/flows/${flowId}`;
    const view = await call('GET', flowPath, undefined, ip);
    const email = await call('POST', `${flowPath}/challenge`, { method: 'email' }, ip);
    const wrongEmail = await call('POST', `${flowPath}/verify`, { method: 'email', code: '00000000' }, ip);
    const wrongTotp = await call('POST', `${flowPath}/verify`, { method: 'totp', code: '000000' }, ip);
    const passkey = await call('POST', `${flowPath}/challenge`, { method: 'passkey' }, ip);
    const fakeAssertion = {
      id: 'AAAA',
      rawId: 'AAAA',
      type: 'public-key',
      response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' },
      clientExtensionResults: {},
    };
    const wrongPasskey = await call('POST', `${flowPath}/verify`, { method: 'passkey', assertion: fakeAssertion }, ip);
    const policy = await call('POST', '/api/password/policy-check', { password: NAMED_PASSWORD, flowId }, ip);
    const ms = performance.now() - started;
    const { expiresAt, ...viewBody } = view.body;
    const options = passkey.body.passkeyOptions ?? {};
    return {
      ms,
      answers: {
        forgot: { status: forgot.status, keys: Object.keys(forgot.body), id: /^[A-Za-z0-9_-]{43}$/.test(flowId) },
        view: { status: view.status, body: viewBody, expires: typeof expiresAt },
        email,
        wrongEmail,
        wrongTotp,
        passkey: {
          status: passkey.status,
          keys: Object.keys(passkey.body).sort(),
          optionKeys: Object.keys(options).sort(),
          allowCredentials: options.allowCredentials ?? null,
        },
        wrongPasskey,
        policy,
        directory: calls.slice(calledBefore),
      },
    };
  }

  it('answers every step alike, asks the directory alike (never for groups), and takes about as long', async () => {
    const times = Object.fromEntries(STATES.map((s) => [s, [] as number[]])) as Record<State, number[]>;
    const anonymousVerdict = await call('POST', '/api/password/policy-check', { password: NAMED_PASSWORD }, '192.0.2.250');
    let reference: unknown;
    // One warm-up round, then ROUNDS measured ones; the people take turns in a rotating order, each
    // first, second, … equally often, so whatever the machine's load does falls on all of them alike.
    for (let round = 0; round <= ROUNDS; round++) {
      t.clock.advance(16 * 60_000); // fresh rate-limit windows
      const order = STATES.map((_, i) => STATES[(i + round) % STATES.length]!);
      for (const state of order) {
        const { ms, answers } = await probe(logins[state], `192.0.2.${round + 1}`);
        if (round > 0) times[state].push(ms);
        reference ??= answers;
        expect({ state, ...answers }).toEqual({ state, ...(reference as object) });
      }
    }
    const first = reference as Awaited<ReturnType<typeof probe>>['answers'];
    // What the shared answer is: every method offered, every guess a plain failure, no credential
    // listed, the anonymous password verdict, and only brief directory look-ups.
    expect(first.view.body.methods).toEqual(['email', 'totp', 'passkey', 'helpdesk_code']);
    expect(first.email).toEqual({ status: 202, body: { sent: true } });
    for (const wrong of [first.wrongEmail, first.wrongTotp, first.wrongPasskey]) {
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.code).toBe('verification_failed');
    }
    expect(first.passkey.allowCredentials).toBeNull();
    expect(first.policy).toEqual(anonymousVerdict);
    expect(first.directory.every((c) => c.endsWith('brief=true'))).toBe(true);

    // Each try is compared with the median of its own round (the machine's load changes between
    // rounds, not within one), then each state's median ratio with the others'.
    const ratios = Object.fromEntries(STATES.map((s) => [s, [] as number[]])) as Record<State, number[]>;
    for (let round = 0; round < ROUNDS; round++) {
      const middle = median(STATES.map((s) => times[s][round]!));
      for (const state of STATES) ratios[state].push(times[state][round]! / middle);
    }
    const medians = Object.fromEntries(STATES.map((s) => [s, Number(median(ratios[s]).toFixed(3))])) as Record<State, number>;
    const spread = Math.max(...Object.values(medians)) / Math.min(...Object.values(medians));
    expect(spread, `median time per state, relative to each round's median: ${JSON.stringify(medians)}`).toBeLessThanOrEqual(1.2);
  }, 300_000);

  it('records a method nobody set up like a wrong code in the audit trail', async () => {
    t.clock.advance(16 * 60_000);
    const ip = '192.0.2.200';
    for (const state of ['none', 'all'] as const) await probe(logins[state], ip);
    const rows = await t.deps.db
      .selectFrom('audit_events')
      .select(['action', 'actor', 'subject', 'result', 'details'])
      .where('action', '=', 'password.verify')
      .where('ip', '=', ip)
      .orderBy('id')
      .execute();
    const shape = (subject: string) =>
      rows.filter((r) => r.subject === subject).map((r) => ({ action: r.action, actor: r.actor, result: r.result, details: r.details }));
    expect(shape(logins.none)).toHaveLength(3);
    expect(shape(logins.none)).toEqual(shape(logins.all));
  });

  it('counts the mailed-code limits alike for a person and for nobody', async () => {
    const statuses: Record<string, number[][]> = {};
    for (const state of ['email', 'missing'] as const) {
      t.clock.advance(2 * 60 * 60_000);
      const ip = '192.0.2.201';
      const runs: number[][] = [];
      for (let f = 0; f < 2; f++) {
        const { body } = await call('POST', '/api/password/forgot', { login: logins[state] }, ip);
        const run = [];
        for (let i = 0; i < 4; i++) run.push((await call('POST', `/api/password/flows/${body.flowId}/challenge`, { method: 'email' }, ip)).status);
        runs.push(run);
      }
      statuses[state] = runs;
    }
    // 3 codes a flow, 5 a person an hour: the second flow's third code is refused, for both.
    expect(statuses.email).toEqual([
      [202, 202, 202, 429],
      [202, 202, 429, 429],
    ]);
    expect(statuses.missing).toEqual(statuses.email);
  });

  it("checks a password against the person's names only once the flow is verified", async () => {
    t.clock.advance(16 * 60_000);
    const ip = '192.0.2.202';
    const { body } = await call('POST', '/api/password/forgot', { login: logins.email }, ip);
    const flowId = body.flowId as string;
    const check = async () => (await call('POST', '/api/password/policy-check', { password: NAMED_PASSWORD, flowId }, ip)).body;
    expect((await check()).problems).not.toContain('contains_name');
    // Mail earlier tests left in the queue (codes of other flows, to the same address) goes out first.
    await t.drainJobs();
    const before = sent.length;
    await call('POST', `/api/password/flows/${flowId}/challenge`, { method: 'email' }, ip);
    await t.drainJobs(); // mail leaves through the job queue, after the answer
    const code = /^\s+(\d{8})\s*$/m.exec(sent.slice(before).filter((m) => m.to === `${logins.email}@example.com`).at(-1)!.text)![1]!;
    expect((await call('POST', `/api/password/flows/${flowId}/verify`, { method: 'email', code }, ip)).status).toBe(200);
    expect((await check()).problems).toContain('contains_name');
  });
});

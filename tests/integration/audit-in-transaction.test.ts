import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../shared/roles.js';
import { verifyAuditChain } from '../../server/audit/verify.js';
import { issueVerificationCode, unlockForCaller } from '../../server/features/helpdesk/service.js';
import type { PasswordDeps } from '../../server/features/password/deps.js';
import { passwordDepsOf } from '../../server/features/password/routes.js';
import { addRecoveryEmail, confirmTotpEnrolment, removeRecoveryEmail, removeTotp } from '../../server/features/recovery/service.js';
import { beginTotpEnrolment } from '../../server/features/recovery/totp.js';
import { buildTestApp, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';

/** hana, as the help desk's services see her. */
const HANA = { username: 'hana', roles: ['employee', 'helpdesk'] as Role[] };

/**
 * Privileged changes and their audit rows commit together: when the audit row cannot be written,
 * the change it describes does not happen either (and the other way round).
 */
// The people changed here are throwaway ones, so the demo people stay as seeded for every test.
describe.each(availableDialects())('audit rows in the caller’s transaction on %s', (dialect) => {
  let t: TestApp;
  let deps: PasswordDeps;
  let staffDeps: () => PasswordDeps & { roleGroups: typeof t.deps.config.roleGroups };
  beforeAll(async () => {
    t = await buildTestApp({ dialect });
    deps = passwordDepsOf(t.deps);
    staffDeps = () => ({ ...deps, roleGroups: t.deps.config.roleGroups });
  });
  afterAll(() => t.close());

  /** Runs `work` while no audit row can be appended (the chain head is gone), then puts the head back. */
  async function withAuditFailing(work: () => Promise<unknown>): Promise<void> {
    const head = await t.deps.db.selectFrom('audit_chain_head').selectAll().executeTakeFirstOrThrow();
    await t.deps.db.deleteFrom('audit_chain_head').execute();
    try {
      await expect(work()).rejects.toThrow();
    } finally {
      await t.deps.db.insertInto('audit_chain_head').values(head).execute();
    }
  }

  const audited = (action: string) =>
    t.deps.db.selectFrom('audit_events').select(['actor', 'subject']).where('action', '=', action).execute();

  it('keeps the authenticator app when its removal cannot be audited', async () => {
    const person = (await t.addPerson()).username;
    const now = t.clock.now();
    await t.deps.db
      .insertInto('totp_factors')
      .values({ username: person, secret: 'JBSWY3DPEHPK3PXP', confirmed_at: now, last_step: null, created_at: now })
      .execute();
    await withAuditFailing(() => removeTotp(deps, person));
    expect(await t.deps.db.selectFrom('totp_factors').select('username').where('username', '=', person).execute()).toHaveLength(1);

    await removeTotp(deps, person);
    expect(await t.deps.db.selectFrom('totp_factors').select('username').where('username', '=', person).execute()).toHaveLength(0);
    expect(await audited('recovery.totp_removed')).toEqual([{ actor: person, subject: null }]);
  });

  it('leaves an authenticator app unconfirmed when its enrolment cannot be audited', async () => {
    const person = (await t.addPerson()).username;
    const setup = await beginTotpEnrolment(deps, person);
    const code = new TOTP({ secret: Secret.fromBase32(setup.secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
      timestamp: t.clock.now(),
    });
    await withAuditFailing(() => confirmTotpEnrolment(deps, person, code));
    expect(await t.deps.db.selectFrom('totp_factors').select('confirmed_at').where('username', '=', person).execute()).toEqual([
      { confirmed_at: null },
    ]);

    // Nothing was used up: the same code confirms it once the audit trail works again.
    expect(await confirmTotpEnrolment(deps, person, code)).toBe(true);
    expect(await audited('recovery.totp_enrolled')).toEqual([{ actor: person, subject: null }]);
  });

  it('keeps the recovery email when its removal cannot be audited, and adds none unaudited', async () => {
    const person = (await t.addPerson()).username;
    const other = (await t.addPerson()).username;
    await t.deps.db
      .insertInto('recovery_emails')
      .values({ username: person, email: `${person}.home@example.net`, confirmed_at: 1, created_at: 1 })
      .execute();
    await withAuditFailing(() => removeRecoveryEmail(deps, person));
    expect(await t.deps.db.selectFrom('recovery_emails').select('email').where('username', '=', person).execute()).toEqual([
      { email: `${person}.home@example.net` },
    ]);

    await withAuditFailing(() => addRecoveryEmail(deps, other, `${other}.home@example.net`));
    expect(await t.deps.db.selectFrom('recovery_emails').select('email').where('username', '=', other).execute()).toEqual([]);
  });

  it('issues no help-desk code that the audit trail does not show', async () => {
    const person = (await t.addPerson()).username;
    await withAuditFailing(() => issueVerificationCode(staffDeps(), person, HANA));
    const codes = await t.deps.db
      .selectFrom('one_time_secrets')
      .select('id')
      .where('username', '=', person)
      .where('purpose', '=', 'helpdesk_code')
      .execute();
    expect(codes).toEqual([]);

    await issueVerificationCode(staffDeps(), person, HANA);
    expect(await audited('helpdesk.code_issued')).toEqual([{ actor: 'hana', subject: person }]);
  });

  it('keeps the failed-verification count when a help-desk unlock cannot be audited', async () => {
    const person = (await t.addPerson()).username;
    await t.deps.db.insertInto('recovery_failures').values({ username: person, scope: '*', consecutive: 7, updated_at: 1 }).execute();
    await withAuditFailing(() => unlockForCaller(staffDeps(), person, HANA));
    expect(await t.deps.db.selectFrom('recovery_failures').select('consecutive').where('username', '=', person).execute()).toEqual([
      { consecutive: 7 },
    ]);

    await unlockForCaller(staffDeps(), person, HANA);
    expect(await t.deps.db.selectFrom('recovery_failures').select('consecutive').where('username', '=', person).execute()).toEqual([]);
    expect(await audited('helpdesk.unlock')).toEqual([{ actor: 'hana', subject: person }]);
    expect(await verifyAuditChain(t.deps.db)).toMatchObject({ intact: true });
  });
});

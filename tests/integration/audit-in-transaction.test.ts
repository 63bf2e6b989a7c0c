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
    const now = t.clock.now();
    await t.deps.db
      .insertInto('totp_factors')
      .values({ username: 'alice', secret: 'JBSWY3DPEHPK3PXP', confirmed_at: now, last_step: null, created_at: now })
      .execute();
    await withAuditFailing(() => removeTotp(deps, 'alice'));
    expect(await t.deps.db.selectFrom('totp_factors').select('username').where('username', '=', 'alice').execute()).toHaveLength(1);

    await removeTotp(deps, 'alice');
    expect(await t.deps.db.selectFrom('totp_factors').select('username').where('username', '=', 'alice').execute()).toHaveLength(0);
    expect(await audited('recovery.totp_removed')).toEqual([{ actor: 'alice', subject: null }]);
  });

  it('leaves an authenticator app unconfirmed when its enrolment cannot be audited', async () => {
    const setup = await beginTotpEnrolment(deps, 'bob');
    const code = new TOTP({ secret: Secret.fromBase32(setup.secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
      timestamp: t.clock.now(),
    });
    await withAuditFailing(() => confirmTotpEnrolment(deps, 'bob', code));
    expect(await t.deps.db.selectFrom('totp_factors').select('confirmed_at').where('username', '=', 'bob').execute()).toEqual([
      { confirmed_at: null },
    ]);

    // Nothing was used up: the same code confirms it once the audit trail works again.
    expect(await confirmTotpEnrolment(deps, 'bob', code)).toBe(true);
    expect(await audited('recovery.totp_enrolled')).toEqual([{ actor: 'bob', subject: null }]);
  });

  it('keeps the recovery email when its removal cannot be audited, and adds none unaudited', async () => {
    await t.deps.db
      .insertInto('recovery_emails')
      .values({ username: 'alice', email: 'alice.home@example.net', confirmed_at: 1, created_at: 1 })
      .execute();
    await withAuditFailing(() => removeRecoveryEmail(deps, 'alice'));
    expect(await t.deps.db.selectFrom('recovery_emails').select('email').where('username', '=', 'alice').execute()).toEqual([
      { email: 'alice.home@example.net' },
    ]);

    await withAuditFailing(() => addRecoveryEmail(deps, 'bob', 'bob.home@example.net'));
    expect(await t.deps.db.selectFrom('recovery_emails').select('email').where('username', '=', 'bob').execute()).toEqual([]);
  });

  it('issues no help-desk code that the audit trail does not show', async () => {
    await withAuditFailing(() => issueVerificationCode(staffDeps(), 'alice', HANA));
    const codes = await t.deps.db
      .selectFrom('one_time_secrets')
      .select('id')
      .where('username', '=', 'alice')
      .where('purpose', '=', 'helpdesk_code')
      .execute();
    expect(codes).toEqual([]);

    await issueVerificationCode(staffDeps(), 'alice', HANA);
    expect(await audited('helpdesk.code_issued')).toEqual([{ actor: 'hana', subject: 'alice' }]);
  });

  it('keeps the failed-verification count when a help-desk unlock cannot be audited', async () => {
    await t.deps.db.insertInto('recovery_failures').values({ username: 'alice', scope: '*', consecutive: 7, updated_at: 1 }).execute();
    await withAuditFailing(() => unlockForCaller(staffDeps(), 'alice', HANA));
    expect(await t.deps.db.selectFrom('recovery_failures').select('consecutive').where('username', '=', 'alice').execute()).toEqual([
      { consecutive: 7 },
    ]);

    await unlockForCaller(staffDeps(), 'alice', HANA);
    expect(await t.deps.db.selectFrom('recovery_failures').select('consecutive').where('username', '=', 'alice').execute()).toEqual([]);
    expect(await audited('helpdesk.unlock')).toEqual([{ actor: 'hana', subject: 'alice' }]);
    expect(await verifyAuditChain(t.deps.db)).toMatchObject({ intact: true });
  });
});

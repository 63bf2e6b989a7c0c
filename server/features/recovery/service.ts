import type { VerificationMethod } from '../../../shared/password.js';
import type { RecoveryProfile } from '../../../shared/recovery.js';
import type { DirectoryUser } from '../../directory/port.js';
import { errors } from '../../errors.js';
import { recoveryChangeMail, type RecoveryChange, recoveryEmailConfirmationMail } from '../../mail/templates.js';
import type { RateLimitRule } from '../../rate-limit/limiter.js';
import { addressesOf } from '../password/addresses.js';
import type { PasswordDeps } from '../password/deps.js';
import { issueCode, TTL, verifyCode, voidSecretsOf } from '../../one-time-secrets/service.js';
import { getResetPolicy } from '../settings/service.js';
import {
  confirmRecoveryEmail,
  deletePasskey,
  deleteRecoveryEmail,
  deleteTotp,
  findRecoveryEmail,
  findTotp,
  listPasskeys,
  upsertRecoveryEmail,
} from './repository.js';
import { registerPasskey } from './passkeys.js';
import { verifyTotpCode } from './totp.js';

/** Confirmation mails per person per hour. */
export const CONFIRM_MAIL_RULE: RateLimitRule = { name: 'confirm-mail:account', limit: 5, windowMs: 60 * 60_000 };

export async function recoveryProfile(deps: PasswordDeps, user: DirectoryUser): Promise<RecoveryProfile> {
  const [email, totp, passkeys, policy] = await Promise.all([
    findRecoveryEmail(deps.db, user.username),
    findTotp(deps.db, user.username),
    listPasskeys(deps.db, user.username),
    getResetPolicy(deps.db),
  ]);
  const emailConfirmed = email?.confirmed_at != null;
  const fallback = policy.workEmailFallback && user.email ? user.email : null;
  const ready: VerificationMethod[] = [];
  if (emailConfirmed || fallback) ready.push('email');
  if (totp?.confirmed_at != null) ready.push('totp');
  if (passkeys.length) ready.push('passkey');
  return {
    recoveryEmail: email ? { address: email.email, confirmed: emailConfirmed } : null,
    workEmailFallback: fallback,
    totp: { enrolled: totp?.confirmed_at != null },
    passkeys: passkeys.map((p) => ({
      id: p.credential_id,
      name: p.name,
      createdAt: new Date(p.created_at).toISOString(),
      lastUsedAt: p.last_used_at ? new Date(p.last_used_at).toISOString() : null,
    })),
    ready,
  };
}

/** Every address on file for the person now: the work address and the confirmed recovery address. */
async function noticeAddresses(deps: PasswordDeps, username: string): Promise<string[]> {
  const user = await deps.directory.findUser(username);
  if (!user) return [];
  return (await addressesOf(deps.db, user, await getResetPolicy(deps.db))).forNotices;
}

/**
 * Tells every address on file that a recovery factor changed, with what to do if it was not them:
 * someone at an unlocked laptop could otherwise add their own way in unnoticed. `before` adds the
 * addresses known before the change (a removed recovery address hears about its removal too).
 * Mail trouble never undoes the change.
 */
export async function notifyRecoveryChange(
  deps: PasswordDeps,
  username: string,
  change: RecoveryChange,
  before: readonly string[] = [],
): Promise<void> {
  const now = await noticeAddresses(deps, username);
  const helpUrl = new URL('/forgot', deps.publicUrl).href;
  for (const to of new Set([...before, ...now])) {
    try {
      await deps.mailer.send(recoveryChangeMail(to, change, username, new Date(deps.clock.now()), helpUrl));
    } catch (error) {
      deps.logger.error({ err: (error as Error).message, change }, 'recovery change notice not sent');
    }
  }
}

/** Saves a personal address as pending and mails it a code; it counts only once confirmed. */
export async function addRecoveryEmail(deps: PasswordDeps, username: string, email: string): Promise<void> {
  await deps.rateLimiter.consume(CONFIRM_MAIL_RULE, username);
  // Replacing a confirmed address unconfirms it: tell it before it drops off the list.
  const before = await noticeAddresses(deps, username);
  const now = deps.clock.now();
  const { secret: code } = await deps.db.transaction().execute(async (trx) => {
    await upsertRecoveryEmail(trx, username, email, now);
    await voidSecretsOf({ ...deps, db: trx }, username, ['email_confirm']);
    const issued = await issueCode({ ...deps, db: trx }, { purpose: 'email_confirm', username });
    await deps.audit.record({ action: 'recovery.email_added', actor: username, result: 'success' }, trx);
    return issued;
  });
  await deps.mailer.send(recoveryEmailConfirmationMail(email, code, TTL.email_confirm / 60_000, deps.companyName));
  // The new address is not on file until confirmed; the addresses that are hear about it now.
  await notifyRecoveryChange(deps, username, 'email_added', before);
}

export async function confirmRecoveryEmailCode(deps: PasswordDeps, username: string, code: string): Promise<void> {
  // A confirmed address being replaced is told too.
  const before = await noticeAddresses(deps, username);
  const now = deps.clock.now();
  // Adding an address voids its earlier codes, so only the newest one is live.
  if (!(await verifyCode(deps, { purpose: 'email_confirm', username, code })).ok) {
    throw errors.verificationFailed('That code is not right or has expired. Check the mail we sent, or send a new code.');
  }
  await deps.db.transaction().execute(async (trx) => {
    await confirmRecoveryEmail(trx, username, now);
    await deps.audit.record({ action: 'recovery.email_confirmed', actor: username, result: 'success' }, trx);
  });
  await notifyRecoveryChange(deps, username, 'email_confirmed', before);
}

/** Confirms a pending authenticator app with its first code; the factor and its audit row commit together. */
export async function confirmTotpEnrolment(deps: PasswordDeps, username: string, code: string): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    const confirmed = await verifyTotpCode({ ...deps, db: trx }, username, code, true);
    if (confirmed) await deps.audit.record({ action: 'recovery.totp_enrolled', actor: username, result: 'success' }, trx);
    return confirmed;
  });
}

/** Adds a passkey from a registration response; the passkey and its audit row commit together. */
export async function addPasskey(deps: PasswordDeps, username: string, response: unknown, name: string): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    const added = await registerPasskey({ ...deps, db: trx }, username, response, name);
    if (added) await deps.audit.record({ action: 'recovery.passkey_added', actor: username, result: 'success' }, trx);
    return added;
  });
}

export async function removeRecoveryEmail(deps: PasswordDeps, username: string): Promise<void> {
  const before = await noticeAddresses(deps, username);
  await deps.db.transaction().execute(async (trx) => {
    await deleteRecoveryEmail(trx, username);
    await deps.audit.record({ action: 'recovery.email_removed', actor: username, result: 'success' }, trx);
  });
  await notifyRecoveryChange(deps, username, 'email_removed', before);
}

export async function removeTotp(deps: PasswordDeps, username: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    await deleteTotp(trx, username);
    await deps.audit.record({ action: 'recovery.totp_removed', actor: username, result: 'success' }, trx);
  });
  await notifyRecoveryChange(deps, username, 'totp_removed');
}

export async function removePasskey(deps: PasswordDeps, username: string, credentialId: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    if (!(await deletePasskey(trx, username, credentialId))) throw errors.notFound('That passkey');
    await deps.audit.record({ action: 'recovery.passkey_removed', actor: username, result: 'success' }, trx);
  });
  await notifyRecoveryChange(deps, username, 'passkey_removed');
}

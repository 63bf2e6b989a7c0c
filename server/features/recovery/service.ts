import type { VerificationMethod } from '../../../shared/password.js';
import type { RecoveryProfile } from '../../../shared/recovery.js';
import type { DirectoryUser } from '../../directory/port.js';
import { errors } from '../../errors.js';
import type { Executor } from '../../db/transaction.js';
import { sendMailLater } from '../../mail/outbox.js';
import type { OutgoingMail } from '../../mail/port.js';
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
 * The notices telling every address on file that a recovery factor changed, with what to do if it
 * was not them: someone at an unlocked laptop could otherwise add their own way in unnoticed.
 * Built BEFORE the change's transaction (on SQLite a read outside it would wait for it) and queued
 * inside it, so a change that commits is always announced. `also` adds addresses the change puts on
 * file (a newly confirmed recovery address).
 */
async function recoveryNotices(deps: PasswordDeps, username: string, change: RecoveryChange, also: readonly string[] = []): Promise<OutgoingMail[]> {
  const onFile = await noticeAddresses(deps, username);
  const helpUrl = new URL('/forgot', deps.publicUrl).href;
  const at = new Date(deps.clock.now());
  return [...new Set([...onFile, ...also])].map((to) => recoveryChangeMail(to, change, username, at, helpUrl));
}

/**
 * One recovery-factor change of the person's own: `apply` makes it in a transaction; when it made
 * the change (it returns anything but false), the notices and the `recovery.<change>` audit row
 * commit with it. The notices are built first, from the addresses on file before the change.
 */
async function commitRecoveryChange(
  deps: PasswordDeps,
  username: string,
  change: RecoveryChange,
  apply: (trx: Executor) => Promise<boolean | void>,
  also: readonly string[] = [],
): Promise<boolean> {
  const notices = await recoveryNotices(deps, username, change, also);
  return deps.db.transaction().execute(async (trx) => {
    if ((await apply(trx)) === false) return false;
    const now = deps.clock.now();
    for (const mail of notices) await sendMailLater(trx, deps.keys, now, mail);
    await deps.audit.record({ action: `recovery.${change}`, actor: username, result: 'success' }, trx);
    return true;
  });
}

/** Saves a personal address as pending and mails it a code; it counts only once confirmed. */
export async function addRecoveryEmail(deps: PasswordDeps, username: string, email: string): Promise<void> {
  // Without mail the address could never be confirmed, and it would never receive a code.
  if (deps.mailDelivers === false) {
    throw errors.mailNotConfigured('This portal has no mail server configured, so a recovery email cannot be confirmed. Use an authenticator app or a passkey.');
  }
  await deps.rateLimiter.consume(CONFIRM_MAIL_RULE, username);
  // Replacing a confirmed address unconfirms it: it hears about it while still on file. The new
  // address is not on file until confirmed (it gets the code instead).
  const now = deps.clock.now();
  await commitRecoveryChange(deps, username, 'email_added', async (trx) => {
    await upsertRecoveryEmail(trx, username, email, now);
    await voidSecretsOf({ ...deps, db: trx }, username, ['email_confirm']);
    const issued = await issueCode({ ...deps, db: trx }, { purpose: 'email_confirm', username });
    await sendMailLater(trx, deps.keys, now, recoveryEmailConfirmationMail(email, issued.secret, TTL.email_confirm / 60_000, deps.companyName));
  });
}

export async function confirmRecoveryEmailCode(deps: PasswordDeps, username: string, code: string): Promise<void> {
  // Every address on file hears of it, the newly confirmed one included.
  const pending = await findRecoveryEmail(deps.db, username);
  const now = deps.clock.now();
  // Adding an address voids its earlier codes, so only the newest one is live.
  if (!(await verifyCode(deps, { purpose: 'email_confirm', username, code })).ok) {
    throw errors.verificationFailed('That code is not right or has expired. Check the mail we sent, or send a new code.');
  }
  await commitRecoveryChange(deps, username, 'email_confirmed', (trx) => confirmRecoveryEmail(trx, username, now), pending ? [pending.email] : []);
}

/** Confirms a pending authenticator app with its first code; the factor and its audit row commit together. */
export function confirmTotpEnrolment(deps: PasswordDeps, username: string, code: string): Promise<boolean> {
  return commitRecoveryChange(deps, username, 'totp_enrolled', (trx) => verifyTotpCode({ ...deps, db: trx }, username, code, true));
}

/** Adds a passkey from a registration response; the passkey and its audit row commit together. */
export function addPasskey(deps: PasswordDeps, username: string, response: unknown, name: string): Promise<boolean> {
  return commitRecoveryChange(deps, username, 'passkey_added', (trx) => registerPasskey({ ...deps, db: trx }, username, response, name));
}

/** Removes the recovery address; it is told too (the notices are built while it is still on file). */
export async function removeRecoveryEmail(deps: PasswordDeps, username: string): Promise<void> {
  await commitRecoveryChange(deps, username, 'email_removed', (trx) => deleteRecoveryEmail(trx, username));
}

export async function removeTotp(deps: PasswordDeps, username: string): Promise<void> {
  await commitRecoveryChange(deps, username, 'totp_removed', (trx) => deleteTotp(trx, username));
}

export async function removePasskey(deps: PasswordDeps, username: string, credentialId: string): Promise<void> {
  await commitRecoveryChange(deps, username, 'passkey_removed', async (trx) => {
    if (!(await deletePasskey(trx, username, credentialId))) throw errors.notFound('That passkey');
  });
}

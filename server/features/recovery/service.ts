import type { VerificationMethod } from '../../../shared/password.js';
import type { RecoveryProfile } from '../../../shared/recovery.js';
import type { DirectoryUser } from '../../directory/port.js';
import { HttpError } from '../../http/errors.js';
import { sendMailLater } from '../../mail/outbox.js';
import { recoveryEmailConfirmationMail } from '../../mail/templates.js';
import type { RateLimitRule } from '../../rate-limit/limiter.js';
import type { PasswordDeps } from '../password/deps.js';
import { consumeSecret, consumeSecretsOf, countSecretAttempt, findLiveSecrets, insertSecret } from '../password/repository.js';
import { newNumericCode, secretHash, TTL } from '../password/secrets.js';
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

/** Saves a personal address as pending and mails it a code; it counts only once confirmed. */
export async function addRecoveryEmail(deps: PasswordDeps, username: string, email: string): Promise<void> {
  await deps.rateLimiter.consume(CONFIRM_MAIL_RULE, username);
  const now = deps.clock.now();
  const code = newNumericCode();
  await deps.db.transaction().execute(async (trx) => {
    await upsertRecoveryEmail(trx, username, email, now);
    await consumeSecretsOf(trx, username, now, ['email_confirm']);
    await insertSecret(trx, {
      secretHash: secretHash(code, username, 'email_confirm'),
      username,
      purpose: 'email_confirm',
      flowIdHash: null,
      now,
      ttlMs: TTL.emailConfirm,
    });
    await sendMailLater(trx, now, recoveryEmailConfirmationMail(email, code, TTL.emailConfirm / 60_000, deps.companyName));
  });
  await deps.audit.record({ action: 'recovery.email_added', actor: username, result: 'success' });
}

export async function confirmRecoveryEmailCode(deps: PasswordDeps, username: string, code: string): Promise<void> {
  const now = deps.clock.now();
  const [live] = await findLiveSecrets(deps.db, username, 'email_confirm', now);
  const ok =
    live !== undefined &&
    live.attempts < 5 &&
    live.secret_hash === secretHash(code, username, 'email_confirm') &&
    (await consumeSecret(deps.db, live.id, now));
  if (!ok) {
    if (live) await countSecretAttempt(deps.db, live.id);
    throw new HttpError(400, 'verification_failed', 'That code is not right or has expired. Check the mail we sent, or send a new code.');
  }
  await confirmRecoveryEmail(deps.db, username, now);
  await deps.audit.record({ action: 'recovery.email_confirmed', actor: username, result: 'success' });
}

export async function removeRecoveryEmail(deps: PasswordDeps, username: string): Promise<void> {
  await deleteRecoveryEmail(deps.db, username);
  await deps.audit.record({ action: 'recovery.email_removed', actor: username, result: 'success' });
}

export async function removeTotp(deps: PasswordDeps, username: string): Promise<void> {
  await deleteTotp(deps.db, username);
  await deps.audit.record({ action: 'recovery.totp_removed', actor: username, result: 'success' });
}

export async function removePasskey(deps: PasswordDeps, username: string, credentialId: string): Promise<void> {
  if (!(await deletePasskey(deps.db, username, credentialId))) throw new HttpError(404, 'not_found', 'That passkey was not found.');
  await deps.audit.record({ action: 'recovery.passkey_removed', actor: username, result: 'success' });
}

import { HttpError } from '../../http/errors.js';
import type { PasswordDeps } from '../password/deps.js';
import { clearRecoveryFailures, consumeSecretsOf, insertSecret } from '../password/repository.js';
import { newNumericCode, secretHash, TTL } from '../password/secrets.js';

/**
 * What the help desk may do for a caller: unlock, send a reset link, or issue a one-time code
 * to read out after checking who is calling. Staff never see or choose anyone's password.
 */

async function existing(deps: PasswordDeps, username: string) {
  const user = await deps.directory.findUser(username);
  if (!user) throw new HttpError(404, 'not_found', 'That person was not found.');
  return user;
}

export async function unlockForCaller(deps: PasswordDeps, username: string, staff: string): Promise<void> {
  const user = await existing(deps, username);
  await deps.directory.unlock(user.username);
  // The help desk has checked who is calling: the person's failed-verification count starts over.
  // The audit row commits with that change; the directory's unlock above cannot share a transaction.
  await deps.db.transaction().execute(async (trx) => {
    await clearRecoveryFailures(trx, user.username);
    await deps.audit.record({ action: 'helpdesk.unlock', actor: staff, subject: user.username, result: 'success' }, trx);
  });
}

/** A fresh 8-digit code for the caller, valid 10 minutes; any earlier one stops working. */
export async function issueVerificationCode(
  deps: PasswordDeps,
  username: string,
  staff: string,
): Promise<{ code: string; expiresAt: string }> {
  const user = await existing(deps, username);
  const now = deps.clock.now();
  const code = newNumericCode();
  await deps.db.transaction().execute(async (trx) => {
    await consumeSecretsOf(trx, user.username, now, ['helpdesk_code']);
    await insertSecret(trx, {
      secretHash: secretHash(code, user.username, 'helpdesk_code'),
      username: user.username,
      purpose: 'helpdesk_code',
      flowIdHash: null,
      now,
      ttlMs: TTL.helpdeskCode,
      createdBy: staff,
    });
    await deps.audit.record({ action: 'helpdesk.code_issued', actor: staff, subject: user.username, result: 'success' }, trx);
  });
  return { code, expiresAt: new Date(now + TTL.helpdeskCode).toISOString() };
}

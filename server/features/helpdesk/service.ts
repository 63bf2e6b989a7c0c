import { errors } from '../../errors.js';
import type { PasswordDeps } from '../password/deps.js';
import { issueCode, voidSecretsOf } from '../../one-time-secrets/service.js';
import { clearRecoveryFailures } from '../password/repository.js';

/**
 * What the help desk may do for a caller: unlock, send a reset link, or issue a one-time code
 * to read out after checking who is calling. Staff never see or choose anyone's password.
 */

async function existing(deps: PasswordDeps, username: string) {
  const user = await deps.directory.findUser(username);
  if (!user) throw errors.notFound('That person');
  return user;
}

export async function unlockForCaller(deps: PasswordDeps, username: string, staff: string): Promise<void> {
  const user = await existing(deps, username);
  await deps.directory.unlock(user.username);
  // The help desk has checked who is calling: the person's failed-verification count starts over.
  await clearRecoveryFailures(deps.db, user.username);
  await deps.audit.record({ action: 'helpdesk.unlock', actor: staff, subject: user.username, result: 'success' });
}

/** A fresh 8-digit code for the caller, valid 10 minutes; any earlier one stops working. */
export async function issueVerificationCode(
  deps: PasswordDeps,
  username: string,
  staff: string,
): Promise<{ code: string; expiresAt: string }> {
  const user = await existing(deps, username);
  const issued = await deps.db.transaction().execute(async (trx) => {
    await voidSecretsOf({ ...deps, db: trx }, user.username, ['helpdesk_code']);
    return issueCode({ ...deps, db: trx }, { purpose: 'helpdesk_code', username: user.username, createdBy: staff });
  });
  await deps.audit.record({ action: 'helpdesk.code_issued', actor: staff, subject: user.username, result: 'success' });
  return { code: issued.secret, expiresAt: new Date(issued.expiresAt).toISOString() };
}

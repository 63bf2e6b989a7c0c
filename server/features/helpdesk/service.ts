import type { Role } from '../../../shared/roles.js';
import { staffActionRefusal } from '../../../shared/staff.js';
import { type RoleGroups, rolesFromGroups } from '../../directory/roles.js';
import type { DirectoryUser } from '../../directory/port.js';
import { errors } from '../../errors.js';
import type { PasswordDeps } from '../password/deps.js';
import { sendResetLink } from '../password/links.js';
import { issueCode, voidSecretsOf } from '../../one-time-secrets/service.js';
import { clearRecoveryFailures } from '../password/repository.js';

/**
 * What the help desk may do for a caller: unlock, send a reset link, or issue a one-time code
 * to read out after checking who is calling. Staff never see or choose anyone's password.
 */

/** The staff member acting, as their session knows them. */
export interface StaffActor {
  username: string;
  roles: readonly Role[];
}

export interface HelpdeskDeps extends PasswordDeps {
  roleGroups: RoleGroups;
}

const REFUSAL_MESSAGES = {
  self: 'You cannot do this for your own account. Use "Forgot your password" like everyone else.',
  staff_account: 'Only an admin can act on a staff account.',
  admin_account: "No one can act on an admin's account through the help desk: its owner recovers it with their own recovery methods.",
} as const;

/**
 * Finds the person and applies the staff rule (shared/staff.ts): a code or link for a colleague
 * with staff rights, or for oneself, would be an account takeover. Refusals are audited.
 */
async function actionableTarget(deps: HelpdeskDeps, username: string, actor: StaffActor, action: string): Promise<DirectoryUser> {
  const user = await deps.directory.findUser(username);
  if (!user) throw errors.notFound('That person');
  const refusal = staffActionRefusal(actor, { username: user.username, roles: rolesFromGroups(user, deps.roleGroups) });
  if (refusal) {
    await deps.audit.record({ action, actor: actor.username, subject: user.username, result: 'denied', details: { reason: refusal } });
    throw errors.forbidden(REFUSAL_MESSAGES[refusal]);
  }
  return user;
}

export async function unlockForCaller(deps: HelpdeskDeps, username: string, actor: StaffActor): Promise<void> {
  const user = await actionableTarget(deps, username, actor, 'helpdesk.unlock');
  await deps.directory.unlock(user.username);
  // The help desk has checked who is calling: the person's failed-verification count starts over.
  // The audit row commits with that change; the directory's unlock above cannot share a transaction.
  await deps.db.transaction().execute(async (trx) => {
    await clearRecoveryFailures(trx, user.username);
    await deps.audit.record({ action: 'helpdesk.unlock', actor: actor.username, subject: user.username, result: 'success' }, trx);
  });
}

/** Mails a reset link to the person's own addresses (see password/links.ts). */
export async function sendResetLinkFor(deps: HelpdeskDeps, username: string, actor: StaffActor): Promise<{ recipients: number }> {
  const user = await actionableTarget(deps, username, actor, 'helpdesk.reset_link_sent');
  return sendResetLink(deps, user.username, actor.username);
}

/** A fresh 8-digit code for the caller, valid 10 minutes; any earlier one stops working. */
export async function issueVerificationCode(
  deps: HelpdeskDeps,
  username: string,
  actor: StaffActor,
): Promise<{ code: string; expiresAt: string }> {
  const user = await actionableTarget(deps, username, actor, 'helpdesk.code_issued');
  const staff = actor.username;
  const issued = await deps.db.transaction().execute(async (trx) => {
    await voidSecretsOf({ ...deps, db: trx }, user.username, ['helpdesk_code']);
    const code = await issueCode({ ...deps, db: trx }, { purpose: 'helpdesk_code', username: user.username, createdBy: staff });
    await deps.audit.record({ action: 'helpdesk.code_issued', actor: staff, subject: user.username, result: 'success' }, trx);
    return code;
  });
  return { code: issued.secret, expiresAt: new Date(issued.expiresAt).toISOString() };
}

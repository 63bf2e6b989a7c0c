import type { DirectoryUser, PasswordWrite } from '../../directory/port.js';
import { errorCode, errors } from '../../errors.js';
import { sendMailLater } from '../../mail/outbox.js';
import type { OutgoingMail } from '../../mail/port.js';
import { type AccountEvent, accountEventMail } from '../../mail/templates.js';
import type { RateLimitRule } from '../../rate-limit/limiter.js';
import { getResetPolicy } from '../settings/service.js';
import { addressesOf } from './addresses.js';
import type { PasswordDeps } from './deps.js';
import { isComplete, type LoadedFlow, recoveryLockedFor } from './flows.js';
import { checkPassword, effectiveRules, problemFromRefusal } from './policy.js';
import { voidSecretsOf } from '../../one-time-secrets/service.js';
import { cancelFlowsOf, claimFlow, reopenFlow } from './repository.js';

export const CHANGE_ACCOUNT_RULE: RateLimitRule = { name: 'password-change:account', limit: 5, windowMs: 15 * 60_000 };

/** Runs the portal's own rules first, so the directory only ever sees passwords that can pass. */
async function assertAcceptable(deps: PasswordDeps, user: DirectoryUser, password: string): Promise<void> {
  const rules = effectiveRules(await deps.directory.passwordPolicy());
  const verdict = checkPassword(password, { rules, username: user.username, displayName: user.displayName, companyName: deps.companyName });
  if (!verdict.ok) throw errors.passwordRejected(verdict.problems);
}

/** Writes the password to the directory; a policy refusal becomes a plain-language 422. */
async function writePassword(deps: PasswordDeps, username: string, password: string, how: PasswordWrite): Promise<void> {
  const result = await deps.directory.setPassword(username, password, how);
  if (result.ok) return;
  if (result.reason === 'wrong_current_password') throw errors.currentPasswordWrong();
  throw errors.passwordRejected([problemFromRefusal(result.reason)]);
}

/**
 * The notices telling every address of the person what happened, with what to do if it was not
 * them. Read before any transaction opens (SQLite has one connection), enqueued inside it.
 */
async function noticesFor(deps: PasswordDeps, user: DirectoryUser, event: AccountEvent): Promise<OutgoingMail[]> {
  const { forNotices } = await addressesOf(deps.db, user, await getResetPolicy(deps.db));
  const helpUrl = new URL('/forgot', deps.publicUrl).href;
  return forNotices.map((to) => accountEventMail(to, event, user.username, new Date(deps.clock.now()), helpUrl));
}

/**
 * After any new password: no other session, flow or one-time secret of the person survives, and
 * the notices are queued in the same transaction (an SMTP outage delays them, never loses them).
 */
async function revokeEverythingElse(deps: PasswordDeps, user: DirectoryUser, event: AccountEvent, keepSessionIdHash?: string): Promise<void> {
  const notices = await noticesFor(deps, user, event);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await cancelFlowsOf(trx, user.username, now);
    await voidSecretsOf({ ...deps, db: trx }, user.username);
    for (const mail of notices) await sendMailLater(trx, deps.keys, now, mail);
  });
  await deps.sessions.endAllFor(user.username, keepSessionIdHash);
}

/** Re-checks, at the moment of completion, that this flow may still finish. */
async function assertCompletable(deps: PasswordDeps, flow: LoadedFlow, ip: string | null): Promise<DirectoryUser> {
  if (!isComplete(flow) || !flow.user) throw errors.verificationRequired();
  if (flow.user.disabled || (await recoveryLockedFor(deps, flow, ip))) {
    throw errors.recoveryLocked('This account cannot be reset here. Contact the IT help desk.');
  }
  return flow.user;
}

/**
 * Runs the directory work of a completed flow: claims the flow first (exactly one of many parallel
 * callers gets it), and gives it back if the directory refuses or fails, so the person can try again.
 */
async function completeFlow(
  deps: PasswordDeps,
  flow: LoadedFlow,
  action: string,
  ip: string | null,
  work: () => Promise<void>,
): Promise<void> {
  if (!(await claimFlow(deps.db, flow.idHash, deps.clock.now()))) {
    throw errors.flowExpired();
  }
  try {
    await work();
  } catch (error) {
    await reopenFlow(deps.db, flow.idHash);
    await deps.audit.record({
      action,
      actor: flow.username,
      result: 'failure',
      ip,
      details: { code: errorCode(error) },
    });
    throw error;
  }
  // "On behalf of": the staff member whose code or link let this flow through, if any.
  const onBehalfOf = flow.row.on_behalf_of ?? null;
  await deps.audit.record({
    action,
    actor: flow.username,
    result: 'success',
    ip,
    details: onBehalfOf ? { methods: flow.verified, onBehalfOf } : { methods: flow.verified },
  });
}

/**
 * Completes a verified flow with a new password: written to the directory, the account unlocked,
 * every other session and secret revoked, every address told. Exactly one of many parallel
 * submissions wins the flow; a directory refusal gives the flow back for another try.
 */
export async function resetPassword(deps: PasswordDeps, flow: LoadedFlow, newPassword: string, ip: string | null): Promise<void> {
  const user = await assertCompletable(deps, flow, ip);
  await assertAcceptable(deps, user, newPassword);
  await completeFlow(deps, flow, 'password.reset', ip, async () => {
    await writePassword(deps, user.username, newPassword, { kind: 'reset' });
    await deps.directory.unlock(user.username);
  });
  await revokeEverythingElse(deps, user, 'password_reset');
}

/** Completes a verified flow by unlocking the account; the password stays as it was. */
export async function unlockAccount(deps: PasswordDeps, flow: LoadedFlow, ip: string | null): Promise<void> {
  const user = await assertCompletable(deps, flow, ip);
  await completeFlow(deps, flow, 'account.unlock', ip, () => deps.directory.unlock(user.username));
  const notices = await noticesFor(deps, user, 'account_unlocked');
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    for (const mail of notices) await sendMailLater(trx, deps.keys, now, mail);
  });
}

/** A signed-in change: needs the current password; ends the person's other sessions. */
export async function changePassword(
  deps: PasswordDeps,
  session: { username: string; idHash: string },
  input: { currentPassword: string; newPassword: string },
  ip: string | null,
): Promise<void> {
  await deps.rateLimiter.consume(CHANGE_ACCOUNT_RULE, session.username);
  const user = await deps.directory.findUser(session.username);
  if (!user) throw errors.unauthenticated();
  await assertAcceptable(deps, user, input.newPassword);
  try {
    await writePassword(deps, user.username, input.newPassword, { kind: 'change', currentPassword: input.currentPassword });
  } catch (error) {
    await deps.audit.record({
      action: 'password.change',
      actor: user.username,
      result: 'failure',
      ip,
      details: { code: errorCode(error) },
    });
    throw error;
  }
  await deps.rateLimiter.reset(CHANGE_ACCOUNT_RULE, user.username);
  await revokeEverythingElse(deps, user, 'password_changed', session.idHash);
  await deps.audit.record({ action: 'password.change', actor: user.username, result: 'success', ip });
}

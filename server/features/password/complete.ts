import type { PasswordProblem } from '../../../shared/password.js';
import type { DirectoryUser, PasswordWrite } from '../../directory/port.js';
import { HttpError, httpErrors } from '../../http/errors.js';
import { sendMailLater } from '../../mail/outbox.js';
import type { OutgoingMail } from '../../mail/port.js';
import { type AccountEvent, accountEventMail } from '../../mail/templates.js';
import type { RateLimitRule } from '../../rate-limit/limiter.js';
import { getResetPolicy } from '../settings/service.js';
import { addressesOf } from './addresses.js';
import type { PasswordDeps } from './deps.js';
import { isComplete, type LoadedFlow, RECOVERY_LOCKOUT_FAILURES } from './flows.js';
import { checkPassword, effectiveRules, problemFromRefusal } from './policy.js';
import { cancelFlowsOf, claimFlow, consecutiveFailures, consumeSecretsOf, reopenFlow } from './repository.js';

export const CHANGE_ACCOUNT_RULE: RateLimitRule = { name: 'password-change:account', limit: 5, windowMs: 15 * 60_000 };

const PROBLEM_MESSAGES: Record<PasswordProblem, string> = {
  too_short: 'This password is too short.',
  too_long: 'This password is too long.',
  common: 'This password is one of the most common ones and easy to guess.',
  contains_username: 'The password must not contain your username.',
  contains_name: 'The password must not contain your name.',
  contains_company: 'The password must not contain the company name.',
  in_history: 'You used this password recently. Choose one you have not used before.',
  quality: 'The directory found this password too simple.',
  too_soon: 'Your password was changed very recently. Try again later.',
  policy: 'The directory refused this password. Choose another.',
};

export function passwordRejected(problems: PasswordProblem[]): HttpError {
  const message = problems.map((p) => PROBLEM_MESSAGES[p]).join(' ');
  return new HttpError(422, 'password_rejected', message, undefined, undefined, problems);
}

/** Runs the portal's own rules first, so the directory only ever sees passwords that can pass. */
async function assertAcceptable(deps: PasswordDeps, user: DirectoryUser, password: string): Promise<void> {
  const rules = effectiveRules(await deps.directory.passwordPolicy());
  const verdict = checkPassword(password, { rules, username: user.username, displayName: user.displayName, companyName: deps.companyName });
  if (!verdict.ok) throw passwordRejected(verdict.problems);
}

/** Writes the password to the directory; a policy refusal becomes a plain-language 422. */
async function writePassword(deps: PasswordDeps, username: string, password: string, how: PasswordWrite): Promise<void> {
  const result = await deps.directory.setPassword(username, password, how);
  if (result.ok) return;
  if (result.reason === 'wrong_current_password') throw new HttpError(400, 'current_password_wrong', 'Your current password is not right.');
  throw passwordRejected([problemFromRefusal(result.reason)]);
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
    await consumeSecretsOf(trx, user.username, now);
    for (const mail of notices) await sendMailLater(trx, now, mail);
  });
  await deps.sessions.endAllFor(user.username, keepSessionIdHash);
}

/** Re-checks, at the moment of completion, that this flow may still finish. */
async function assertCompletable(deps: PasswordDeps, flow: LoadedFlow): Promise<DirectoryUser> {
  if (!isComplete(flow) || !flow.user) throw new HttpError(403, 'verification_required', 'Prove who you are first.');
  if (flow.user.disabled || (await consecutiveFailures(deps.db, flow.user.username)) >= RECOVERY_LOCKOUT_FAILURES) {
    throw new HttpError(423, 'recovery_locked', 'This account cannot be reset here. Contact the IT help desk.');
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
    throw new HttpError(410, 'flow_expired', 'This reset has expired or was already used. Start again.');
  }
  try {
    await work();
  } catch (error) {
    await reopenFlow(deps.db, flow.idHash);
    await deps.audit.record({
      action,
      actor: flow.user?.username ?? null,
      result: 'failure',
      ip,
      details: { code: (error as HttpError).code ?? 'error' },
    });
    throw error;
  }
  await deps.audit.record({ action, actor: flow.user?.username ?? null, result: 'success', ip, details: { methods: flow.verified } });
}

/**
 * Completes a verified flow with a new password: written to the directory, the account unlocked,
 * every other session and secret revoked, every address told. Exactly one of many parallel
 * submissions wins the flow; a directory refusal gives the flow back for another try.
 */
export async function resetPassword(deps: PasswordDeps, flow: LoadedFlow, newPassword: string, ip: string | null): Promise<void> {
  const user = await assertCompletable(deps, flow);
  await assertAcceptable(deps, user, newPassword);
  await completeFlow(deps, flow, 'password.reset', ip, async () => {
    await writePassword(deps, user.username, newPassword, { kind: 'reset' });
    await deps.directory.unlock(user.username);
  });
  await revokeEverythingElse(deps, user, 'password_reset');
}

/** Completes a verified flow by unlocking the account; the password stays as it was. */
export async function unlockAccount(deps: PasswordDeps, flow: LoadedFlow, ip: string | null): Promise<void> {
  const user = await assertCompletable(deps, flow);
  await completeFlow(deps, flow, 'account.unlock', ip, () => deps.directory.unlock(user.username));
  const notices = await noticesFor(deps, user, 'account_unlocked');
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    for (const mail of notices) await sendMailLater(trx, now, mail);
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
  if (!user) throw httpErrors.unauthenticated();
  await assertAcceptable(deps, user, input.newPassword);
  try {
    await writePassword(deps, user.username, input.newPassword, { kind: 'change', currentPassword: input.currentPassword });
  } catch (error) {
    await deps.audit.record({
      action: 'password.change',
      actor: user.username,
      result: 'failure',
      ip,
      details: { code: (error as HttpError).code ?? 'error' },
    });
    throw error;
  }
  await deps.rateLimiter.reset(CHANGE_ACCOUNT_RULE, user.username);
  await revokeEverythingElse(deps, user, 'password_changed', session.idHash);
  await deps.audit.record({ action: 'password.change', actor: user.username, result: 'success', ip });
}

import type { ActivationView } from '../../../shared/onboarding.js';
import { errors } from '../../errors.js';
import { consumeLinkToken, peekLinkToken, restoreLinkToken, voidSecretsOf } from '../../one-time-secrets/service.js';
import type { RateLimitRule } from '../../rate-limit/limiter.js';
import { withTransaction } from '../../db/transaction.js';
import type { PasswordDeps } from '../password/deps.js';
import { checkPassword, effectiveRules, problemFromRefusal } from '../password/policy.js';
import * as repo from './repository.js';

/**
 * The hire's page: the link mailed on the start date sets the first password. Rate-limited per
 * address like the reset routes (the token is 256 random bits, so this guards the directory and
 * the policy check more than the token).
 */
export const ACTIVATION_IP_RULE: RateLimitRule = { name: 'activation:ip', limit: 30, windowMs: 15 * 60_000 };

const INVALID = 'This link has expired or was already used. Ask HR or the IT help desk for a new one.';

/** Whether a link is valid, and whose (first name and username only), with the password rules. */
export async function viewActivation(deps: PasswordDeps, token: string, ip: string | null): Promise<ActivationView> {
  await deps.rateLimiter.consume(ACTIVATION_IP_RULE, ip ?? 'unknown');
  const live = await peekLinkToken(deps, token, 'activation');
  const hire = live ? await repo.findHireByUsername(deps.db, live.username) : undefined;
  if (!live || !hire || hire.status !== 'active' || hire.activated_at !== null) {
    return { valid: false, firstName: null, username: null, rules: null, expiresAt: null };
  }
  const rules = effectiveRules(await deps.directory.passwordPolicy());
  return { valid: true, firstName: hire.first_name, username: hire.username, rules, expiresAt: new Date(live.expiresAt).toISOString() };
}

/**
 * Sets the first password: checked with the reset policy first (so a refusal keeps the link), then
 * the token is consumed once, atomically (of parallel submissions one wins), then the password is
 * written as a reset. If the directory refuses or fails, the token is given back for another try.
 */
export async function activate(deps: PasswordDeps, token: string, password: string, ip: string | null): Promise<{ username: string }> {
  await deps.rateLimiter.consume(ACTIVATION_IP_RULE, ip ?? 'unknown');
  const live = await peekLinkToken(deps, token, 'activation');
  const hire = live ? await repo.findHireByUsername(deps.db, live.username) : undefined;
  if (!live || !hire || hire.status !== 'active' || hire.activated_at !== null) throw errors.flowExpired(INVALID);
  const user = await deps.directory.findUser(hire.username);
  if (!user || user.disabled) throw errors.flowExpired(INVALID);
  const rules = effectiveRules(await deps.directory.passwordPolicy());
  const verdict = checkPassword(password, { rules, username: user.username, displayName: user.displayName, companyName: deps.companyName });
  if (!verdict.ok) throw errors.passwordRejected(verdict.problems);

  const claimed = await consumeLinkToken(deps, token, 'activation');
  if (!claimed) throw errors.flowExpired(INVALID);
  try {
    const result = await deps.directory.setPassword(user.username, password, { kind: 'reset' });
    if (!result.ok) throw errors.passwordRejected([problemFromRefusal(result.reason)]);
  } catch (error) {
    await restoreLinkToken(deps, claimed.id);
    await deps.audit.record({ action: 'onboarding.activated', actor: user.username, result: 'failure', ip, details: { hireId: hire.id } });
    throw error;
  }
  const now = deps.clock.now();
  await withTransaction(deps.db, async (trx) => {
    await repo.updateHire(trx, hire.id, { activated_at: now, updated_at: now }, { whereNull: 'activated_at' });
    // Any other activation link of theirs (a resend) dies with this one.
    await voidSecretsOf({ ...deps, db: trx }, user.username, ['activation']);
    await deps.audit.record(
      { action: 'onboarding.activated', actor: user.username, result: 'success', ip, details: { hireId: hire.id } },
      trx,
    );
  });
  return { username: user.username };
}

import type { Me } from '../../../shared/auth.js';
import type { AuditTrail } from '../../audit/audit.js';
import type { RoleGroups } from '../../directory/roles.js';
import { rolesFromGroups } from '../../directory/roles.js';
import type { Directory, DirectoryUser } from '../../directory/port.js';
import { httpErrors } from '../../http/errors.js';
import type { RateLimiter, RateLimitRule } from '../../rate-limit/limiter.js';
import type { SessionService } from '../../sessions/service.js';

/**
 * Failed sign-ins allowed per account in 15 minutes before the portal stops asking the directory.
 * Kept below the directory's own lockout threshold, so strangers cannot lock a colleague out through the portal.
 */
export const LOGIN_ACCOUNT_RULE: RateLimitRule = { name: 'login:account', limit: 5, windowMs: 15 * 60_000 };
/** Sign-in attempts per address: generous, because a whole office may share one address. */
export const LOGIN_IP_RULE: RateLimitRule = { name: 'login:ip', limit: 100, windowMs: 15 * 60_000 };

export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
}

export interface AuthServiceDeps {
  directory: Directory;
  sessions: SessionService;
  rateLimiter: RateLimiter;
  audit: AuditTrail;
  roleGroups: RoleGroups;
}

export function profileOf(user: DirectoryUser, roleGroups: RoleGroups, managerName: string | null = null): Me {
  return {
    username: user.username,
    displayName: user.displayName,
    email: user.email,
    roles: rolesFromGroups(user, roleGroups),
    department: user.department,
    title: user.title,
    manager: user.manager,
    managerName,
  };
}

/**
 * Signs a person in against the directory. Every kind of failure (unknown user, wrong password,
 * locked, disabled) gives the same answer; attempts are counted per account and per address.
 * Returns the new session id (a fresh one every time: sessions rotate at sign-in).
 */
export async function signIn(
  deps: AuthServiceDeps,
  input: { username: string; password: string },
  context: RequestContext,
  previousSessionId: string | undefined,
): Promise<{ sessionId: string; profile: Me }> {
  const { directory, sessions, rateLimiter, audit } = deps;
  const attempt = { action: 'auth.login', ip: context.ip, userAgent: context.userAgent } as const;
  const ipKey = context.ip ?? 'unknown';
  try {
    await rateLimiter.consume(LOGIN_IP_RULE, ipKey);
    await rateLimiter.consume(LOGIN_ACCOUNT_RULE, input.username);
  } catch (error) {
    await audit.record({ ...attempt, actor: null, subject: input.username, result: 'denied', details: { reason: 'rate_limited' } });
    throw error;
  }

  let result;
  try {
    result = await directory.authenticate(input.username, input.password);
  } catch (error) {
    // The person did nothing wrong: give the attempts back (an outage becomes a 503 in the app's error handler).
    await rateLimiter.refund(LOGIN_IP_RULE, ipKey);
    await rateLimiter.refund(LOGIN_ACCOUNT_RULE, input.username);
    throw error;
  }

  if (!result.ok) {
    await audit.record({ ...attempt, actor: null, subject: input.username, result: 'failure', details: { reason: result.reason } });
    throw httpErrors.invalidCredentials();
  }

  await rateLimiter.refund(LOGIN_IP_RULE, ipKey);
  await rateLimiter.reset(LOGIN_ACCOUNT_RULE, input.username);
  if (previousSessionId) await sessions.end(previousSessionId);
  // The manager's name is looked up once here, so the home screen needs no directory call.
  const manager = result.user.manager ? await directory.findUser(result.user.manager).catch(() => null) : null;
  const profile = profileOf(result.user, deps.roleGroups, manager?.displayName ?? null);
  const sessionId = await sessions.start(profile, context);
  await audit.record({ ...attempt, actor: profile.username, result: 'success' });
  return { sessionId, profile };
}

export async function signOut(
  deps: Pick<AuthServiceDeps, 'sessions' | 'audit'>,
  sessionId: string,
  username: string,
  context: RequestContext,
): Promise<void> {
  await deps.sessions.end(sessionId);
  await deps.audit.record({ action: 'auth.logout', actor: username, result: 'success', ip: context.ip, userAgent: context.userAgent });
}

import type { Me, SessionInfo } from '../../../shared/auth.js';
import type { AuditTrail } from '../../audit/audit.js';
import { recordFirstSignIn } from '../onboarding/service.js';
import type { RoleGroups } from '../../directory/roles.js';
import { rolesFromGroups } from '../../directory/roles.js';
import type { Directory, DirectoryUser } from '../../directory/port.js';
import { errors } from '../../errors.js';
import type { RateLimiter, RateLimitRule } from '../../rate-limit/limiter.js';
import type { Clock } from '../../platform/clock.js';
import { randomToken, sha256Hex } from '../../platform/secrets.js';
import type { SessionService } from '../../sessions/service.js';
import type { Database } from '../../db/schema.js';
import type { Kysely } from 'kysely';
import { findTrustedDevice, insertTrustedDevice, touchTrustedDevice } from './trusted-devices.js';

/*
 * Sign-in throttling (OWASP "device cookies"). A browser where the person signed in before carries a
 * trusted-device cookie; its attempts count per device. Every other attempt counts per (account,
 * address) first, then against a per-account backstop that stays below the directory's own lockout
 * threshold. So a stranger guessing elsewhere can neither lock the account in the directory nor stop
 * the person from signing in on their own device.
 */
/** Attempts per trusted device and account in 15 minutes. */
export const LOGIN_DEVICE_RULE: RateLimitRule = { name: 'login:device', limit: 5, windowMs: 15 * 60_000 };
/** Attempts per (account, address) from browsers the account has not signed in on. */
export const LOGIN_ACCOUNT_ADDRESS_RULE: RateLimitRule = { name: 'login:account-address', limit: 5, windowMs: 15 * 60_000 };
/** Per-account backstop for untrusted attempts from all addresses together (lowered below the directory's lockout threshold). */
export const LOGIN_ACCOUNT_RULE: RateLimitRule = { name: 'login:account', limit: 30, windowMs: 15 * 60_000 };
/** Sign-in attempts per address: generous, because a whole office may share one address. */
export const LOGIN_IP_RULE: RateLimitRule = { name: 'login:ip', limit: 100, windowMs: 15 * 60_000 };
/** How long a browser stays trusted after its last successful sign-in. */
export const TRUSTED_DEVICE_TTL_MS = 180 * 24 * 3_600_000;

export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
}

export interface AuthServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  directory: Directory;
  sessions: SessionService;
  rateLimiter: RateLimiter;
  audit: AuditTrail;
  roleGroups: RoleGroups;
  /** The directory's lockout threshold (failed binds that lock an account), cached; null when it has none. */
  lockoutThreshold: () => Promise<number | null>;
}

/** Reads the directory's lockout threshold at most every five minutes (it is an LDAP search). */
export function cachedLockoutThreshold(directory: Directory, clock: Clock, ttlMs = 5 * 60_000): () => Promise<number | null> {
  let cached: { value: number | null; at: number } | null = null;
  return async () => {
    const now = clock.now();
    if (!cached || now - cached.at > ttlMs) cached = { value: (await directory.passwordPolicy()).lockoutThreshold, at: now };
    return cached.value;
  };
}

/** The buckets one sign-in attempt counts against. */
async function signInBuckets(deps: AuthServiceDeps, username: string, ip: string, deviceHash: string | null) {
  const account = username.toLowerCase();
  const trusted = deviceHash ? (await findTrustedDevice(deps.db, deviceHash, deps.clock.now()))?.username === account : false;
  const buckets: Array<{ rule: RateLimitRule; subject: string }> = [{ rule: LOGIN_IP_RULE, subject: ip }];
  if (trusted) {
    buckets.push({ rule: LOGIN_DEVICE_RULE, subject: `${account}|${deviceHash}` });
  } else {
    const threshold = await deps.lockoutThreshold();
    const backstop = threshold ? Math.max(1, Math.min(LOGIN_ACCOUNT_RULE.limit, threshold - 1)) : LOGIN_ACCOUNT_RULE.limit;
    buckets.push({ rule: LOGIN_ACCOUNT_ADDRESS_RULE, subject: `${account}|${ip}` }, { rule: { ...LOGIN_ACCOUNT_RULE, limit: backstop }, subject: account });
  }
  return { trusted, buckets };
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
 * locked, disabled) gives the same answer; attempts are counted per trusted device, or per account
 * and address with a per-account backstop (see the rules above), and per address.
 * Returns the new session id (a fresh one every time: sessions rotate at sign-in) and, when this
 * browser was not yet trusted for the person, a new trusted-device token for its cookie.
 */
export async function signIn(
  deps: AuthServiceDeps,
  input: { username: string; password: string },
  context: RequestContext & { deviceToken?: string | undefined },
  previousSessionId: string | undefined,
): Promise<{ sessionId: string; profile: Me; newDeviceToken: string | null }> {
  const { directory, sessions, rateLimiter, audit } = deps;
  const attempt = { action: 'auth.login', ip: context.ip, userAgent: context.userAgent } as const;
  const deviceHash = context.deviceToken && /^[A-Za-z0-9_-]{43}$/.test(context.deviceToken) ? sha256Hex(context.deviceToken) : null;
  const { trusted, buckets } = await signInBuckets(deps, input.username, context.ip ?? 'unknown', deviceHash);
  const counted: typeof buckets = [];
  try {
    for (const bucket of buckets) {
      await rateLimiter.consume(bucket.rule, bucket.subject);
      counted.push(bucket);
    }
  } catch (error) {
    await audit.record({ ...attempt, actor: null, subject: input.username, result: 'denied', details: { reason: 'rate_limited', trusted } });
    throw error;
  }

  let result;
  try {
    result = await directory.authenticate(input.username, input.password);
  } catch (error) {
    // The person did nothing wrong: give the attempts back (an outage becomes a 503 in the app's error handler).
    for (const bucket of counted) await rateLimiter.refund(bucket.rule, bucket.subject);
    throw error;
  }

  if (!result.ok) {
    await audit.record({ ...attempt, actor: null, subject: input.username, result: 'failure', details: { reason: result.reason, trusted } });
    throw errors.invalidCredentials();
  }

  // Success: this attempt does not count; the person's own buckets start over. The per-account
  // backstop is only refunded, so a stranger's failures still count there.
  for (const bucket of counted) {
    if (bucket.rule.name === LOGIN_ACCOUNT_RULE.name || bucket.rule.name === LOGIN_IP_RULE.name) await rateLimiter.refund(bucket.rule, bucket.subject);
    else await rateLimiter.reset(bucket.rule, bucket.subject);
  }
  if (previousSessionId) await sessions.end(previousSessionId);
  // The manager's name is looked up once here, so the home screen needs no directory call.
  const manager = result.user.manager ? await directory.findUser(result.user.manager).catch(() => null) : null;
  const profile = profileOf(result.user, deps.roleGroups, manager?.displayName ?? null);
  const sessionId = await sessions.start(profile, context);
  const now = deps.clock.now();
  let newDeviceToken: string | null = null;
  if (trusted && deviceHash && profile.username.toLowerCase() === input.username.toLowerCase()) {
    await touchTrustedDevice(deps.db, deviceHash, now, TRUSTED_DEVICE_TTL_MS);
  } else {
    newDeviceToken = randomToken(32);
    await insertTrustedDevice(deps.db, { tokenHash: sha256Hex(newDeviceToken), username: profile.username.toLowerCase(), now, ttlMs: TRUSTED_DEVICE_TTL_MS });
  }
  await audit.record({ ...attempt, actor: profile.username, result: 'success' });
  // A new hire's first sign-in ticks their onboarding checklist (a no-op for everyone else).
  await recordFirstSignIn(deps, profile.username, now);
  return { sessionId, profile, newDeviceToken };
}

/**
 * The non-secret tag of a session, for the browser to name its offline copies of personal answers
 * (the cookie is HttpOnly, so page and service worker cannot tell sessions apart otherwise). A
 * labelled one-way hash of the stored id hash: it gives away neither the id nor the stored hash.
 */
export function sessionTagOf(idHash: string): string {
  return sha256Hex(`portal.session-tag.v1:${idHash}`).slice(0, 32);
}

/**
 * What the browser may know about its session: the tag, and the longest it can still live without
 * another request (the idle limit, capped by the absolute one). Past that, an offline copy belongs
 * to a session that has surely ended, even if the browser never saw the 401.
 */
export function sessionInfoOf(
  session: { idHash: string; createdAt: number },
  limits: { idleMs: number; absoluteMs: number },
  now: number,
): SessionInfo {
  const endsAt = Math.min(session.createdAt + limits.absoluteMs, now + limits.idleMs);
  return { tag: sessionTagOf(session.idHash), liveForMs: Math.max(0, endsAt - now) };
}

/** Password re-entries per account in 15 minutes: a guessing stranger at an unlocked laptop gets few tries. */
export const REAUTH_ACCOUNT_RULE: RateLimitRule = { name: 'reauth:account', limit: 5, windowMs: 15 * 60_000 };

/**
 * The signed-in person proves again that they know the password (checked against the directory).
 * On success the session is marked, so recovery changes and staff actions work for a few minutes.
 * A wrong password is a 400 (not a 401: the session itself is fine) and leaves no mark.
 */
export async function reauthenticate(
  deps: Pick<AuthServiceDeps, 'directory' | 'sessions' | 'rateLimiter' | 'audit'>,
  session: { idHash: string; username: string },
  password: string,
  context: RequestContext,
): Promise<void> {
  const attempt = { action: 'auth.reauth', actor: session.username, ip: context.ip, userAgent: context.userAgent } as const;
  try {
    await deps.rateLimiter.consume(REAUTH_ACCOUNT_RULE, session.username);
  } catch (error) {
    await deps.audit.record({ ...attempt, result: 'denied', details: { reason: 'rate_limited' } });
    throw error;
  }
  let result;
  try {
    result = await deps.directory.authenticate(session.username, password);
  } catch (error) {
    await deps.rateLimiter.refund(REAUTH_ACCOUNT_RULE, session.username);
    throw error;
  }
  if (!result.ok) {
    await deps.audit.record({ ...attempt, result: 'failure', details: { reason: result.reason } });
    throw errors.currentPasswordWrong();
  }
  await deps.rateLimiter.reset(REAUTH_ACCOUNT_RULE, session.username);
  await deps.sessions.markReauthenticated(session.idHash);
  await deps.audit.record({ ...attempt, result: 'success' });
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

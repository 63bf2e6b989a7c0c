import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { can, type Permission } from '../../shared/permissions.js';
import { REAUTH_WINDOW_MS } from '../../shared/staff.js';
import { errors } from '../errors.js';
import type { Session, SessionService } from '../sessions/service.js';
import type { AppEnv } from './context.js';

/**
 * The session cookie. Over https it is `__Host-` prefixed and Secure (bound to this exact origin);
 * on plain-http local development browsers would drop a Secure cookie, so it is neither.
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-portal_session' : 'portal_session';
}

export function readSessionCookie(c: Context, secure: boolean): string | undefined {
  return getCookie(c, sessionCookieName(secure));
}

export function writeSessionCookie(c: Context, secure: boolean, id: string, maxAgeSeconds: number): void {
  setCookie(c, sessionCookieName(secure), id, { path: '/', httpOnly: true, secure, sameSite: 'Lax', maxAge: maxAgeSeconds });
}

export function clearSessionCookie(c: Context, secure: boolean): void {
  deleteCookie(c, sessionCookieName(secure), { path: '/', secure, httpOnly: true, sameSite: 'Lax' });
}

/** Resolves the session cookie (if any) into `c.var.session`. */
export function loadSession(sessions: SessionService, secure: boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const raw = readSessionCookie(c, secure);
    c.set('session', raw ? await sessions.resume(raw) : null);
    await next();
  };
}

/** The current session, or a 401. */
export function currentSession(c: Context<AppEnv>): Session {
  const session = c.get('session');
  if (!session) throw errors.unauthenticated();
  return session;
}

/** Route guard for self-service: any signed-in person (everyone who can sign in is an employee). */
export function requireSignIn(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    currentSession(c);
    await next();
  };
}

/**
 * Route guard: signed in (else 401) and holding `permission` in shared/permissions.ts (else 403).
 * The web app reads the same map, so its screens offer exactly what this lets through.
 */
export function requirePermission(permission: Permission): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const session = currentSession(c);
    if (!can(session.profile.roles, permission)) throw errors.forbidden();
    await next();
  };
}

/**
 * Route guard for changes an unattended, signed-in laptop must not allow: recovery factors and
 * staff actions on someone else's account. The password must have been re-entered in this session
 * (POST /api/auth/reauth) within the last ten minutes; otherwise `403 reauth_required`, which the
 * web app answers by asking for the password in place and retrying.
 */
export function requireReauth(sessions: SessionService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const session = currentSession(c);
    if (!sessions.isRecentlyReauthenticated(session, REAUTH_WINDOW_MS)) throw errors.reauthRequired();
    await next();
  };
}

import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { loginRequestSchema, reauthRequestSchema, type LoginAnswer, type MeAnswer } from '../../../shared/auth.js';
import { REAUTH_WINDOW_MS } from '../../../shared/staff.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { requestContext } from '../../http/request-context.js';
import { clearSessionCookie, currentSession, readSessionCookie, requireSignIn, writeSessionCookie } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import { sha256Hex } from '../../platform/secrets.js';
import { cachedLockoutThreshold, reauthenticate, sessionInfoOf, signIn, signOut, TRUSTED_DEVICE_TTL_MS } from './service.js';

/** The trusted-device cookie (see signIn): like the session cookie, `__Host-` and Secure over https. */
function deviceCookieName(secure: boolean): string {
  return secure ? '__Host-portal_device' : 'portal_device';
}

function writeDeviceCookie(c: Context, secure: boolean, token: string): void {
  setCookie(c, deviceCookieName(secure), token, {
    path: '/',
    httpOnly: true,
    secure,
    sameSite: 'Lax',
    maxAge: Math.floor(TRUSTED_DEVICE_TTL_MS / 1000),
  });
}

export function authRoutes(deps: AppDeps) {
  const secure = deps.config.secure;
  const serviceDeps = {
    ...deps,
    roleGroups: deps.config.roleGroups,
    lockoutThreshold: cachedLockoutThreshold(deps.directory, deps.clock),
  };
  return new Hono<AppEnv>()
    .post('/login', validate('json', loginRequestSchema), async (c) => {
      const context = { ...requestContext(c), deviceToken: getCookie(c, deviceCookieName(secure)) };
      const { sessionId, profile, newDeviceToken } = await signIn(serviceDeps, c.req.valid('json'), context, readSessionCookie(c, secure));
      writeSessionCookie(c, secure, sessionId, deps.sessions.maxAgeSeconds);
      if (newDeviceToken) writeDeviceCookie(c, secure, newDeviceToken);
      const now = deps.clock.now();
      const session = sessionInfoOf({ idHash: sha256Hex(sessionId), createdAt: now }, deps.config.session, now);
      return c.json({ user: profile, session } satisfies LoginAnswer, 200);
    })
    .post('/reauth', requireSignIn(), validate('json', reauthRequestSchema), async (c) => {
      await reauthenticate(deps, currentSession(c), c.req.valid('json').password, requestContext(c));
      return c.json({ validUntil: new Date(deps.clock.now() + REAUTH_WINDOW_MS).toISOString() }, 200);
    })
    .post('/logout', async (c) => {
      const session = c.get('session');
      const raw = readSessionCookie(c, secure);
      if (session && raw) await signOut(deps, raw, session.username, requestContext(c));
      clearSessionCookie(c, secure);
      return c.body(null, 204);
    });
}

export function meRoutes(deps: Pick<AppDeps, 'clock' | 'config'>) {
  return new Hono<AppEnv>().get('/me', (c) => {
    const current = currentSession(c);
    const answer: MeAnswer = { ...current.profile, session: sessionInfoOf(current, deps.config.session, deps.clock.now()) };
    return c.json(answer, 200);
  });
}

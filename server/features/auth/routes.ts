import { Hono } from 'hono';
import { loginRequestSchema, reauthRequestSchema } from '../../../shared/auth.js';
import { REAUTH_WINDOW_MS } from '../../../shared/staff.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { requestContext } from '../../http/request-context.js';
import { clearSessionCookie, currentSession, readSessionCookie, requireAuth, writeSessionCookie } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import { reauthenticate, signIn, signOut } from './service.js';

export function authRoutes(deps: AppDeps) {
  const secure = deps.config.secure;
  const serviceDeps = { ...deps, roleGroups: deps.config.roleGroups };
  return new Hono<AppEnv>()
    .post('/login', validate('json', loginRequestSchema), async (c) => {
      const { sessionId, profile } = await signIn(serviceDeps, c.req.valid('json'), requestContext(c), readSessionCookie(c, secure));
      writeSessionCookie(c, secure, sessionId, deps.sessions.maxAgeSeconds);
      return c.json({ user: profile }, 200);
    })
    .post('/reauth', requireAuth(), validate('json', reauthRequestSchema), async (c) => {
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

export function meRoutes() {
  return new Hono<AppEnv>().get('/me', (c) => c.json(currentSession(c).profile, 200));
}

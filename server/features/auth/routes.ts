import { Hono } from 'hono';
import { loginRequestSchema, type LoginAnswer, type MeAnswer } from '../../../shared/auth.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { requestContext } from '../../http/request-context.js';
import { clearSessionCookie, currentSession, readSessionCookie, writeSessionCookie } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import { sha256Hex } from '../../platform/secrets.js';
import { sessionInfoOf, signIn, signOut } from './service.js';

export function authRoutes(deps: AppDeps) {
  const secure = deps.config.secure;
  const serviceDeps = { ...deps, roleGroups: deps.config.roleGroups };
  return new Hono<AppEnv>()
    .post('/login', validate('json', loginRequestSchema), async (c) => {
      const { sessionId, profile } = await signIn(serviceDeps, c.req.valid('json'), requestContext(c), readSessionCookie(c, secure));
      writeSessionCookie(c, secure, sessionId, deps.sessions.maxAgeSeconds);
      const now = deps.clock.now();
      const session = sessionInfoOf({ idHash: sha256Hex(sessionId), createdAt: now }, deps.config.session, now);
      return c.json({ user: profile, session } satisfies LoginAnswer, 200);
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

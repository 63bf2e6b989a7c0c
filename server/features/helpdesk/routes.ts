import { Hono } from 'hono';
import { usernameParamSchema } from '../../../shared/people.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { currentSession, requirePermission } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import { sendResetLink } from '../password/links.js';
import { passwordDepsOf } from '../password/routes.js';
import { issueVerificationCode, unlockForCaller } from './service.js';

export function helpdeskRoutes(appDeps: AppDeps) {
  const deps = passwordDepsOf(appDeps);
  return new Hono<AppEnv>()
    .post('/users/:username/unlock', requirePermission('people.unlock'), validate('param', usernameParamSchema), async (c) => {
      await unlockForCaller(deps, c.req.valid('param').username, currentSession(c).username);
      return c.json({ done: true as const }, 200);
    })
    .post('/users/:username/reset-link', requirePermission('people.reset_link'), validate('param', usernameParamSchema), async (c) => {
      return c.json(await sendResetLink(deps, c.req.valid('param').username, currentSession(c).username), 202);
    })
    .post(
      '/users/:username/verification-code',
      requirePermission('people.verification_code'),
      validate('param', usernameParamSchema),
      async (c) => {
        return c.json(await issueVerificationCode(deps, c.req.valid('param').username, currentSession(c).username), 201);
      },
    );
}

import { Hono } from 'hono';
import { usernameParamSchema } from '../../../shared/people.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { currentSession, requirePermission, requireReauth } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import { passwordDepsOf } from '../password/routes.js';
import { issueVerificationCode, sendResetLinkFor, type StaffActor, unlockForCaller } from './service.js';

/** Every action here changes someone else's account: it needs a recent password re-entry (requireReauth). */
export function helpdeskRoutes(appDeps: AppDeps) {
  const deps = { ...passwordDepsOf(appDeps), roleGroups: appDeps.config.roleGroups };
  const actor = (c: Parameters<typeof currentSession>[0]): StaffActor => {
    const session = currentSession(c);
    return { username: session.username, roles: session.profile.roles };
  };
  return new Hono<AppEnv>()
    .post(
      '/users/:username/unlock',
      requirePermission('people.unlock'),
      requireReauth(appDeps.sessions),
      validate('param', usernameParamSchema),
      async (c) => {
        await unlockForCaller(deps, c.req.valid('param').username, actor(c));
        return c.json({ done: true as const }, 200);
      },
    )
    .post(
      '/users/:username/reset-link',
      requirePermission('people.reset_link'),
      requireReauth(appDeps.sessions),
      validate('param', usernameParamSchema),
      async (c) => c.json(await sendResetLinkFor(deps, c.req.valid('param').username, actor(c)), 202),
    )
    .post(
      '/users/:username/verification-code',
      requirePermission('people.verification_code'),
      requireReauth(appDeps.sessions),
      validate('param', usernameParamSchema),
      async (c) => c.json(await issueVerificationCode(deps, c.req.valid('param').username, actor(c)), 201),
    );
}

import { type Context, Hono } from 'hono';
import { offboardingSchema } from '../../../shared/onboarding.js';
import {
  cancelOffboardingSchema,
  offboardingChangeSchema,
  offboardingIdParamSchema,
  offboardingListQuerySchema,
} from '../../../shared/offboarding.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { currentSession, requirePermission, requireReauth } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import {
  cancelOffboarding,
  changeOffboarding,
  getOffboarding,
  listOffboardings,
  type OffboardingActor,
  type OffboardingDeps,
  startOffboarding,
} from './service.js';

export function offboardingDepsOf(deps: AppDeps): OffboardingDeps {
  return {
    db: deps.db,
    directory: deps.directory,
    roleGroups: deps.config.roleGroups,
    inventory: deps.inventory,
    audit: deps.audit,
    clock: deps.clock,
    keys: deps.keys,
    sessions: deps.sessions,
    publicUrl: deps.config.publicUrl,
  };
}

function actorOf(c: Context<AppEnv>): OffboardingActor {
  const session = currentSession(c);
  return { username: session.username, roles: session.profile.roles };
}

/**
 * HR's offboarding: schedule a leaver's close-out, follow its checklist, move or cancel it. Every
 * write acts on someone else's account, so it needs a recent password re-entry (SECURITY 27); who
 * may offboard whom is decided in the service against the person's roles.
 */
export function offboardingRoutes(appDeps: AppDeps) {
  const deps = offboardingDepsOf(appDeps);
  return new Hono<AppEnv>()
    .post('/', requirePermission('onboarding.manage'), requireReauth(appDeps.sessions), validate('json', offboardingSchema), async (c) =>
      c.json(await startOffboarding(deps, actorOf(c), c.req.valid('json')), 201),
    )
    .get('/', requirePermission('onboarding.manage'), validate('query', offboardingListQuerySchema), async (c) =>
      c.json({ items: await listOffboardings(deps, c.req.valid('query').status) }, 200),
    )
    .get('/:id', requirePermission('onboarding.manage'), validate('param', offboardingIdParamSchema), async (c) =>
      c.json(await getOffboarding(deps, c.req.valid('param').id), 200),
    )
    .patch(
      '/:id',
      requirePermission('onboarding.manage'),
      requireReauth(appDeps.sessions),
      validate('param', offboardingIdParamSchema),
      validate('json', offboardingChangeSchema),
      async (c) => c.json(await changeOffboarding(deps, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .post(
      '/:id/cancel',
      requirePermission('onboarding.manage'),
      requireReauth(appDeps.sessions),
      validate('param', offboardingIdParamSchema),
      validate('json', cancelOffboardingSchema),
      async (c) => c.json(await cancelOffboarding(deps, actorOf(c), c.req.valid('param').id, c.req.valid('json').reason), 200),
    );
}

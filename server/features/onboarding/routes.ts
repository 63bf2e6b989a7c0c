import { Hono, type Context } from 'hono';
import {
  activationSchema,
  activationTokenParamSchema,
  bundleKeyParamSchema,
  cancelHireSchema,
  hireChangeSchema,
  hireIdParamSchema,
  hireListQuerySchema,
  newHireSchema,
  roleBundleSchema,
  roleBundleUpdateSchema,
} from '../../../shared/onboarding.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { requestContext } from '../../http/request-context.js';
import { currentSession, requirePermission } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import { passwordDepsOf } from '../password/routes.js';
import { activate, viewActivation } from './activation.js';
import {
  cancelHire,
  changeHire,
  createBundle,
  createHire,
  deleteBundle,
  getHire,
  listBundles,
  listHires,
  type OnboardingActor,
  type OnboardingDeps,
  resendActivation,
  updateBundle,
} from './service.js';

export function onboardingDepsOf(deps: AppDeps): OnboardingDeps {
  return {
    db: deps.db,
    directory: deps.directory,
    roleGroups: deps.config.roleGroups,
    inventory: deps.inventory,
    audit: deps.audit,
    clock: deps.clock,
    keys: deps.keys,
    logger: deps.logger,
    publicUrl: deps.config.publicUrl,
    companyName: deps.config.companyName,
    onboarding: deps.config.onboarding,
  };
}

function actorOf(c: Context<AppEnv>): OnboardingActor {
  const { username, profile } = currentSession(c);
  return { username, roles: profile.roles };
}

/**
 * HR's onboarding: hires with their checklists, changes, cancellation, role bundles. Thin: who may
 * do what to which hire or bundle is decided in the service (also for SCIM, which calls it directly).
 */
export function onboardingRoutes(appDeps: AppDeps) {
  const deps = onboardingDepsOf(appDeps);
  const manage = requirePermission('onboarding.manage');
  const read = requirePermission('onboarding.read');
  return new Hono<AppEnv>()
    .get('/hires', read, validate('query', hireListQuerySchema), async (c) =>
      c.json({ items: await listHires(deps, actorOf(c), c.req.valid('query')) }, 200),
    )
    .post('/hires', manage, validate('json', newHireSchema), async (c) =>
      c.json(await createHire(deps, actorOf(c), c.req.valid('json')), 201),
    )
    .get('/hires/:id', read, validate('param', hireIdParamSchema), async (c) =>
      c.json(await getHire(deps, actorOf(c), c.req.valid('param').id), 200),
    )
    .patch('/hires/:id', manage, validate('param', hireIdParamSchema), validate('json', hireChangeSchema), async (c) =>
      c.json(await changeHire(deps, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .post('/hires/:id/cancel', manage, validate('param', hireIdParamSchema), validate('json', cancelHireSchema), async (c) =>
      c.json(await cancelHire(deps, actorOf(c), c.req.valid('param').id, c.req.valid('json').reason), 200),
    )
    .post('/hires/:id/resend-activation', manage, validate('param', hireIdParamSchema), async (c) =>
      c.json(await resendActivation(deps, actorOf(c), c.req.valid('param').id), 200),
    )
    .get('/bundles', manage, async (c) => c.json(await listBundles(deps, actorOf(c)), 200))
    .post('/bundles', manage, validate('json', roleBundleSchema), async (c) =>
      c.json(await createBundle(deps, actorOf(c), c.req.valid('json')), 201),
    )
    .put('/bundles/:key', manage, validate('param', bundleKeyParamSchema), validate('json', roleBundleUpdateSchema), async (c) =>
      c.json(await updateBundle(deps, actorOf(c), c.req.valid('param').key, c.req.valid('json')), 200),
    )
    .delete('/bundles/:key', manage, validate('param', bundleKeyParamSchema), async (c) => {
      await deleteBundle(deps, actorOf(c), c.req.valid('param').key);
      return c.json({ deleted: true as const }, 200);
    });
}

/** The hire's own page (public: the link is the credential). */
export function activationRoutes(appDeps: AppDeps) {
  const deps = passwordDepsOf(appDeps);
  return new Hono<AppEnv>()
    .get('/:token', validate('param', activationTokenParamSchema), async (c) =>
      c.json(await viewActivation(deps, c.req.valid('param').token, requestContext(c).ip), 200),
    )
    .post('/:token', validate('param', activationTokenParamSchema), validate('json', activationSchema), async (c) =>
      c.json(
        { done: true as const, ...(await activate(deps, c.req.valid('param').token, c.req.valid('json').password, requestContext(c).ip)) },
        200,
      ),
    );
}

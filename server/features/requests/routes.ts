import { Hono, type Context } from 'hono';
import {
  approvalChainsSchema,
  assetTagParamSchema,
  cancelRequestSchema,
  catalogQuerySchema,
  closeReportSchema,
  createRequestSchema,
  decisionSchema,
  delegationSchema,
  deviceReportSchema,
  fulfilRequestSchema,
  idParamSchema,
  listRequestsQuerySchema,
  markReadSchema,
} from '../../../shared/requests.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { currentSession, requirePermission, requireReauth, requireSignIn } from '../../http/session.js';
import { idempotent, recordIdempotentAnswer } from '../../http/idempotency.js';
import { validate } from '../../http/validate.js';
import { myNotifications, readNotifications } from '../../notifications/service.js';
import { closeReport, myDevices, openDeviceReports, reportDevice } from './devices.js';
import {
  type Actor,
  approvalQueue,
  cancelRequest,
  catalog,
  clearDelegation,
  createRequest,
  decide,
  fulfilmentQueue,
  fulfilRequest,
  myDelegation,
  myRequests,
  readChains,
  receiveRequest,
  requestView,
  type RequestsDeps,
  setDelegation,
  writeChains,
} from './service.js';

export function requestsDepsOf(deps: AppDeps): RequestsDeps {
  return {
    db: deps.db,
    directory: deps.directory,
    roleGroups: deps.config.roleGroups,
    inventory: deps.inventory,
    audit: deps.audit,
    clock: deps.clock,
  };
}

function actorOf(c: Context<AppEnv>): Actor {
  const { username, profile } = currentSession(c);
  return { username, roles: profile.roles, department: profile.department, displayName: profile.displayName, manager: profile.manager };
}

/**
 * Catalog, requests, approvals, fulfilment, my devices, delegation and notifications. Routes are
 * thin: who may act on which request is decided in the service, against the request itself (an
 * approval is only ever decided by its approver, a holder of its role or their delegate).
 */
export function requestsRoutes(appDeps: AppDeps) {
  const deps = requestsDepsOf(appDeps);
  return new Hono<AppEnv>()
    .get('/catalog', requirePermission('catalog.request'), validate('query', catalogQuerySchema), async (c) =>
      c.json({ items: await catalog(deps, actorOf(c), c.req.valid('query')) }, 200),
    )
    // Offline clients resend a request they never saw answered: the key makes it one request.
    .post('/requests', requirePermission('catalog.request'), idempotent(appDeps), validate('json', createRequestSchema), async (c) =>
      c.json(
        await createRequest(deps, actorOf(c), c.req.valid('json'), {
          // The key's answer commits with the request: no window where one exists without the other.
          beforeCommit: (trx, view) => recordIdempotentAnswer(trx, c, 201, view, deps.clock.now()),
        }),
        201,
      ),
    )
    .get('/requests', requireSignIn(), validate('query', listRequestsQuerySchema), async (c) => {
      const { status, limit } = c.req.valid('query');
      return c.json({ items: await myRequests(deps, actorOf(c), status, limit) }, 200);
    })
    .get('/requests/:id', requireSignIn(), validate('param', idParamSchema), async (c) =>
      c.json(await requestView(deps, actorOf(c), c.req.valid('param').id), 200),
    )
    .post('/requests/:id/cancel', requireSignIn(), validate('param', idParamSchema), validate('json', cancelRequestSchema), async (c) =>
      c.json(await cancelRequest(deps, actorOf(c), c.req.valid('param').id, c.req.valid('json').reason), 200),
    )
    .post(
      '/requests/:id/fulfil',
      requirePermission('inventory.manage'),
      validate('param', idParamSchema),
      validate('json', fulfilRequestSchema),
      async (c) => c.json(await fulfilRequest(deps, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .post('/requests/:id/receive', requireSignIn(), validate('param', idParamSchema), async (c) =>
      c.json(await receiveRequest(deps, actorOf(c), c.req.valid('param').id), 200),
    )
    .get('/fulfilment', requirePermission('inventory.manage'), async (c) => c.json({ items: await fulfilmentQueue(deps, actorOf(c), 200) }, 200))
    // Anyone signed in may hold approvals (a delegate need not be a manager); the rows decide.
    .get('/approvals', requireSignIn(), async (c) => c.json({ items: await approvalQueue(deps, actorOf(c)) }, 200))
    // Decided offline, sent again after a lost answer: the key replays the first answer instead of a 409.
    .post('/approvals/:id/decision', requireSignIn(), idempotent(appDeps), validate('param', idParamSchema), validate('json', decisionSchema), async (c) =>
      c.json(await decide(deps, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .get('/me/delegation', requirePermission('requests.approve'), async (c) => c.json({ delegation: await myDelegation(deps, actorOf(c)) }, 200))
    .put('/me/delegation', requirePermission('requests.approve'), validate('json', delegationSchema), async (c) =>
      c.json({ delegation: await setDelegation(deps, actorOf(c), c.req.valid('json')) }, 200),
    )
    .delete('/me/delegation', requirePermission('requests.approve'), async (c) => {
      await clearDelegation(deps, actorOf(c));
      return c.json({ delegation: null }, 200);
    })
    .get('/me/devices', requireSignIn(), async (c) => c.json({ items: await myDevices(deps, actorOf(c)) }, 200))
    .post('/me/devices/:tag/reports', requireSignIn(), validate('param', assetTagParamSchema), validate('json', deviceReportSchema), async (c) =>
      c.json(await reportDevice(deps, actorOf(c), c.req.valid('param').tag, c.req.valid('json')), 201),
    )
    .get('/device-reports', requirePermission('inventory.manage'), async (c) => c.json({ items: await openDeviceReports(deps, 200) }, 200))
    .post(
      '/device-reports/:id/close',
      requirePermission('inventory.manage'),
      validate('param', idParamSchema),
      validate('json', closeReportSchema),
      async (c) => c.json(await closeReport(deps, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .get('/notifications', requireSignIn(), async (c) => c.json(await myNotifications(appDeps.db, currentSession(c).username), 200))
    .post('/notifications/read', requireSignIn(), validate('json', markReadSchema), async (c) =>
      c.json(await readNotifications(appDeps.db, currentSession(c).username, c.req.valid('json').ids, appDeps.clock.now()), 200),
    )
    .get('/admin/approval-chains', requirePermission('settings.read'), async (c) => c.json({ rules: await readChains(appDeps.db) }, 200))
    .put('/admin/approval-chains', requirePermission('settings.write'), requireReauth(appDeps.sessions), validate('json', approvalChainsSchema), async (c) =>
      c.json({ rules: await writeChains(deps, c.req.valid('json'), currentSession(c).username) }, 200),
    );
}

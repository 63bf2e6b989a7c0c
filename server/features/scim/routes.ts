import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { routePath } from 'hono/route';
import { DirectoryUnavailableError } from '../../directory/port.js';
import { rolesFromGroups } from '../../directory/roles.js';
import { AppError } from '../../errors.js';
import type { AppDeps } from '../../http/context.js';
import { statusOf } from '../../http/errors.js';
import { createHire } from '../onboarding/service.js';
import { onboardingDepsOf } from '../onboarding/routes.js';
import type { ScimCaller, ScimDeps, ScimOnboarding } from './context.js';
import { actorOf } from './context.js';
import { getGroup, listGroups, patchGroup, replaceGroup } from './groups.js';
import { parseListQuery } from './list.js';
import { isScimError, SCIM_CONTENT_TYPE, SCIMMY, scimError, setUpScimmy } from './scimmy.js';
import { authenticateScimToken } from './tokens.js';
import { createUser, deprovisionUser, getUser, listUsers, patchUser, replaceUser } from './users.js';

/**
 * The SCIM 2.0 service provider (RFC 7643/7644) at /scim/v2, for Okta, Microsoft Entra or an HR
 * system. Bearer tokens only (an admin creates them in the portal); no session, no cookie, so no
 * CSRF surface. Every answer is application/scim+json; every error is a SCIM Error message.
 */

type ScimEnv = { Variables: { scimCaller: ScimCaller; ip: string | null; requestId: string; session: null } };

function send(c: Context, body: unknown, status: number, headers: Record<string, string> = {}) {
  if (status === 204) return c.body(null, 204, headers);
  return c.body(JSON.stringify(body), status as 200, { 'content-type': `${SCIM_CONTENT_TYPE}; charset=utf-8`, ...headers });
}

/**
 * RFC 7644 3.12's error message. Built here rather than by SCIMMY's ErrorResponse, which accepts
 * only a fixed list of statuses and would throw on a 503 (directory down).
 */
function errorMessage(error: InstanceType<typeof SCIMMY.Types.Error>) {
  const { status, scimType, message } = error as unknown as { status: number; scimType?: string | null; message: string };
  return { schemas: [SCIMMY.Messages.Error.id], status: String(status), ...(scimType ? { scimType } : {}), detail: message };
}

/** The JSON body of a write: application/scim+json (or plain application/json, which clients also send). */
async function readBody(c: Context): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== SCIM_CONTENT_TYPE && type !== 'application/json')
    throw scimError(400, 'invalidSyntax', `Send the body as ${SCIM_CONTENT_TYPE}.`);
  const raw = await c.req.text();
  if (raw.trim() === '') throw scimError(400, 'invalidSyntax', 'The request has no body.');
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw scimError(400, 'invalidSyntax', 'The body is not valid JSON.');
  }
}

const query = (c: Context) => c.req.query() as Record<string, string | undefined>;

/**
 * SCIM hires through the onboarding service, as the admin who made the token: their roles are read
 * from the directory now, so a token whose maker is no longer HR or admin cannot add hires.
 */
function scimOnboarding(deps: AppDeps): ScimOnboarding {
  const onboardingDeps = onboardingDepsOf(deps);
  return {
    async createHire(request, caller) {
      const maker = await deps.directory.findUser(caller.createdBy);
      const roles = maker && !maker.disabled ? rolesFromGroups(maker, deps.config.roleGroups) : [];
      const hire = await createHire(
        onboardingDeps,
        { username: caller.createdBy, roles: ['employee', ...roles] },
        {
          firstName: request.givenName,
          lastName: request.familyName,
          personalEmail: request.personalEmail,
          startDate: request.startDate,
          timeZone: request.timeZone,
          department: request.department ?? '',
          title: request.title ?? '',
          manager: request.manager ?? '',
          ...(request.location ? { location: request.location } : {}),
          ...(request.role ? { role: request.role } : {}),
        },
        { via: 'scim' },
      );
      return { username: hire.username, displayName: hire.displayName };
    },
  };
}

/** Onboarding's field names, as the SCIM attributes a client sent. */
const HIRE_FIELDS: Record<string, string> = {
  firstName: 'name.givenName',
  lastName: 'name.familyName',
  department: 'enterprise department',
  title: 'title',
  manager: 'enterprise manager',
  personalEmail: 'portal personalEmail',
  startDate: 'portal startDate',
  timeZone: 'portal timeZone',
  location: 'portal location',
  role: 'portal role',
};

export function scimRoutes(deps: AppDeps, onboarding: ScimOnboarding | null = scimOnboarding(deps)) {
  setUpScimmy();
  const origin = deps.config.publicUrl;
  const baseUrl = `${origin.origin}${origin.pathname.replace(/\/+$/, '')}/scim/v2`;
  for (const resource of [SCIMMY.Resources.User, SCIMMY.Resources.Group, SCIMMY.Resources.Schema, SCIMMY.Resources.ResourceType, SCIMMY.Resources.ServiceProviderConfig]) {
    resource.basepath(baseUrl);
  }
  const scim: ScimDeps = {
    db: deps.db,
    clock: deps.clock,
    directory: deps.directory,
    audit: deps.audit,
    sessions: deps.sessions,
    baseUrl,
    onboarding,
    roleGroups: deps.config.roleGroups,
  };
  const caller = (c: Context<ScimEnv>) => c.get('scimCaller');

  const app = new Hono<ScimEnv>();
  app.onError((error, c) => {
    if (isScimError(error)) return send(c, errorMessage(error), error.status);
    if (error instanceof AppError) {
      // The onboarding service's refusals (bad start date or zone, unknown manager or role, …).
      const status = statusOf(error.code);
      const fields = error.details.fields ? Object.entries(error.details.fields).map(([k, v]) => `${HIRE_FIELDS[k] ?? k}: ${v}`) : [];
      const detail = fields.length ? fields.join(' ') : error.message;
      return send(c, errorMessage(scimError(status, status === 400 || status === 422 ? 'invalidValue' : null, detail)), status);
    }
    if (error instanceof DirectoryUnavailableError) {
      deps.logger.warn({ err: error.message }, 'scim: directory unavailable');
      // Okta and Entra retry a 503 later by themselves.
      return send(c, errorMessage(scimError(503, null, 'The directory is not reachable right now; try again later.')), 503, { 'retry-after': '30' });
    }
    deps.logger.error({ err: error }, 'scim: unexpected error');
    return send(c, errorMessage(scimError(500, null, 'Something went wrong on the portal.')), 500);
  });

  app.use('*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match ? await authenticateScimToken(deps, match[1]!) : null;
    if (!token) {
      return send(c, errorMessage(scimError(401, null, 'A valid bearer token is required.')), 401, { 'www-authenticate': 'Bearer realm="scim"' });
    }
    c.set('scimCaller', { tokenId: token.id, tokenName: token.name, createdBy: token.createdBy });
    c.header('cache-control', 'no-store');
    await next();
    // Writes record what they changed in their own transaction; reads and refused writes are
    // recorded here, so every request a token makes is in the audit trail under its name.
    if (c.req.method === 'GET' || c.res.status >= 400) {
      await deps.audit.record({
        action: c.req.method === 'GET' ? 'scim.read' : 'scim.write_refused',
        actor: actorOf(caller(c)),
        result: c.res.status >= 400 ? 'failure' : 'success',
        details: { tokenId: token.id, method: c.req.method, route: routePath(c), status: c.res.status },
      });
    }
  });
  // Group replacements carry every member: more room than the JSON API's 64 KiB.
  app.use('*', bodyLimit({ maxSize: 1024 * 1024, onError: (c) => send(c, errorMessage(scimError(413, null, 'The request body is too large.')), 413) }));

  app.get('/ServiceProviderConfig', async (c) => send(c, await new SCIMMY.Resources.ServiceProviderConfig().read(), 200));
  app.get('/ResourceTypes', async (c) => send(c, await new SCIMMY.Resources.ResourceType().read(), 200));
  app.get('/ResourceTypes/:id', async (c) => send(c, await new SCIMMY.Resources.ResourceType(c.req.param('id')).read(), 200));
  app.get('/Schemas', async (c) => send(c, await new SCIMMY.Resources.Schema().read(), 200));
  app.get('/Schemas/:id', async (c) => send(c, await new SCIMMY.Resources.Schema(c.req.param('id')).read(), 200));

  app.get('/Users', async (c) => send(c, await listUsers(scim, parseListQuery(query(c))), 200));
  app.post('/Users', async (c) => {
    const created = await createUser(scim, caller(c), await readBody(c));
    return send(c, created, 201, { location: String((created.meta as { location: string }).location) });
  });
  app.get('/Users/:id', async (c) => send(c, await getUser(scim, c.req.param('id'), parseListQuery({ ...query(c), filter: undefined })), 200));
  app.put('/Users/:id', async (c) => send(c, await replaceUser(scim, caller(c), c.req.param('id'), await readBody(c)), 200));
  app.patch('/Users/:id', async (c) => send(c, await patchUser(scim, caller(c), c.req.param('id'), await readBody(c)), 200));
  app.delete('/Users/:id', async (c) => {
    await deprovisionUser(scim, caller(c), c.req.param('id'));
    return send(c, null, 204);
  });

  const groupExtras = (c: Context) => ({ excluded: c.req.query('excludedAttributes'), only: c.req.query('attributes') });
  app.get('/Groups', async (c) => send(c, await listGroups(scim, parseListQuery(query(c)), groupExtras(c)), 200));
  app.get('/Groups/:id', async (c) =>
    send(c, await getGroup(scim, c.req.param('id'), parseListQuery({ ...query(c), filter: undefined }), groupExtras(c)), 200),
  );
  app.put('/Groups/:id', async (c) => send(c, await replaceGroup(scim, caller(c), c.req.param('id'), await readBody(c)), 200));
  app.patch('/Groups/:id', async (c) => send(c, await patchGroup(scim, caller(c), c.req.param('id'), await readBody(c)), 200));
  // Groups are created and removed in the directory, where their place and the roles they grant are decided.
  const groupsAreTheDirectorys = () => {
    throw scimError(501, null, 'Groups are created and removed in the directory; SCIM manages their members.');
  };
  app.post('/Groups', groupsAreTheDirectorys);
  app.delete('/Groups/:id', groupsAreTheDirectorys);
  app.all('/Bulk', () => {
    throw scimError(501, null, 'Bulk operations are not supported (see ServiceProviderConfig).');
  });
  app.all('*', (c) => {
    throw scimError(404, null, `No SCIM endpoint at ${c.req.method} ${c.req.path}.`);
  });
  return app;
}

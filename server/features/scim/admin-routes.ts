import { Hono } from 'hono';
import { createScimTokenSchema, scimTokenIdParamSchema } from '../../../shared/scim.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { currentSession, requirePermission, requireReauth } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import { createScimToken, listScimTokens, revokeScimToken } from './tokens.js';

/**
 * /api/admin/scim-tokens: admins create (shown once), list and revoke the bearer tokens SCIM
 * clients use. Mounted under /api/admin.
 */
export function scimTokenRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/scim-tokens', requirePermission('scim.manage'), async (c) => c.json({ tokens: await listScimTokens(deps.db) }, 200))
    // A token provisions and disables any account: making one needs the password re-entered (SECURITY 27).
    .post('/scim-tokens', requirePermission('scim.manage'), requireReauth(deps.sessions), validate('json', createScimTokenSchema), async (c) => {
      const { name } = c.req.valid('json');
      const created = await createScimToken(deps, name, currentSession(c).username);
      return c.json(created, 201);
    })
    .delete('/scim-tokens/:id', requirePermission('scim.manage'), validate('param', scimTokenIdParamSchema), async (c) => {
      const { id } = c.req.valid('param');
      return c.json(await revokeScimToken(deps, id, currentSession(c).username), 200);
    });
}

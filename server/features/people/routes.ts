import { Hono } from 'hono';
import { userSearchQuerySchema, usernameParamSchema } from '../../../shared/people.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { requestContext } from '../../http/request-context.js';
import { currentSession, requirePermission } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import { directReports, lookUpAccount, searchPeople } from './service.js';

export function peopleRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/team', requirePermission('team.read'), async (c) => {
      const reports = await directReports(deps.directory, currentSession(c).username);
      return c.json({ reports }, 200);
    })
    .get('/directory/users', requirePermission('people.search'), validate('query', userSearchQuerySchema), async (c) => {
      const users = await searchPeople(deps.directory, c.req.valid('query').query);
      return c.json({ users }, 200);
    })
    .get('/directory/users/:username', requirePermission('people.read'), validate('param', usernameParamSchema), async (c) => {
      const { username } = c.req.valid('param');
      const session = currentSession(c);
      const viewer = { username: session.username, roles: session.profile.roles };
      const account = await lookUpAccount(deps.directory, deps.db, username, deps.clock.now(), viewer, deps.config.roleGroups);
      await deps.audit.record({
        action: 'directory.lookup',
        actor: session.username,
        subject: account.user.username,
        result: 'success',
        ...requestContext(c),
      });
      return c.json(account, 200);
    });
}

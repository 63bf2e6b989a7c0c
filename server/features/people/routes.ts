import { Hono } from 'hono';
import { userSearchQuerySchema, usernameParamSchema } from '../../../shared/people.js';
import { DirectoryUnavailableError } from '../../directory/port.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { httpErrors } from '../../http/errors.js';
import { requestContext } from '../../http/request-context.js';
import { currentSession, requireAuth } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import { directReports, lookUpAccount, searchPeople } from './service.js';

/** Directory errors become a clear 503 instead of a 500. */
async function viaDirectory<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DirectoryUnavailableError) throw httpErrors.directoryUnavailable();
    throw error;
  }
}

export function peopleRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/team', requireAuth('manager', 'admin'), async (c) => {
      const reports = await viaDirectory(() => directReports(deps.directory, currentSession(c).username));
      return c.json({ reports }, 200);
    })
    .get('/directory/users', requireAuth('helpdesk', 'hr', 'admin'), validate('query', userSearchQuerySchema), async (c) => {
      const users = await viaDirectory(() => searchPeople(deps.directory, c.req.valid('query').query));
      return c.json({ users }, 200);
    })
    .get('/directory/users/:username', requireAuth('helpdesk', 'admin'), validate('param', usernameParamSchema), async (c) => {
      const { username } = c.req.valid('param');
      const account = await viaDirectory(() => lookUpAccount(deps.directory, deps.db, username, deps.clock.now()));
      await deps.audit.record({
        action: 'directory.lookup',
        actor: currentSession(c).username,
        subject: account.user.username,
        result: 'success',
        ...requestContext(c),
      });
      return c.json(account, 200);
    });
}

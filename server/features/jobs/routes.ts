import { Hono } from 'hono';
import { jobIdParamSchema, jobsQuerySchema } from '../../../shared/jobs.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { currentSession, requirePermission } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import { discardJob, jobCounts, jobsInState, retryJob } from '../../jobs/admin.js';

/** Admin view of the job queue, mounted at /api/admin/jobs. */
export function jobsAdminRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/', requirePermission('jobs.manage'), validate('query', jobsQuerySchema), async (c) => {
      const { state, limit } = c.req.valid('query');
      const [jobs, counts] = await Promise.all([jobsInState(deps.db, state, limit), jobCounts(deps.db)]);
      return c.json({ jobs, counts }, 200);
    })
    .post('/:id/retry', requirePermission('jobs.manage'), validate('param', jobIdParamSchema), async (c) => {
      await retryJob(deps, c.req.valid('param').id, deps.clock.now(), currentSession(c).username);
      deps.jobs.wake();
      return c.json({ ok: true as const }, 200);
    })
    .post('/:id/discard', requirePermission('jobs.manage'), validate('param', jobIdParamSchema), async (c) => {
      await discardJob(deps, c.req.valid('param').id, currentSession(c).username);
      return c.json({ ok: true as const }, 200);
    });
}

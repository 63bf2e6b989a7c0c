import { Hono } from 'hono';
import { jobIdParamSchema, jobsQuerySchema } from '../../../shared/jobs.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { HttpError } from '../../http/errors.js';
import { currentSession, requireAuth } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import { discardJob, jobCounts, jobsInState, retryJob } from '../../jobs/admin.js';

const notFailed = () => new HttpError(409, 'job_not_failed', 'That job is no longer failed: it may have been retried or discarded already.');

/** Admin view of the job queue, mounted at /api/admin/jobs. */
export function jobsAdminRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireAuth('admin'))
    .get('/', validate('query', jobsQuerySchema), async (c) => {
      const { state, limit } = c.req.valid('query');
      const [jobs, counts] = await Promise.all([jobsInState(deps.db, state, limit), jobCounts(deps.db)]);
      return c.json({ jobs, counts }, 200);
    })
    .post('/:id/retry', validate('param', jobIdParamSchema), async (c) => {
      const { id } = c.req.valid('param');
      const admin = currentSession(c).username;
      const ok = await retryJob(deps.db, id, deps.clock.now());
      await deps.audit.record({ action: 'admin.job_retried', actor: admin, result: ok ? 'success' : 'failure', details: { jobId: id } });
      if (!ok) throw notFailed();
      deps.jobs.wake();
      return c.json({ ok: true as const }, 200);
    })
    .post('/:id/discard', validate('param', jobIdParamSchema), async (c) => {
      const { id } = c.req.valid('param');
      const admin = currentSession(c).username;
      const ok = await discardJob(deps.db, id);
      await deps.audit.record({ action: 'admin.job_discarded', actor: admin, result: ok ? 'success' : 'failure', details: { jobId: id } });
      if (!ok) throw notFailed();
      return c.json({ ok: true as const }, 200);
    });
}

import { Hono } from 'hono';
import { auditQuerySchema } from '../../../shared/people.js';
import { resetPolicySchema } from '../../../shared/settings.js';
import { recentAuditEvents } from '../../audit/audit.js';
import { verifyAuditChain } from '../../audit/verify.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { currentSession, requireAuth } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import { getResetPolicy, saveResetPolicy } from '../settings/service.js';

export function adminRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireAuth('admin'))
    .get('/settings/password-reset', async (c) => c.json(await getResetPolicy(deps.db), 200))
    .put('/settings/password-reset', validate('json', resetPolicySchema), async (c) => {
      const policy = c.req.valid('json');
      const admin = currentSession(c).username;
      await saveResetPolicy(deps.db, policy, deps.clock.now(), admin);
      await deps.audit.record({ action: 'admin.reset_policy_changed', actor: admin, result: 'success', details: policy });
      return c.json(policy, 200);
    })
    .get('/audit', validate('query', auditQuerySchema), async (c) => {
      const { limit, actor, action } = c.req.valid('query');
      return c.json({ events: await recentAuditEvents(deps.db, limit, { actor, action }) }, 200);
    })
    .get('/audit/verify', async (c) => c.json(await verifyAuditChain(deps.db), 200));
}

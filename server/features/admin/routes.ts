import { Hono } from 'hono';
import { auditQuerySchema } from '../../../shared/people.js';
import { resetPolicySchema } from '../../../shared/settings.js';
import { recentAuditEvents } from '../../audit/audit.js';
import { verifyAuditChain } from '../../audit/verify.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { withTransaction } from '../../db/transaction.js';
import { currentSession, requirePermission, requireReauth } from '../../http/session.js';
import { validate } from '../../http/validate.js';
import { getResetPolicy, saveResetPolicy } from '../settings/service.js';

/** Settings change how everyone's account can be reset: saving them needs a recent password re-entry. */
export function adminRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/settings/password-reset', requirePermission('settings.read'), async (c) => c.json(await getResetPolicy(deps.db), 200))
    .put('/settings/password-reset', requirePermission('settings.write'), requireReauth(deps.sessions), validate('json', resetPolicySchema), async (c) => {
      const policy = c.req.valid('json');
      const admin = currentSession(c).username;
      // The setting and its audit row commit together: no change without its record.
      await withTransaction(deps.db, async (trx) => {
        await saveResetPolicy(trx, policy, deps.clock.now(), admin);
        await deps.audit.record({ action: 'admin.reset_policy_changed', actor: admin, result: 'success', details: policy }, trx);
      });
      return c.json(policy, 200);
    })
    .get('/audit', requirePermission('audit.read'), validate('query', auditQuerySchema), async (c) => {
      const { limit, actor, action } = c.req.valid('query');
      return c.json({ events: await recentAuditEvents(deps.db, limit, { actor, action }) }, 200);
    })
    .get('/audit/verify', requirePermission('audit.read'), async (c) => c.json(await verifyAuditChain(deps.db), 200));
}

import { Hono } from 'hono';
import { auditQuerySchema, type AuditEventView } from '../../../shared/people.js';
import { resetPolicySchema } from '../../../shared/settings.js';
import { getResetPolicy, saveResetPolicy } from '../settings/service.js';
import { currentSession } from '../../http/session.js';
import { listRecentAuditEvents } from '../../audit/repository.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { requireAuth } from '../../http/session.js';
import { validate } from '../../http/validate.js';

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
      const rows = await listRecentAuditEvents(deps.db, limit, { actor, action });
      const events: AuditEventView[] = rows.map((r) => ({
        id: Number(r.id),
        at: new Date(Number(r.at)).toISOString(),
        actor: r.actor,
        subject: r.subject,
        action: r.action,
        result: r.result,
        ip: r.ip,
      }));
      return c.json({ events }, 200);
    });
}

import { Hono } from 'hono';
import { auditQuerySchema, type AuditEventView } from '../../../shared/people.js';
import { listRecentAuditEvents } from '../../audit/repository.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { requireAuth } from '../../http/session.js';
import { validate } from '../../http/validate.js';

export function adminRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/audit', requireAuth('admin'), validate('query', auditQuerySchema), async (c) => {
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

import { Hono } from 'hono';
import { sql } from 'kysely';
import type { PortalInfo } from '../../../shared/auth.js';
import { DEMO_PASSWORD, DEMO_PEOPLE } from '../../demo/company.js';
import { isPlaintextLdap } from '../../config.js';
import type { AppDeps, AppEnv } from '../../http/context.js';
import { jobCounts } from '../../jobs/admin.js';

/** Settings that work but that an operator should fix; /api/ready lists them (and stays 200). */
function readinessWarnings(deps: AppDeps): Array<'ldap_plaintext'> {
  const { directory } = deps.config;
  return directory.kind === 'ldap' && isPlaintextLdap(directory) ? ['ldap_plaintext'] : [];
}

export function healthRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/health', (c) => c.json({ status: 'ok' as const }, 200))
    .get('/ready', async (c) => {
      const [database, directory, inventory, jobs] = await Promise.all([
        sql`select 1`.execute(deps.db).then(
          () => 'ok' as const,
          () => 'unavailable' as const,
        ),
        deps.directory.ping().then(
          () => 'ok' as const,
          () => 'unavailable' as const,
        ),
        // An external inventory (Snipe-IT) is a dependency of its own: no catalog, request or
        // hand-over works without it. The built-in one is the database, checked above.
        deps.inventory.kind === 'builtin'
          ? null
          : deps.inventory.ping().then(
              () => 'ok' as const,
              () => 'unavailable' as const,
            ),
        // Detail for operators (a growing failed count means mail or another job is stuck); not a check.
        jobCounts(deps.db).catch(() => null),
      ]);
      const checks = { database, directory, ...(inventory ? { inventory } : {}) };
      const warnings = readinessWarnings(deps);
      if (database === 'ok' && directory === 'ok' && (inventory ?? 'ok') === 'ok') {
        return c.json({ status: 'ready' as const, checks, jobs, ...(warnings.length ? { warnings } : {}) }, 200);
      }
      deps.logger.warn({ checks }, 'readiness check failed');
      return c.json({ error: { code: 'not_ready' as const, message: 'A dependency is unavailable.' }, checks, jobs }, 503);
    })
    .get('/demo/mailbox', (c) => {
      // Demo mode only: the mail the portal would have sent, so the demo's reset flows can be followed.
      if (!deps.demoOutbox) return c.json({ error: { code: 'not_found' as const, message: 'No demo mailbox here.' } }, 404);
      return c.json({ messages: deps.demoOutbox.list() }, 200);
    })
    .get('/info', (c) => {
      const demoDirectory = deps.config.demo && deps.directory.kind === 'builtin';
      const info: PortalInfo = {
        demo: deps.config.demo,
        demoAccounts: demoDirectory ? DEMO_PEOPLE.map((p) => ({ username: p.username, role: p.demoRole })) : [],
        demoPassword: demoDirectory ? DEMO_PASSWORD : null,
        directory: deps.directory.kind,
        mail: deps.mailer.delivers !== false,
        version: deps.version,
      };
      return c.json(info, 200);
    });
}

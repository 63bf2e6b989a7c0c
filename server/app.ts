import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { routePath } from 'hono/route';
import { adminRoutes } from './features/admin/routes.js';
import { authRoutes, meRoutes } from './features/auth/routes.js';
import { healthRoutes } from './features/health/routes.js';
import { inventoryRoutes } from './features/inventory/routes.js';
import { kbRoutes } from './features/kb/routes.js';
import { activationRoutes, onboardingRoutes } from './features/onboarding/routes.js';
import { jobsAdminRoutes } from './features/jobs/routes.js';
import { helpdeskRoutes } from './features/helpdesk/routes.js';
import { passwordRoutes } from './features/password/routes.js';
import { recoveryRoutes } from './features/recovery/routes.js';
import { peopleRoutes } from './features/people/routes.js';
import { requestsRoutes } from './features/requests/routes.js';
import { pushRoutes } from './features/push/routes.js';
import { offboardingRoutes } from './features/offboarding/routes.js';
import { scimTokenRoutes } from './features/scim/admin-routes.js';
import { scimRoutes } from './features/scim/routes.js';
import { clientIp } from './http/client-ip.js';
import type { AppDeps, AppEnv } from './http/context.js';
import { csrfProtection } from './http/csrf.js';
import { errors } from './errors.js';
import { errorBody, errorResponse, handleError } from './http/errors.js';
import { securityHeaders } from './http/security-headers.js';
import { loadSession } from './http/session.js';
import { serveWebApp } from './http/static.js';
import { runInRequestScope } from './platform/request-scope.js';

/** The JSON API: feature routers chained so `AppType` carries every route to the typed client. */
function apiRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .route('/', healthRoutes(deps))
    .route('/auth', authRoutes(deps))
    .route('/', meRoutes(deps))
    .route('/', peopleRoutes(deps))
    .route('/password', passwordRoutes(deps))
    .route('/recovery', recoveryRoutes(deps))
    .route('/helpdesk', helpdeskRoutes(deps))
    .route('/inventory', inventoryRoutes(deps))
    .route('/admin/jobs', jobsAdminRoutes(deps))
    .route('/', requestsRoutes(deps))
    .route('/admin', adminRoutes(deps))
    .route('/admin', scimTokenRoutes(deps))
    .route('/push', pushRoutes(deps))
    .route('/kb', kbRoutes(deps))
    .route('/onboarding', onboardingRoutes(deps))
    .route('/activation', activationRoutes(deps))
    .route('/offboarding', offboardingRoutes(deps));
}

/**
 * Refuses bodies over `maxSize` bytes with 413. A body that declares its length is judged by that
 * header (Node's parser never reads past it): hono's bodyLimit would first touch the raw body
 * stream, which makes @hono/node-server build a full Request object and web stream for every
 * write, a tenth of a created device request's CPU. A chunked body is counted as it is read.
 */
function limitBodySize(maxSize: number): MiddlewareHandler<AppEnv> {
  const tooLarge = (c: Context) => errorResponse(c, errors.payloadTooLarge());
  const counted = bodyLimit({ maxSize, onError: tooLarge });
  return (c, next) => {
    const declared = c.req.header('content-length');
    if (declared === undefined || c.req.header('transfer-encoding') !== undefined) return counted(c, next);
    return Number(declared) > maxSize ? Promise.resolve(tooLarge(c)) : next();
  };
}

/** Builds the whole HTTP app from its dependencies; tests build it with their own. */
export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  // The access line (one a request) holds only fields set here, none a secret could be in, so it
  // skips the logger's redaction by path (a second line of defence every other line keeps):
  // redaction copies and walks each line, half of its cost (measured ~20 -> ~9 µs in-process).
  const accessLog = deps.logger.child({}, { redact: [] });

  app.use(securityHeaders());
  app.use(requestId());
  app.use(async (c, next) => {
    const ip = clientIp(c, deps.config.trustProxyHops);
    c.set('ip', ip);
    const started = performance.now();
    await runInRequestScope({ ip, userAgent: c.req.header('user-agent') ?? null }, next);
    // A write may have enqueued jobs (mail) in a transaction that has now committed: let this
    // process's idle workers look now instead of at their next poll.
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') deps.jobs.wake();
    // The matched route's pattern (`/api/password/flows/:flowId/verify`), never the path itself:
    // paths carry flow ids and usernames, and query strings could carry tokens; none may reach a log.
    accessLog.info(
      {
        reqId: c.get('requestId'),
        method: c.req.method,
        route: routePath(c),
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });

  app.onError(handleError(deps.logger));

  // Only requests that carry a body. A CSV import is the one larger body (1 MB of CSV, more once
  // escaped in JSON).
  const limitBody = limitBodySize(64 * 1024);
  const limitImport = limitBodySize(2 * 1024 * 1024);
  app.use('/api/*', (c, next) =>
    c.req.method === 'GET' || c.req.method === 'HEAD'
      ? next()
      : c.req.path === '/api/inventory/assets/import'
        ? limitImport(c, next)
        : limitBody(c, next),
  );
  app.use('/api/*', csrfProtection(deps.config.publicUrl.origin));
  app.use('/api/*', loadSession(deps.sessions, deps.config.secure));
  app.use('/api/*', async (c, next) => {
    // API answers are personal: never stored by shared caches. Set before the handler (which may
    // override it), so the response is built with it rather than rebuilt.
    c.header('Cache-Control', 'no-store');
    await next();
  });

  const routed = app.route('/api', apiRoutes(deps));
  routed.all('/api/*', (c) => c.json(errorBody(errors.notFound('This API endpoint')), 404));
  // SCIM for identity providers and HR systems: bearer tokens, its own error format, outside
  // /api (no session, no CSRF check, not part of the web client's typed API).
  app.route('/scim/v2', scimRoutes(deps));
  if (deps.webRoot) serveWebApp(app, deps.webRoot);
  return routed;
}

export type AppType = ReturnType<typeof createApp>;

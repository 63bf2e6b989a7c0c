import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/app.js';

/**
 * Walks every registered API route and checks its protection, so a new route cannot ship
 * unguarded by accident: anything not listed here as public must refuse an anonymous caller.
 */
const PUBLIC_ROUTES: Record<string, string> = {
  'GET /api/health': 'liveness probe',
  'GET /api/ready': 'readiness probe',
  'GET /api/info': 'the sign-in page needs to know about demo mode before sign-in',
  'POST /api/auth/login': 'signing in; rate-limited per account and per address',
  'POST /api/auth/logout': 'ends only the caller’s own session, if any',
};

/** Routes that spend directory or mail effort for anonymous callers must be rate-limited. */
const RATE_LIMITED_ROUTES = ['POST /api/auth/login'];

describe('route coverage', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  const apiRoutes = () =>
    [...new Set(t.app.routes.filter((r) => r.path.startsWith('/api/') && r.method !== 'ALL' && !r.path.endsWith('*')).map((r) => `${r.method} ${r.path}`))];

  it('finds the routes it knows about', () => {
    const routes = apiRoutes();
    for (const route of Object.keys(PUBLIC_ROUTES)) expect(routes).toContain(route);
    expect(routes.length).toBeGreaterThan(Object.keys(PUBLIC_ROUTES).length);
  });

  it('refuses anonymous callers on every non-public route', async () => {
    for (const route of apiRoutes()) {
      if (route in PUBLIC_ROUTES) continue;
      const [method, path] = route.split(' ') as [string, string];
      const response = await t.request(method, path.replace(/:(\w+)/g, 'x'), method === 'GET' ? {} : { json: {} });
      expect({ route, status: response.status }).toEqual({ route, status: 401 });
    }
  });

  it('rate-limits every anonymous route that does real work', async () => {
    for (const route of RATE_LIMITED_ROUTES) expect(route in PUBLIC_ROUTES).toBe(true);
    const rules = await import('../../server/features/auth/service.js');
    expect(rules.LOGIN_ACCOUNT_RULE.limit).toBeLessThanOrEqual(10);
    expect(rules.LOGIN_IP_RULE.limit).toBeGreaterThan(0);
  });
});

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
  'GET /api/demo/mailbox': 'demo mode only: shows the mail the demo would have sent',
  'POST /api/password/forgot': 'a locked-out person is not signed in; rate-limited',
  'POST /api/password/flows/from-link': 'needs a 256-bit single-use token from the mail',
  'GET /api/password/flows/:flowId': 'needs the 256-bit flow id',
  'POST /api/password/flows/:flowId/challenge': 'needs the flow id; mail rate-limited per flow and per person',
  'POST /api/password/flows/:flowId/verify': 'needs the flow id; failures counted per flow, person and address',
  'POST /api/password/flows/:flowId/reset': 'needs a verified flow',
  'POST /api/password/flows/:flowId/unlock': 'needs a verified flow',
  'GET /api/password/policy': 'the rules shown before choosing a password',
  'POST /api/password/policy-check': 'live feedback while choosing; rate-limited per address, writes nothing',
};

describe('route coverage', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  const apiRoutes = () => [
    ...new Set(
      t.app.routes
        .filter((r) => r.path.startsWith('/api/') && r.method !== 'ALL' && !r.path.endsWith('*'))
        .map((r) => `${r.method} ${r.path}`),
    ),
  ];

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
    const auth = await import('../../server/features/auth/service.js');
    const flows = await import('../../server/features/password/flows.js');
    const password = await import('../../server/features/password/routes.js');
    /** Anonymous routes that reach the directory, send mail or check guesses, and the limits that guard them. */
    const limits: Record<string, { limit: number }[]> = {
      'POST /api/auth/login': [auth.LOGIN_ACCOUNT_RULE, auth.LOGIN_IP_RULE],
      'POST /api/password/forgot': [flows.FORGOT_LOGIN_RULE, flows.FORGOT_IP_RULE],
      'POST /api/password/flows/:flowId/challenge': [flows.CODE_MAIL_FLOW_RULE, flows.CODE_MAIL_ACCOUNT_RULE],
      'POST /api/password/flows/:flowId/verify': [flows.VERIFY_IP_RULE],
      'POST /api/password/policy-check': [password.POLICY_CHECK_IP_RULE],
    };
    for (const [route, rules] of Object.entries(limits)) {
      expect(apiRoutes()).toContain(route);
      for (const rule of rules) expect(rule.limit).toBeGreaterThan(0);
    }
    expect(auth.LOGIN_ACCOUNT_RULE.limit).toBeLessThanOrEqual(10);
    expect(flows.RECOVERY_LOCKOUT_FAILURES).toBeLessThanOrEqual(100);
  });
});

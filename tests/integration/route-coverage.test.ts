import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, registeredApiRoutes, type TestApp } from '../harness/app.js';

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
  'POST /api/password/flows/:flowId/challenge': 'needs the flow id; mail per flow and person, passkey options per flow and address',
  'POST /api/password/flows/:flowId/verify': 'needs the flow id; attempts counted per flow, code, person and address',
  'POST /api/password/flows/:flowId/reset': 'needs a verified flow',
  'POST /api/password/flows/:flowId/unlock': 'needs a verified flow',
  'GET /api/password/policy': 'the rules shown before choosing a password',
  'POST /api/password/policy-check': 'live feedback while choosing; rate-limited per address, writes nothing',
  'GET /api/push/key': 'the VAPID public key: public by design (browsers subscribe with it)',
  'GET /api/kb/public': 'the help articles a locked-out person may read (tagged public); rate-limited per address',
  'GET /api/activation/:token': 'a new hire is not signed in yet; needs the 256-bit token from the mail; rate-limited per address',
  'POST /api/activation/:token': 'a new hire sets their first password; needs the token; rate-limited per address',
};

describe('route coverage', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  const apiRoutes = () => registeredApiRoutes(t);

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

  /**
   * Anonymous routes that do real work (reach the directory, send mail, check guesses), each with a
   * driver that repeats one attacker's request: the i-th try. Every one must end in 429 with Retry-After.
   */
  const LIMITED: Record<string, (i: number) => Promise<Response>> = {
    'POST /api/auth/login': () => t.request('POST', '/api/auth/login', { json: { username: 'nobody-rl', password: 'wrong-password' }, ip: '10.9.0.1' }),
    'POST /api/password/forgot': (i) => t.request('POST', '/api/password/forgot', { json: { login: 'nobody-forgot' }, ip: `10.9.1.${i}` }),
    'POST /api/password/flows/:flowId/challenge': async (i) => {
      flowForChallenge ??= await startFlow('alice', '10.9.2.1');
      return t.request('POST', `/api/password/flows/${flowForChallenge}/challenge`, { json: { method: 'email' }, ip: `10.9.2.${i}` });
    },
    // Passkey options write a challenge each: limited per flow, and per address across flows.
    'POST /api/password/flows/:flowId/challenge (passkey, one flow)': async (i) => {
      passkeyFlow ??= await startFlow('alice', '10.9.7.1');
      return t.request('POST', `/api/password/flows/${passkeyFlow}/challenge`, { json: { method: 'passkey' }, ip: `10.9.7.${i % 250}` });
    },
    'POST /api/password/flows/:flowId/challenge (passkey, one address)': async (i) => {
      // A new flow (from other addresses) every 5 tries, so the per-flow limit never binds.
      if (i % 5 === 0) passkeyAddressFlow = await startFlow(`nobody-passkey-${i}`, `10.9.8.${i % 250}`);
      return t.request('POST', `/api/password/flows/${passkeyAddressFlow}/challenge`, { json: { method: 'passkey' }, ip: '10.9.9.1' });
    },
    'POST /api/password/flows/:flowId/verify': async (i) => {
      // A new flow every 5 tries (a flow takes 10 attempts), all verified from one address.
      if (i % 5 === 0) verifyFlow = await startFlow(`nobody-verify-${i}`, `10.9.3.${i % 250}`);
      return t.request('POST', `/api/password/flows/${verifyFlow}/verify`, { json: { method: 'helpdesk_code', code: '00000000' }, ip: '10.9.4.1' });
    },
    'POST /api/password/policy-check': () => t.request('POST', '/api/password/policy-check', { json: { password: 'correct horse' }, ip: '10.9.5.1' }),
    'GET /api/kb/public': () => t.request('GET', '/api/kb/public', { ip: '10.9.10.1' }),
    // Signed out, an article is read (public) or refused (401) under the same per-address limit.
    'GET /api/kb/articles/:slug (signed out)': (i) => t.request('GET', `/api/kb/articles/guess-${i}`, { ip: '10.9.11.1' }),
    'GET /api/activation/:token': () => t.request('GET', `/api/activation/${'A'.repeat(43)}`, { ip: '10.9.12.1' }),
    'POST /api/activation/:token': () => t.request('POST', `/api/activation/${'A'.repeat(43)}`, { json: { password: 'correct horse battery' }, ip: '10.9.13.1' }),
  };
  /** Anonymous routes with no limit of their own, and why none is needed. */
  const UNLIMITED: Record<string, string> = {
    'GET /api/health': 'constant answer',
    'GET /api/ready': 'two cheap probes',
    'GET /api/info': 'constant answer',
    'POST /api/auth/logout': 'ends the caller’s own session only',
    'GET /api/demo/mailbox': 'demo mode only',
    'POST /api/password/flows/from-link': 'a 256-bit token cannot be guessed; one indexed look-up',
    'GET /api/password/flows/:flowId': 'a 256-bit flow id cannot be guessed; one indexed look-up',
    'POST /api/password/flows/:flowId/reset': 'needs a flow verified under the verify limits',
    'POST /api/password/flows/:flowId/unlock': 'needs a flow verified under the verify limits',
    'GET /api/password/policy': 'the rules; no secret and no guess',
    'GET /api/push/key': 'a public key from memory; no secret, no guess, no database',
  };
  let flowForChallenge: string | undefined;
  let passkeyFlow: string | undefined;
  let passkeyAddressFlow = '';
  let verifyFlow = '';
  async function startFlow(login: string, ip: string): Promise<string> {
    const response = await t.request('POST', '/api/password/forgot', { json: { login }, ip });
    expect(response.status).toBe(202);
    return ((await response.json()) as { flowId: string }).flowId;
  }

  it('every public route is either rate-limited or says why it needs no limit', () => {
    for (const route of Object.keys(PUBLIC_ROUTES)) expect({ route, covered: route in LIMITED || route in UNLIMITED }).toEqual({ route, covered: true });
  });

  it.each(Object.keys(LIMITED))('%s answers 429 with Retry-After when one caller keeps trying', async (route) => {
    let last: Response | undefined;
    for (let i = 0; i < 400; i++) {
      last = await LIMITED[route]!(i);
      if (last.status === 429) break;
      expect({ route, i, status: last.status }).not.toMatchObject({ status: 500 });
    }
    expect({ route, status: last?.status }).toEqual({ route, status: 429 });
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await last!.json()).error.code).toBe('rate_limited');
  });

  it('forgot-password is also limited per address across many logins', async () => {
    let last: Response | undefined;
    for (let i = 0; i < 100 && last?.status !== 429; i++) {
      last = await t.request('POST', '/api/password/forgot', { json: { login: `someone-${i}` }, ip: '10.9.6.1' });
    }
    expect(last?.status).toBe(429);
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_GROUPS } from '../../server/directory/roles.js';
import { can, type Permission } from '../../shared/permissions.js';
import type { Role } from '../../shared/roles.js';
import { addBuiltinPerson } from '../directory/fixtures.js';
import { buildTestApp, registeredApiRoutes, signInAs, type TestApp } from '../harness/app.js';

/**
 * Every API route and what guards it: open to anyone, open to any signed-in person (self-service),
 * or a permission from shared/permissions.ts. A route missing here fails the first test, so a new
 * route cannot ship without a deliberate answer to "who may call this?".
 */
type Guard = 'public' | 'signed-in' | Permission;
const ROUTE_GUARDS: Record<string, Guard> = {
  'GET /api/health': 'public',
  'GET /api/ready': 'public',
  'GET /api/info': 'public',
  'GET /api/demo/mailbox': 'public',
  'POST /api/auth/login': 'public',
  'POST /api/auth/logout': 'public',
  'POST /api/password/forgot': 'public',
  'POST /api/password/flows/from-link': 'public',
  'GET /api/password/flows/:flowId': 'public',
  'POST /api/password/flows/:flowId/challenge': 'public',
  'POST /api/password/flows/:flowId/verify': 'public',
  'POST /api/password/flows/:flowId/reset': 'public',
  'POST /api/password/flows/:flowId/unlock': 'public',
  'GET /api/password/policy': 'public',
  'POST /api/password/policy-check': 'public',
  'GET /api/me': 'signed-in',
  'POST /api/password/change': 'signed-in',
  'GET /api/recovery': 'signed-in',
  'POST /api/recovery/email': 'signed-in',
  'POST /api/recovery/email/confirm': 'signed-in',
  'DELETE /api/recovery/email': 'signed-in',
  'POST /api/recovery/totp': 'signed-in',
  'POST /api/recovery/totp/confirm': 'signed-in',
  'DELETE /api/recovery/totp': 'signed-in',
  'POST /api/recovery/passkeys/options': 'signed-in',
  'POST /api/recovery/passkeys': 'signed-in',
  'DELETE /api/recovery/passkeys/:id': 'signed-in',
  'GET /api/team': 'team.read',
  'GET /api/directory/users': 'people.search',
  'GET /api/directory/users/:username': 'people.read',
  'POST /api/helpdesk/users/:username/unlock': 'people.unlock',
  'POST /api/helpdesk/users/:username/reset-link': 'people.reset_link',
  'POST /api/helpdesk/users/:username/verification-code': 'people.verification_code',
  'GET /api/admin/settings/password-reset': 'settings.read',
  'PUT /api/admin/settings/password-reset': 'settings.write',
  'GET /api/admin/audit': 'audit.read',
  'GET /api/admin/audit/verify': 'audit.read',
  'POST /api/auth/reauth': 'signed-in',
  'GET /api/admin/jobs': 'jobs.manage',
  'GET /api/kb/search': 'signed-in',
  'GET /api/kb/suggest': 'signed-in',
  'GET /api/kb/categories': 'signed-in',
  'GET /api/kb/export': 'signed-in',
  'GET /api/kb/analytics': 'kb.edit',
  'GET /api/kb/articles': 'kb.edit',
  'POST /api/kb/articles': 'kb.edit',
  // Signed in, except published articles tagged public (kb-public.test.ts): anonymous 'x' is 401.
  'GET /api/kb/articles/:slug': 'signed-in',
  'GET /api/kb/public': 'public',
  'PUT /api/kb/articles/:id': 'kb.edit',
  'GET /api/kb/articles/:id/versions': 'kb.edit',
  'POST /api/kb/articles/:id/versions/:n/restore': 'kb.edit',
  'POST /api/kb/articles/:id/feedback': 'signed-in',
  'POST /api/admin/jobs/:id/retry': 'jobs.manage',
  'POST /api/admin/jobs/:id/discard': 'jobs.manage',
  'GET /api/catalog': 'catalog.request',
  'POST /api/requests': 'catalog.request',
  'GET /api/requests': 'signed-in',
  'GET /api/requests/:id': 'signed-in',
  'POST /api/requests/:id/cancel': 'signed-in',
  'POST /api/requests/:id/fulfil': 'inventory.manage',
  'POST /api/requests/:id/receive': 'signed-in',
  'GET /api/fulfilment': 'inventory.manage',
  // Which approvals a person may decide is per approval (approver, role holder, delegate): see the device-requests tests.
  'GET /api/approvals': 'signed-in',
  'POST /api/approvals/:id/decision': 'signed-in',
  'GET /api/me/delegation': 'requests.approve',
  'PUT /api/me/delegation': 'requests.approve',
  'DELETE /api/me/delegation': 'requests.approve',
  'GET /api/me/devices': 'signed-in',
  'POST /api/me/devices/:tag/reports': 'signed-in',
  'GET /api/device-reports': 'inventory.manage',
  'POST /api/device-reports/:id/close': 'inventory.manage',
  'GET /api/notifications': 'signed-in',
  'POST /api/notifications/read': 'signed-in',
  'GET /api/admin/approval-chains': 'settings.read',
  'PUT /api/admin/approval-chains': 'settings.write',
  'GET /api/push/key': 'public',
  'POST /api/push/subscriptions': 'signed-in',
  'DELETE /api/push/subscriptions': 'signed-in',
  'GET /api/inventory/categories': 'inventory.manage',
  'GET /api/inventory/models': 'inventory.manage',
  'POST /api/inventory/models': 'inventory.manage',
  'GET /api/inventory/models/:id': 'inventory.manage',
  'PUT /api/inventory/models/:id': 'inventory.manage',
  'GET /api/inventory/assets': 'inventory.manage',
  'POST /api/inventory/assets': 'inventory.manage',
  'GET /api/inventory/assets.csv': 'inventory.manage',
  'POST /api/inventory/assets/import': 'inventory.manage',
  'GET /api/inventory/assets/:tag': 'inventory.manage',
  'PATCH /api/inventory/assets/:tag': 'inventory.manage',
  'GET /api/inventory/assets/:tag/history': 'inventory.manage',
  'POST /api/inventory/assets/:tag/status': 'inventory.manage',
  // SCIM's own routes (/scim/v2/*) take bearer tokens, not sessions: tests/integration/scim.test.ts walks them.
  'GET /api/admin/scim-tokens': 'scim.manage',
  'POST /api/admin/scim-tokens': 'scim.manage',
  'DELETE /api/admin/scim-tokens/:id': 'scim.manage',
  // Onboarding: HR and admins; which hire or bundle each may change is decided in the service.
  'GET /api/onboarding/hires': 'onboarding.read',
  'POST /api/onboarding/hires': 'onboarding.manage',
  'GET /api/onboarding/hires/:id': 'onboarding.read',
  'PATCH /api/onboarding/hires/:id': 'onboarding.manage',
  'POST /api/onboarding/hires/:id/cancel': 'onboarding.manage',
  'POST /api/onboarding/hires/:id/resend-activation': 'onboarding.manage',
  'GET /api/onboarding/bundles': 'onboarding.manage',
  'POST /api/onboarding/bundles': 'onboarding.manage',
  'PUT /api/onboarding/bundles/:key': 'onboarding.manage',
  'DELETE /api/onboarding/bundles/:key': 'onboarding.manage',
  // The new hire's activation link: the 256-bit token is the credential.
  'GET /api/activation/:token': 'public',
  'POST /api/activation/:token': 'public',
  // Who may offboard whom (never oneself; HR never an admin or HR colleague) is per person: see offboarding.test.ts.
  'POST /api/offboarding': 'onboarding.manage',
  'GET /api/offboarding': 'onboarding.manage',
  'GET /api/offboarding/:id': 'onboarding.manage',
  'PATCH /api/offboarding/:id': 'onboarding.manage',
  'POST /api/offboarding/:id/cancel': 'onboarding.manage',
};

/**
 * Routes that would change the caller even with an empty body (they take no input to refuse).
 * They are probed as throwaway people holding the same roles, never as the demo people.
 */
const CHANGES_THE_CALLER = new Set([
  'DELETE /api/recovery/email',
  'POST /api/recovery/totp',
  'DELETE /api/recovery/totp',
  'POST /api/recovery/passkeys/options',
  // An empty body marks all of one's notifications read; DELETE ends one's delegation.
  'POST /api/notifications/read',
  'DELETE /api/me/delegation',
]);

/** Routes a permitted caller reaches only after re-entering the password (SECURITY 27). */
const REAUTH_GATED = [
  'POST /api/recovery/email',
  'POST /api/recovery/email/confirm',
  'DELETE /api/recovery/email',
  'POST /api/recovery/totp',
  'POST /api/recovery/totp/confirm',
  'DELETE /api/recovery/totp',
  'POST /api/recovery/passkeys/options',
  'POST /api/recovery/passkeys',
  'DELETE /api/recovery/passkeys/:id',
  'POST /api/helpdesk/users/:username/unlock',
  'POST /api/helpdesk/users/:username/reset-link',
  'POST /api/helpdesk/users/:username/verification-code',
  'PUT /api/admin/settings/password-reset',
  'PUT /api/admin/approval-chains',
  'POST /api/offboarding',
  'PATCH /api/offboarding/:id',
  'POST /api/offboarding/:id/cancel',
  'POST /api/admin/scim-tokens',
];
const reauthGated = new Set<string>();

const DEMO_ROLES: Record<string, Role> = { alice: 'employee', mark: 'manager', hana: 'helpdesk', ruth: 'hr', adam: 'admin' };

/** Targets nobody holds: a permitted help-desk call then answers 404, and nobody's account changes. */
const NOBODY = `nobody-${randomBytes(4).toString('hex')}`;

describe('every route answers each role as the permission map says', () => {
  let t: TestApp;
  const demoCookies: Record<string, string> = {};
  const standInCookies: Record<string, string> = {};

  beforeAll(async () => {
    t = await buildTestApp();
    for (const [name, role] of Object.entries(DEMO_ROLES)) {
      demoCookies[name] = await signInAs(t, name);
      // A stand-in with the same role for routes that would change the caller.
      const standIn = {
        username: `temp-${role}-${randomBytes(3).toString('hex')}`,
        password: `Throwaway-${randomBytes(6).toString('hex')}`,
      };
      const groups = role === 'employee' ? [] : DEFAULT_ROLE_GROUPS[role];
      await addBuiltinPerson(t.deps.db, { ...standIn, groups });
      standInCookies[name] = await signInAs(t, standIn.username, standIn.password);
    }
  });
  afterAll(() => t.close());

  const registered = () => registeredApiRoutes(t);

  it('lists every registered API route, and no route that is gone', () => {
    expect(registered().sort()).toEqual(Object.keys(ROUTE_GUARDS).sort());
  });

  const call = async (route: string, cookie: string | null) => {
    const [method, pattern] = route.split(' ') as [string, string];
    const path = pattern.replace(/:username\b/g, NOBODY).replace(/:(\w+)/g, 'x');
    // An empty body: a permitted call stops at validation (400) or at the missing target (404).
    const response = await t.request(method, path, { cookie, ...(method === 'GET' || method === 'DELETE' ? {} : { json: {} }) });
    // "Enter your password again" comes after the permission check: the caller was let through it.
    if (response.status === 403 && (await response.json()).error.code === 'reauth_required') return 'reauth';
    return response.status;
  };

  it('refuses anonymous callers on every route that is not public', async () => {
    for (const [route, guard] of Object.entries(ROUTE_GUARDS)) {
      if (guard === 'public') continue;
      expect({ route, status: await call(route, null) }).toEqual({ route, status: 401 });
    }
  });

  it('lets each demo role through exactly where the map says, and answers 403 elsewhere', async () => {
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const [route, guard] of Object.entries(ROUTE_GUARDS)) {
      if (guard === 'public') continue;
      for (const [name, role] of Object.entries(DEMO_ROLES)) {
        const cookie = CHANGES_THE_CALLER.has(route) ? standInCookies[name]! : demoCookies[name]!;
        const status = await call(route, cookie);
        const allowed = guard === 'signed-in' || can(['employee', role], guard);
        outcomes.push(`${route} as ${name}: ${status === 401 ? 'unauthenticated' : status === 403 ? 'forbidden' : 'allowed'}`);
        if (status === 'reauth') reauthGated.add(route);
        expected.push(`${route} as ${name}: ${allowed ? 'allowed' : 'forbidden'}`);
      }
    }
    expect(outcomes).toEqual(expected);
    // Everything that changes a recovery factor or someone else's account waits for a fresh password.
    expect([...reauthGated].sort()).toEqual(REAUTH_GATED.slice().sort());
  });

  it('never changed a demo person while probing', async () => {
    for (const name of Object.keys(DEMO_ROLES)) {
      const user = await t.deps.directory.findUser(name);
      expect(user?.disabled).toBe(false);
      expect((await t.deps.directory.lockStatus(name)).locked).toBe(false);
    }
    const recovery = await t.request('GET', '/api/recovery', { cookie: demoCookies.alice! });
    expect(recovery.status).toBe(200);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLdapDirectory } from '../../server/directory/ldap.js';
import { createSnipeItInventory } from '../../server/inventory/snipeit.js';
import { createLogger } from '../../server/platform/logger.js';
import { buildTestApp, type TestApp } from '../harness/app.js';
import { startSnipeItFake } from '../harness/snipeit-fake.js';
import { lockDatabase } from '../inventory/fixtures.js';

/** An LDAP directory on a port nothing listens on (connections are refused at once). */
function unreachableLdap(url: string) {
  return createLdapDirectory({
    url,
    bindDn: 'cn=admin,dc=example,dc=org',
    bindPassword: 'x',
    userBase: 'ou=people,dc=example,dc=org',
    groupBase: 'dc=example,dc=org',
    flavor: 'openldap',
    startTls: false,
    caFile: undefined,
    timeoutMs: 500,
  });
}

describe('health, readiness and portal info', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('is alive', async () => {
    const response = await t.request('GET', '/api/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('is ready when the database and directory answer', async () => {
    const response = await t.request('GET', '/api/ready');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', directory: 'ok' },
      jobs: { queued: expect.any(Number), running: expect.any(Number), done: expect.any(Number), failed: expect.any(Number) },
    });
  });

  it('says demo mode is on and lists the demo sign-ins', async () => {
    const info = await (await t.request('GET', '/api/info')).json();
    expect(info.demo).toBe(true);
    expect(info.directory).toBe('builtin');
    expect(info.demoAccounts).toContainEqual({ username: 'hana', role: 'helpdesk' });
    expect(info.demoPassword).toBe('portal-demo-2026');
    expect(info.mail).toBe(true); // the demo mailbox delivers
  });

  it('seeds nothing and shows no demo sign-ins unless demo mode is asked for', async () => {
    const production = await buildTestApp({ env: { PORTAL_DEMO: '0' } });
    try {
      const people = await production.deps.db.selectFrom('directory_users').select('username').execute();
      expect(people).toEqual([]);
      expect(await (await production.request('GET', '/api/info')).json()).toMatchObject({
        demo: false,
        demoAccounts: [],
        demoPassword: null,
        mail: false, // no SMTP_URL: mail is only logged
      });
    } finally {
      await production.close();
    }
  });

  it('never opens the demo mailbox in front of a real directory, even if demo mode got through', async () => {
    // Configuration refuses PORTAL_DEMO with DIRECTORY=ldap; this is the second line of defence.
    const ldap = await buildTestApp({
      env: { PORTAL_DEMO: '1' },
      overrides: {
        directory: unreachableLdap('ldaps://127.0.0.1:1'),
      },
    });
    try {
      expect(ldap.deps.demoOutbox).toBeNull();
      expect((await ldap.request('GET', '/api/demo/mailbox')).status).toBe(404);
    } finally {
      await ldap.close();
    }
  });

  it('is not ready, and says which part, when the directory is unreachable', async () => {
    const down = await buildTestApp({
      env: { PORTAL_DEMO: '0' },
      overrides: {
        directory: unreachableLdap('ldap://127.0.0.1:1'),
      },
    });
    try {
      const ready = await down.request('GET', '/api/ready');
      expect(ready.status).toBe(503);
      expect((await ready.json()).checks).toEqual({ database: 'ok', directory: 'unavailable' });
      const login = await down.request('POST', '/api/auth/login', { json: { username: 'alice', password: 'portal-demo-2026' } });
      expect(login.status).toBe(503);
      const refused = await login.json();
      expect(refused.error.code).toBe('directory_unavailable');
      // What failed (the directory's address, the driver's error) is logged, never sent.
      expect(JSON.stringify(refused)).not.toContain('127.0.0.1');
      const info = await (await down.request('GET', '/api/info')).json();
      expect(info).toMatchObject({ demo: false, demoAccounts: [], demoPassword: null, directory: 'ldap' });
    } finally {
      await down.close();
    }
  });

  it('checks Snipe-IT when it keeps the inventory: ready while it answers, 503 naming it when it does not', async () => {
    const fake = await startSnipeItFake();
    const lockDb = await lockDatabase();
    const snipeIt = (url: string) =>
      createSnipeItInventory(
        { url, token: fake.token, statusIds: fake.statusIds, timeoutMs: 500 },
        { logger: createLogger('silent'), locks: lockDb.locks },
      );
    const up = await buildTestApp({ env: { PORTAL_DEMO: '0' }, overrides: { inventory: snipeIt(fake.url) } });
    const down = await buildTestApp({ env: { PORTAL_DEMO: '0' }, overrides: { inventory: snipeIt('http://127.0.0.1:1') } });
    try {
      const ready = await up.request('GET', '/api/ready');
      expect(ready.status).toBe(200);
      expect((await ready.json()).checks).toEqual({ database: 'ok', directory: 'ok', inventory: 'ok' });
      const notReady = await down.request('GET', '/api/ready');
      expect(notReady.status).toBe(503);
      const body = await notReady.json();
      expect(body.checks).toEqual({ database: 'ok', directory: 'ok', inventory: 'unavailable' });
      expect(JSON.stringify(body)).not.toContain('127.0.0.1');
    } finally {
      await up.close();
      await down.close();
      await fake.close();
      await lockDb.close();
    }
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildTestApp, signInAs, signInFresh, type TestApp } from '../harness/app.js';
import { resetFlow } from '../harness/reset-flow.js';
import { addLdapUser, ldapBind, slapdPortalEnv } from '../harness/slapd.js';
import { type SmtpCapture, startSmtpCapture } from '../harness/smtp.js';

const slapd = inject('slapd');

/**
 * The flagship against a real OpenLDAP with ppolicy: lock an account with wrong binds, reset and
 * unlock it through the portal, then bind directly with the new password and fail with the old one.
 */
describe.skipIf(!slapd)('password reset and unlock against OpenLDAP (ppolicy)', () => {
  let t: TestApp;
  let smtp: SmtpCapture;
  let flow: ReturnType<typeof resetFlow>;
  beforeAll(async () => {
    smtp = await startSmtpCapture();
    t = await buildTestApp({
      env: {
        PORTAL_DEMO: '0',
        SMTP_URL: smtp.url,
        ...slapdPortalEnv(slapd!),
      },
    });
    flow = resetFlow(t, smtp);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  async function person() {
    const username = `reset-${randomBytes(4).toString('hex')}`;
    const password = 'first password of many';
    const email = `${username}@example.com`;
    const dn = await addLdapUser(slapd!, { username, password, email, displayName: `Reset ${username}` });
    return { username, password, email, dn };
  }

  async function lockWithWrongBinds(dn: string) {
    for (let i = 0; i < 3; i++) await expect(ldapBind(slapd!, dn, `wrong-${i}`)).rejects.toThrow();
  }

  it('resets a locked account: the directory takes the new password and the old one stops working', async () => {
    const p = await person();
    await lockWithWrongBinds(p.dn);
    expect((await t.deps.directory.lockStatus(p.username)).locked).toBe(true);
    await expect(ldapBind(slapd!, p.dn, p.password)).rejects.toThrow(); // even the right password

    const flowId = await flow.verifiedByEmail(p.username, p.email);
    const view = await flow.view(flowId);
    expect(view.body.rules.minLength).toBeGreaterThanOrEqual(12);
    const reset = await flow.reset(flowId, 'second password for ldap');
    expect(reset.status).toBe(200);

    await expect(ldapBind(slapd!, p.dn, 'second password for ldap')).resolves.toBeUndefined();
    await expect(ldapBind(slapd!, p.dn, p.password)).rejects.toThrow();
    expect((await t.deps.directory.lockStatus(p.username)).locked).toBe(false);
    expect(await signInAs(t, p.username, 'second password for ldap')).toMatch(/portal_session=/);
  });

  it('unlocks a locked account and leaves the password as it was', async () => {
    const p = await person();
    await lockWithWrongBinds(p.dn);
    const flowId = await flow.verifiedByEmail(p.email, p.email);
    expect((await flow.unlock(flowId)).status).toBe(200);
    await expect(ldapBind(slapd!, p.dn, p.password)).resolves.toBeUndefined();
  });

  it("explains the directory's history refusal in plain words", async () => {
    const p = await person();
    const first = await flow.verifiedByEmail(p.username, p.email);
    expect((await flow.reset(first, 'another good password 1')).status).toBe(200);
    const second = await flow.verifiedByEmail(p.username, p.email);
    const reused = await flow.reset(second, 'another good password 1');
    expect(reused.status).toBe(422);
    expect(reused.body.error.problems).toEqual(['in_history']);
    expect(reused.body.error.message).toMatch(/used this password recently/);
    expect(reused.body.error.message).not.toMatch(/constraint|ppolicy|LDAP/i);
    // The refusal gave the flow back: a different password completes it.
    expect((await flow.reset(second, 'a third good password 2')).status).toBe(200);
  });

  it('changes the password of a signed-in person in the directory', async () => {
    const p = await person();
    const cookie = await signInAs(t, p.username, p.password);
    const changed = await t.request('POST', '/api/password/change', {
      json: { currentPassword: p.password, newPassword: 'changed by its owner 9' },
      cookie,
    });
    expect(changed.status).toBe(200);
    await expect(ldapBind(slapd!, p.dn, 'changed by its owner 9')).resolves.toBeUndefined();
  });

  it('shows the help desk the lock and lets it unlock', async () => {
    const p = await person();
    await addLdapUser(slapd!, { username: `hd-${p.username}`, password: 'help desk password 1', groups: ['portal-helpdesk'] });
    const staff = await signInFresh(t, `hd-${p.username}`, 'help desk password 1');
    await lockWithWrongBinds(p.dn);
    const account = await (await t.request('GET', `/api/directory/users/${p.username}`, { cookie: staff })).json();
    expect(account.lock.locked).toBe(true);
    expect((await t.request('POST', `/api/helpdesk/users/${p.username}/unlock`, { json: {}, cookie: staff })).status).toBe(200);
    await expect(ldapBind(slapd!, p.dn, p.password)).resolves.toBeUndefined();
  });
});

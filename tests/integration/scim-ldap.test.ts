import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createScimToken } from '../../server/features/scim/tokens.js';
import { buildTestApp, type TestApp } from '../harness/app.js';
import { addLdapUser, ldapBind, slapdPortalEnv } from '../harness/slapd.js';

const slapd = inject('slapd');

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

type Json = Record<string, any>;

/**
 * SCIM over a real OpenLDAP: what Okta or Entra sends lands in the directory (an escaped entry,
 * the ppolicy lock for `active: false`, group members), and reads come back from it.
 */
describe.skipIf(!slapd)('SCIM against OpenLDAP', () => {
  let t: TestApp;
  let token: string;
  const suffix = randomBytes(3).toString('hex');
  const manager = `scim-mgr-${suffix}`;
  const group = `scim-eng-${suffix}`;

  async function scim(method: string, path: string, body?: unknown) {
    const response = await t.request(method, `/scim/v2${path}`, {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      ...(body !== undefined ? { json: body } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as Json };
  }
  const byUserName = async (userName: string) =>
    (await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.Resources[0] as Json;

  beforeAll(async () => {
    t = await buildTestApp({ env: { PORTAL_DEMO: '0', ...slapdPortalEnv(slapd!) } });
    await addLdapUser(slapd!, { username: manager, password: `Throwaway-${suffix}-manager`, email: `${manager}@example.com`, groups: [group] });
    token = (await createScimToken(t.deps, 'Entra (LDAP test)', 'admin-test')).token;
  }, 60_000);
  afterAll(() => t?.close());

  it('creates an escaped entry from hostile and CJK names, disables it with Entra’s "False", and deprovisions it', async () => {
    const userName = `scim-${suffix}`;
    const mgr = await byUserName(manager);
    const created = await scim('POST', '/Users', {
      schemas: [USER, ENTERPRISE],
      userName,
      name: { givenName: ' ,+"\\<>;#= Zoë ', familyName: '山田' },
      displayName: '#Zoë, "the" <Admin>; 山田=',
      emails: [{ value: `${userName}@example.com`, type: 'work', primary: true }],
      [ENTERPRISE]: { department: 'R&D', employeeNumber: `E-${suffix}`, manager: { value: mgr.id } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      userName,
      active: true,
      name: { givenName: ',+"\\<>;#= Zoë', familyName: '山田' },
      displayName: '#Zoë, "the" <Admin>; 山田=',
      [ENTERPRISE]: { department: 'R&D', employeeNumber: `E-${suffix}`, manager: { value: mgr.id } },
    });
    const entry = await t.deps.directory.findUser(userName);
    expect(entry).toMatchObject({ username: userName, givenName: ',+"\\<>;#= Zoë', familyName: '山田', manager, disabled: false });
    expect((await scim('GET', `/Users/${created.body.id}`)).body.displayName).toBe('#Zoë, "the" <Admin>; 山田=');

    const disabled = await scim('PATCH', `/Users/${created.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);
    expect(disabled.body.active).toBe(false);
    expect(await t.deps.directory.findUser(userName)).toMatchObject({ disabled: true });
    expect((await scim('PATCH', `/Users/${created.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] })).body.active).toBe(true);
    expect(await t.deps.directory.findUser(userName)).toMatchObject({ disabled: false });

    expect((await scim('DELETE', `/Users/${created.body.id}`)).status).toBe(204);
    expect(await t.deps.directory.findUser(userName)).toMatchObject({ disabled: true });
    expect((await scim('GET', `/Users/${created.body.id}`)).status).toBe(404);
  });

  it('adds and removes group members in the directory', async () => {
    const userName = `scim-member-${suffix}`;
    const created = await scim('POST', '/Users', { schemas: [USER], userName, name: { givenName: 'Mia', familyName: 'Member' } });
    expect(created.status).toBe(201);
    const groups = await scim('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${group}"`)}`);
    const target = groups.body.Resources[0] as Json;
    expect(target.members.map((m: Json) => m.display)).toEqual([manager]);
    const added = await scim('PATCH', `/Groups/${target.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: created.body.id }] }] });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect((await t.deps.directory.findUser(userName))!.groups).toContain(group);
    const removed = await scim('PATCH', `/Groups/${target.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${created.body.id}"]` }] });
    expect(removed.status).toBe(200);
    expect((await t.deps.directory.findUser(userName))!.groups).not.toContain(group);
    // The manager, who was there before SCIM, is still a member.
    expect((await t.deps.directory.findUser(manager))!.groups).toContain(group);
  });

  it('pages through the directory’s people', async () => {
    const first = (await scim('GET', '/Users?startIndex=1&count=1')).body;
    expect(first.itemsPerPage).toBe(1);
    expect(first.totalResults).toBeGreaterThanOrEqual(2);
    const seen = new Set<string>();
    for (let start = 1; start <= first.totalResults; start++) seen.add((await scim('GET', `/Users?startIndex=${start}&count=1`)).body.Resources[0].id);
    expect(seen.size).toBe(first.totalResults);
  });

  it('a disabled account cannot bind', async () => {
    const userName = `scim-bind-${suffix}`;
    await addLdapUser(slapd!, { username: userName, password: `Throwaway-${suffix}-bind` });
    const found = await byUserName(userName);
    await scim('PATCH', `/Users/${found.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect((await t.deps.directory.authenticate(userName, `Throwaway-${suffix}-bind`)).ok).toBe(false);
    await expect(ldapBind(slapd!, `uid=${userName},${slapd!.userBase}`, `Throwaway-${suffix}-bind`)).rejects.toThrow();
  });
});

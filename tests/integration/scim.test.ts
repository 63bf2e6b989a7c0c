import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryUnavailableError } from '../../server/directory/port.js';
import { buildTestApp, signInAs, signInFresh, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';

/**
 * SCIM 2.0 conformance: every endpoint, the error shapes, filters, paging and PATCH in the forms
 * Okta and Microsoft Entra send them (request bodies as their provisioning guides and Microsoft's
 * SCIM validator show them), against the real app on SQLite and PostgreSQL. Only throwaway people
 * and a throwaway group are changed; the demo people are looked at, never written.
 */

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PORTAL = 'urn:ietf:params:scim:schemas:extension:portal:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

const unique = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;

type Json = Record<string, any>;

describe.each(availableDialects())('SCIM 2.0 on %s', (dialect) => {
  let t: TestApp;
  let token: string;
  let adminCookie: string;

  /** One SCIM call with the bearer token, as a SCIM client makes it. */
  async function scim(method: string, path: string, body?: unknown, options: { token?: string | null; contentType?: string } = {}) {
    const bearer = options.token === undefined ? token : options.token;
    const response = await t.request(method, `/scim/v2${path}`, {
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        'content-type': options.contentType ?? 'application/scim+json',
      },
      ...(body !== undefined ? { json: body } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as Json };
  }

  /** What the directory says of a person now. */
  const inDirectory = (username: string) => t.deps.directory.findUser(username);

  /** An Okta-style create body. */
  function oktaUser(userName: string, extra: Json = {}): Json {
    return {
      schemas: [USER],
      userName,
      name: { givenName: 'Olga', familyName: 'Okta' },
      emails: [{ primary: true, value: `${userName}@example.com`, type: 'work' }],
      displayName: 'Olga Okta',
      locale: 'en-US',
      externalId: `00u${randomBytes(6).toString('hex')}`,
      groups: [],
      active: true,
      ...extra,
    };
  }

  async function createUser(body: Json) {
    const created = await scim('POST', '/Users', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  }

  beforeAll(async () => {
    t = await buildTestApp({ dialect });
    adminCookie = await signInFresh(t, 'adam');
    const created = await t.request('POST', '/api/admin/scim-tokens', { json: { name: 'Okta production' }, cookie: adminCookie });
    expect(created.status).toBe(201);
    token = ((await created.json()) as { token: string }).token;
  });
  afterAll(() => t.close());

  describe('bearer tokens', () => {
    it('shows a new token once and never again; the list has names and dates, no secrets', async () => {
      const created = await t.request('POST', '/api/admin/scim-tokens', { json: { name: '  Entra ID – test  ' }, cookie: adminCookie });
      expect(created.status).toBe(201);
      const body = (await created.json()) as Json;
      expect(body).toMatchObject({ name: 'Entra ID – test', createdBy: 'adam', revokedAt: null, lastUsedAt: null });
      expect(body.token).toMatch(/^scim_[A-Za-z0-9_-]{43}$/);

      const listed = await t.request('GET', '/api/admin/scim-tokens', { cookie: adminCookie });
      const text = await listed.text();
      expect(text).not.toContain(body.token);
      expect(text).not.toContain(body.token.slice(5, 20));
      const tokens = (JSON.parse(text) as { tokens: Json[] }).tokens;
      expect(tokens.find((x) => x.id === body.id)).toEqual({
        id: body.id,
        name: 'Entra ID – test',
        createdBy: 'adam',
        createdAt: body.createdAt,
        lastUsedAt: null,
        revokedAt: null,
      });
      // Stored as a keyed hash only.
      const rows = await t.deps.db.selectFrom('scim_tokens').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(body.token);
    });

    it('refuses a bad name with a field error and creates nothing', async () => {
      const before = (await t.deps.db.selectFrom('scim_tokens').select('id').execute()).length;
      for (const json of [{ name: '' }, { name: '   ' }, { name: 'x'.repeat(101) }, { name: 42 }, {}, { name: 'a\u0000b' }, { name: 'ok', extra: 1 }]) {
        const response = await t.request('POST', '/api/admin/scim-tokens', { json, cookie: adminCookie });
        expect(response.status).toBe(400);
        expect(((await response.json()) as Json).error.code).toBe('validation_failed');
      }
      expect((await t.deps.db.selectFrom('scim_tokens').select('id').execute()).length).toBe(before);
    });

    it('lets only admins manage tokens', async () => {
      for (const name of ['alice', 'mark', 'hana', 'ruth']) {
        const cookie = await signInFresh(t, name);
        expect((await t.request('POST', '/api/admin/scim-tokens', { json: { name: 'mine' }, cookie })).status).toBe(403);
        expect((await t.request('GET', '/api/admin/scim-tokens', { cookie })).status).toBe(403);
      }
      expect((await t.request('POST', '/api/admin/scim-tokens', { json: { name: 'anon' } })).status).toBe(401);
    });

    it('asks an admin for the password again before making a token', async () => {
      const cookie = await signInAs(t, 'adam');
      const response = await t.request('POST', '/api/admin/scim-tokens', { json: { name: 'stale' }, cookie });
      expect(response.status).toBe(403);
      expect(((await response.json()) as Json).error.code).toBe('reauth_required');
    });

    it('refuses a missing, wrong or revoked token with a SCIM 401, and a revoked token at once', async () => {
      const created = (await (await t.request('POST', '/api/admin/scim-tokens', { json: { name: 'short-lived' }, cookie: adminCookie })).json()) as Json;
      expect((await scim('GET', '/ServiceProviderConfig', undefined, { token: created.token })).status).toBe(200);

      const revoked = await t.request('DELETE', `/api/admin/scim-tokens/${created.id}`, { cookie: adminCookie });
      expect(revoked.status).toBe(200);
      expect(((await revoked.json()) as Json).revokedAt).toBeTypeOf('number');

      for (const bad of [created.token, null, 'scim_' + 'A'.repeat(43), token.slice(0, -1), `${token}x`]) {
        const answer = await scim('GET', '/Users', undefined, { token: bad });
        expect(answer.status).toBe(401);
        expect(answer.body).toMatchObject({ schemas: [ERROR], status: '401' });
        expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
      // The last used time was recorded while it worked.
      const row = await t.deps.db.selectFrom('scim_tokens').select('last_used_at').where('id', '=', created.id).executeTakeFirstOrThrow();
      expect(row.last_used_at).not.toBeNull();
      expect((await t.request('DELETE', '/api/admin/scim-tokens/6c0b7c3e-1b1a-4f7e-9a51-0d6f3c1f0a11', { cookie: adminCookie })).status).toBe(404);
    });

    it('opens nothing under /api: a SCIM token is not a session', async () => {
      for (const [method, path] of [
        ['GET', '/api/me'],
        ['GET', '/api/admin/scim-tokens'],
        ['GET', '/api/directory/users?q=a'],
      ] as const) {
        const response = await t.request(method, path, { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(401);
      }
    });

    it('refuses every SCIM route without a token', async () => {
      const routes = t.app.routes.filter((r) => r.path.startsWith('/scim/v2/') && r.method !== 'ALL' && !r.path.endsWith('*'));
      expect(routes.length).toBeGreaterThanOrEqual(17);
      for (const route of routes) {
        const answer = await scim(route.method, route.path.replace('/scim/v2', '').replace(/:\w+/g, 'x'), route.method === 'GET' ? undefined : {}, { token: null });
        expect({ route: `${route.method} ${route.path}`, status: answer.status }).toEqual({ route: `${route.method} ${route.path}`, status: 401 });
      }
    });
  });

  describe('discovery', () => {
    it('describes the provider: PATCH and filter supported, bulk, sort and etag not, bearer tokens', async () => {
      const answer = await scim('GET', '/ServiceProviderConfig');
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/scim\+json/);
      expect(answer.body).toMatchObject({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
        patch: { supported: true },
        filter: { supported: true, maxResults: 200 },
        bulk: { supported: false },
        sort: { supported: false },
        etag: { supported: false },
        changePassword: { supported: false },
      });
      expect(answer.body.authenticationSchemes[0]).toMatchObject({ type: 'oauthbearertoken' });
    });

    it('lists the resource types with their extensions, and the schemas', async () => {
      const types = await scim('GET', '/ResourceTypes');
      expect(types.status).toBe(200);
      const user = types.body.Resources.find((r: Json) => r.name === 'User');
      expect(user).toMatchObject({ endpoint: '/Users', schema: USER });
      expect(user.schemaExtensions.map((e: Json) => e.schema)).toEqual(expect.arrayContaining([ENTERPRISE, PORTAL]));
      expect(types.body.Resources.find((r: Json) => r.name === 'Group')).toMatchObject({ endpoint: '/Groups', schema: GROUP });
      expect((await scim('GET', '/ResourceTypes/User')).body).toMatchObject({ id: 'User', endpoint: '/Users' });

      const schemas = await scim('GET', '/Schemas');
      expect(schemas.status).toBe(200);
      expect(schemas.body.Resources.map((s: Json) => s.id)).toEqual(expect.arrayContaining([USER, GROUP, ENTERPRISE, PORTAL]));
      const one = await scim('GET', `/Schemas/${ENTERPRISE}`);
      expect(one.body.attributes.map((a: Json) => a.name)).toEqual(expect.arrayContaining(['employeeNumber', 'department', 'manager']));
      expect((await scim('GET', '/Schemas/urn:nope')).status).toBe(404);
    });

    it('answers an unknown endpoint with a SCIM 404 and bulk with 501', async () => {
      const unknown = await scim('GET', '/Nope');
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ schemas: [ERROR], status: '404' });
      expect((await scim('POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] })).status).toBe(501);
    });
  });

  describe('Users, as Okta provisions them', () => {
    it('creates, finds by userName, reads, replaces, deactivates and deprovisions', async () => {
      const userName = unique('okta.');
      const body = oktaUser(userName, { password: 'never-stored-1234' });
      const created = await scim('POST', '/Users', body);
      expect(created.status).toBe(201);
      expect(created.headers.get('content-type')).toMatch(/^application\/scim\+json/);
      const user = created.body;
      expect(user).toMatchObject({
        schemas: expect.arrayContaining([USER]),
        userName,
        externalId: body.externalId,
        active: true,
        name: { givenName: 'Olga', familyName: 'Okta' },
        displayName: 'Olga Okta',
        emails: [{ value: `${userName}@example.com`, type: 'work', primary: true }],
        meta: { resourceType: 'User', location: `http://portal.test/scim/v2/Users/${user.id}` },
      });
      expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.headers.get('location')).toBe(user.meta.location);
      expect(JSON.stringify(user)).not.toContain('never-stored');
      // The account is in the directory, enabled, with no usable password.
      expect(await inDirectory(userName)).toMatchObject({ username: userName, disabled: false, email: `${userName}@example.com` });
      expect((await t.deps.directory.authenticate(userName, 'never-stored-1234')).ok).toBe(false);

      // Okta first looks the person up by userName (quoted, any case).
      const found = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName.toUpperCase()}"`)}&startIndex=1&count=100`);
      expect(found.status).toBe(200);
      expect(found.body).toMatchObject({ schemas: [LIST], totalResults: 1, startIndex: 1, itemsPerPage: 1 });
      expect(found.body.Resources[0].id).toBe(user.id);

      const again = await scim('POST', '/Users', oktaUser(userName));
      expect(again.status).toBe(409);
      expect(again.body).toEqual({ schemas: [ERROR], status: '409', scimType: 'uniqueness', detail: expect.any(String) });

      expect((await scim('GET', `/Users/${user.id}`)).body).toEqual(user);

      // PUT: Okta sends the whole user back with changes.
      const replaced = await scim('PUT', `/Users/${user.id}`, { ...body, id: user.id, name: { givenName: 'Olga', familyName: 'Okta-Smith' }, displayName: 'Olga Okta-Smith', title: 'Analyst' });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({ name: { familyName: 'Okta-Smith' }, displayName: 'Olga Okta-Smith', title: 'Analyst' });
      expect(await inDirectory(userName)).toMatchObject({ familyName: 'Okta-Smith', displayName: 'Olga Okta-Smith', title: 'Analyst' });

      // Okta deactivates with a path-less replace.
      const session = await t.request('POST', '/api/auth/login', { json: { username: userName, password: 'x' } });
      expect(session.status).toBe(401);
      const deactivated = await scim('PATCH', `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
      expect(deactivated.status).toBe(200);
      expect(deactivated.body.active).toBe(false);
      expect(await inDirectory(userName)).toMatchObject({ disabled: true });
      const reactivated = await scim('PATCH', `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] });
      expect(reactivated.body.active).toBe(true);
      expect(await inDirectory(userName)).toMatchObject({ disabled: false });

      // DELETE deprovisions: disabled in the directory, gone from SCIM.
      expect((await scim('DELETE', `/Users/${user.id}`)).status).toBe(204);
      expect(await inDirectory(userName)).toMatchObject({ disabled: true });
      const gone = await scim('GET', `/Users/${user.id}`);
      expect(gone.status).toBe(404);
      expect(gone.body).toMatchObject({ schemas: [ERROR], status: '404' });
      expect((await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.totalResults).toBe(0);
      expect((await scim('DELETE', `/Users/${user.id}`)).status).toBe(404);

      // Assigned again: the same account and id come back, enabled.
      const back = await scim('POST', '/Users', oktaUser(userName));
      expect(back.status).toBe(201);
      expect(back.body).toMatchObject({ id: user.id, active: true });
      expect(await inDirectory(userName)).toMatchObject({ disabled: false });
    });

    it('ends the sessions of a person it disables', async () => {
      const person = await t.addPerson({ prefix: 'sess' });
      const cookie = await signInAs(t, person.username, person.password);
      const [found] = (await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${person.username}"`)}`)).body.Resources;
      expect((await t.request('GET', '/api/me', { cookie })).status).toBe(200);
      await scim('PATCH', `/Users/${found.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
      expect((await t.request('GET', '/api/me', { cookie })).status).toBe(401);
    });

    it('removes group memberships with the Okta member filter path', async () => {
      const group = await throwawayGroup();
      const a = await createUser(oktaUser(unique('gm.')));
      const b = await createUser(oktaUser(unique('gm.')));
      const add = await scim('PATCH', `/Groups/${group.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'add', path: 'members', value: [{ value: a.id, display: a.userName }, { value: b.id, display: b.userName }] }],
      });
      expect(add.status).toBe(200);
      expect(add.body.members.map((m: Json) => m.value)).toEqual(expect.arrayContaining([a.id, b.id]));
      const remove = await scim('PATCH', `/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${a.id}"]` }] });
      expect(remove.status).toBe(200);
      expect(remove.body.members.map((m: Json) => m.value)).not.toContain(a.id);
      expect((await inDirectory(a.userName))!.groups).not.toContain(group.displayName);
      expect((await inDirectory(b.userName))!.groups).toContain(group.displayName);
      // Okta's "push group" replaces the whole member list, and sends the name it already has.
      const replaced = await scim('PATCH', `/Groups/${group.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', value: { id: group.id, displayName: group.displayName } }, { op: 'replace', path: 'members', value: [{ value: a.id }] }],
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body.members.map((m: Json) => m.value)).toEqual([a.id]);
    });
  });

  describe('Users, as Microsoft Entra provisions them', () => {
    async function entraUser() {
      const mark = (await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "mark"')}`)).body.Resources[0];
      const userName = `${unique('entra.')}@contoso.example`;
      const user = await createUser({
        schemas: [USER, ENTERPRISE],
        externalId: randomBytes(8).toString('hex'),
        userName,
        active: true,
        addresses: [{ primary: true, type: 'work', country: 'DE' }],
        displayName: 'Erik Entra',
        emails: [{ primary: true, type: 'work', value: userName }],
        name: { familyName: 'Entra', givenName: 'Erik', formatted: 'Erik Entra' },
        title: 'Engineer',
        [ENTERPRISE]: { employeeNumber: unique('E'), department: 'Engineering', manager: { value: mark.id } },
      });
      return { user, mark };
    }

    it('creates with the enterprise extension: manager by id, department, employee number', async () => {
      const { user, mark } = await entraUser();
      expect(user[ENTERPRISE]).toMatchObject({ department: 'Engineering', manager: { value: mark.id, displayName: 'mark' } });
      expect(user[ENTERPRISE].employeeNumber).toMatch(/^E/);
      expect(await inDirectory(user.userName)).toMatchObject({ manager: 'mark', department: 'Engineering', employeeNumber: user[ENTERPRISE].employeeNumber });
    });

    it('applies Entra PATCH: capitalised ops, "False" as a string, manager as a bare id, filtered email path, remove', async () => {
      const { user } = await entraUser();
      const adam = (await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "adam"')}`)).body.Resources[0];
      const patch = await scim('PATCH', `/Users/${user.id}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Replace', path: 'displayName', value: 'Erika Entra' },
          { op: 'Replace', path: 'name.givenName', value: 'Erika' },
          { op: 'Replace', path: 'emails[type eq "work"].value', value: `new.${user.userName}` },
          { op: 'Add', path: `${ENTERPRISE}:manager`, value: adam.id },
          { op: 'Remove', path: `${ENTERPRISE}:department` },
          { op: 'Replace', path: 'active', value: 'False' },
        ],
      });
      expect(patch.status, JSON.stringify(patch.body)).toBe(200);
      expect(patch.body).toMatchObject({ displayName: 'Erika Entra', name: { givenName: 'Erika' }, active: false, emails: [{ value: `new.${user.userName}` }] });
      expect(patch.body[ENTERPRISE].manager.value).toBe(adam.id);
      expect(patch.body[ENTERPRISE].department).toBeUndefined();
      expect(await inDirectory(user.userName)).toMatchObject({
        displayName: 'Erika Entra',
        givenName: 'Erika',
        manager: 'adam',
        department: null,
        disabled: true,
        email: `new.${user.userName}`,
      });

      // A value object without a path, with dotted and extension keys, as Entra sends it.
      const noPath = await scim('PATCH', `/Users/${user.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', value: { active: 'True', 'name.familyName': 'Entrawa', [`${ENTERPRISE}:department`]: 'Research' } }],
      });
      expect(noPath.status, JSON.stringify(noPath.body)).toBe(200);
      expect(noPath.body).toMatchObject({ active: true, name: { familyName: 'Entrawa' }, [ENTERPRISE]: { department: 'Research' } });
      expect(await inDirectory(user.userName)).toMatchObject({ disabled: false, familyName: 'Entrawa', department: 'Research' });

      // An add without a path.
      const add = await scim('PATCH', `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', value: { title: 'Lead' } }] });
      expect(add.body.title).toBe('Lead');
      // A remove of an optional attribute by path.
      const removed = await scim('PATCH', `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'title' }] });
      expect(removed.body.title).toBeUndefined();
      expect((await inDirectory(user.userName))!.title).toBeNull();
    });

    it('answers PATCH and PUT mistakes with the SCIM error and changes nothing', async () => {
      const { user } = await entraUser();
      const before = await inDirectory(user.userName);
      const cases: [unknown, number, string | undefined][] = [
        [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'nosuch', value: 1 }] }, 400, 'invalidPath'],
        [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 'someone.else' }] }, 400, 'mutability'],
        [{ schemas: [PATCH_OP], Operations: [{ op: 'remove' }] }, 400, 'noTarget'],
        [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: 'maybe' }] }, 400, 'invalidValue'],
        [{ schemas: [PATCH_OP], Operations: [{ op: 'jump', path: 'active', value: true }] }, 400, undefined],
        [{ schemas: ['urn:wrong'], Operations: [] }, 400, undefined],
        [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: `${ENTERPRISE}:manager`, value: 'not-a-user' }] }, 400, 'invalidValue'],
        [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'groups', value: [] }] }, 400, 'mutability'],
        [{ schemas: [PATCH_OP], Operations: [{ op: 'add', value: { groups: [{ value: 'x' }] } }] }, 400, 'mutability'],
      ];
      for (const [body, status, scimType] of cases) {
        const answer = await scim('PATCH', `/Users/${user.id}`, body);
        expect({ body, status: answer.status, answer: answer.body }).toEqual({ body, status, answer: expect.anything() });
        expect(answer.body.schemas).toEqual([ERROR]);
        expect(answer.body.status).toBe(String(status));
        if (scimType) expect({ body, scimType: answer.body.scimType }).toEqual({ body, scimType });
      }
      const bad = await t.request('PATCH', `/scim/v2/Users/${user.id}`, {
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        json: undefined,
      });
      expect(bad.status).toBe(400);
      const notJson = await t.deps.directory.findUser(user.userName);
      expect(notJson).toEqual(before);
      const wrongType = await scim('PUT', `/Users/${user.id}`, { ...user, userName: 'renamed' });
      expect(wrongType).toMatchObject({ status: 400, body: { scimType: 'mutability' } });
      expect(await inDirectory(user.userName)).toEqual(before);
    });

    it('refuses a body that is not JSON, or not SCIM', async () => {
      const raw = await t.app.request('/scim/v2/Users', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        body: '{"userName": ',
      });
      expect(raw.status).toBe(400);
      expect(await raw.json()).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidSyntax' });
      expect((await scim('POST', '/Users', { schemas: [USER], userName: 'x' }, { contentType: 'text/plain' })).status).toBe(400);
      const noName = await scim('POST', '/Users', { schemas: [USER], name: { givenName: 'No' } });
      expect(noName.status).toBe(400);
      expect(noName.body.schemas).toEqual([ERROR]);
      const wrongType = await scim('POST', '/Users', { schemas: [USER], userName: unique('t.'), active: 'perhaps' });
      expect(wrongType).toMatchObject({ status: 400, body: { scimType: 'invalidValue' } });
      const badMail = await scim('POST', '/Users', { schemas: [USER], userName: unique('t.'), emails: [{ value: 'not mail', type: 'work' }] });
      expect(badMail.status).toBe(400);
    });
  });

  describe('filters and paging', () => {
    it('filters by externalId, work mail, and with and/or; a broken filter is invalidFilter', async () => {
      const prefix = unique('f');
      const one = await createUser(oktaUser(unique(`${prefix}.`)));
      const two = await createUser(oktaUser(unique(`${prefix}.`)));
      const q = async (filter: string) => (await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`)).body;
      expect((await q(`externalId eq "${one.externalId}"`)).Resources.map((r: Json) => r.id)).toEqual([one.id]);
      expect((await q(`emails[type eq "work"].value eq "${two.emails[0].value}"`)).Resources.map((r: Json) => r.id)).toEqual([two.id]);
      expect((await q(`userName eq "${one.userName}" or userName eq "${two.userName}"`)).totalResults).toBe(2);
      expect((await q(`userName eq "${one.userName}" and active eq true`)).totalResults).toBe(1);
      expect((await q(`userName eq "${one.userName}" and active eq false`)).totalResults).toBe(0);
      expect((await q(`id eq "${two.id}"`)).Resources[0].userName).toBe(two.userName);
      // Not indexable: the directory is read and SCIMMY matches.
      expect((await q(`userName sw "${prefix.toUpperCase()}." and displayName eq "olga okta"`)).totalResults).toBe(2);
      expect((await q('userName eq "nobody-at-all"')).Resources).toEqual([]);
      for (const broken of ['userName eq', 'userName zz "x"', '(userName eq "x"', 'userName eq "x" and']) {
        const answer = await scim('GET', `/Users?filter=${encodeURIComponent(broken)}`);
        expect({ broken, status: answer.status, scimType: answer.body.scimType }).toEqual({ broken, status: 400, scimType: 'invalidFilter' });
      }
    });

    it('pages with 1-based startIndex and count, with totalResults across pages', async () => {
      // Someone deprovisioned is still in the directory (disabled) but on no page and in no count.
      const leaver = await createUser(oktaUser(unique('leaver.')));
      expect((await scim('DELETE', `/Users/${leaver.id}`)).status).toBe(204);
      const first = (await scim('GET', '/Users?startIndex=1&count=2')).body;
      expect(first).toMatchObject({ schemas: [LIST], startIndex: 1, itemsPerPage: 2 });
      expect(first.totalResults).toBeGreaterThanOrEqual(6);
      const second = (await scim('GET', '/Users?startIndex=3&count=2')).body;
      expect(second.startIndex).toBe(3);
      expect(second.totalResults).toBe(first.totalResults);
      const ids = [...first.Resources, ...second.Resources].map((r: Json) => r.id);
      expect(new Set(ids).size).toBe(4);
      // Walk everything: every person once.
      const seen = new Set<string>();
      for (let start = 1; start <= first.totalResults; start += 3) {
        for (const r of (await scim('GET', `/Users?startIndex=${start}&count=3`)).body.Resources) seen.add(r.id);
      }
      expect(seen.size).toBe(first.totalResults);
      expect(seen.has(leaver.id)).toBe(false);
      const none = (await scim('GET', '/Users?count=0')).body;
      expect(none).toMatchObject({ totalResults: first.totalResults, itemsPerPage: 0, Resources: [] });
      expect((await scim('GET', `/Users?startIndex=${first.totalResults + 10}`)).body.Resources).toEqual([]);
      expect((await scim('GET', '/Users?count=abc')).status).toBe(400);
      // People who were in the directory before SCIM appear, with stable ids.
      const mark = (await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "mark"')}`)).body.Resources[0];
      expect((await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "mark"')}`)).body.Resources[0].id).toBe(mark.id);
      expect((await scim('GET', `/Users/${mark.id}?attributes=userName`)).body).toEqual({
        schemas: expect.arrayContaining([USER]),
        id: mark.id,
        userName: 'mark',
        meta: expect.objectContaining({ resourceType: 'User' }),
      });
    });
  });

  describe('privileges stay in the directory', () => {
    it('refuses to change, disable or deprovision help desk, HR and admin accounts, and leaves them as they were', async () => {
      for (const name of ['hana', 'ruth', 'adam']) {
        const person = (await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}`)).body.Resources[0];
        const before = await inDirectory(name);
        const attempts = [
          await scim('PATCH', `/Users/${person.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'attacker@evil.example' }] }),
          await scim('PATCH', `/Users/${person.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }),
          await scim('PUT', `/Users/${person.id}`, { ...person, displayName: 'Taken over' }),
          await scim('DELETE', `/Users/${person.id}`),
        ];
        for (const answer of attempts) expect({ name, status: answer.status, schemas: answer.body.schemas }).toEqual({ name, status: 403, schemas: [ERROR] });
        expect(await inDirectory(name)).toEqual(before);
        expect((await scim('GET', `/Users/${person.id}`)).status).toBe(200);
      }
    });

    it('refuses to change the members of groups that grant portal roles', async () => {
      const someone = await createUser(oktaUser(unique('climber.')));
      const admins = (await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "portal-admins"')}`)).body.Resources[0];
      const before = admins.members;
      const answer = await scim('PATCH', `/Groups/${admins.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: someone.id }] }] });
      expect(answer).toMatchObject({ status: 403, body: { schemas: [ERROR], status: '403' } });
      expect((await inDirectory(someone.userName))!.groups).toEqual([]);
      expect((await scim('GET', `/Groups/${admins.id}`)).body.members).toEqual(before);
      const put = await scim('PUT', `/Groups/${admins.id}`, { schemas: [GROUP], displayName: 'portal-admins', members: [] });
      expect(put.status).toBe(403);
    });
  });

  describe('hostile and international values', () => {
    it('round-trips names with , + " \\ < > ; # = and CJK, and trims spaces', async () => {
      const userName = unique('hostile.');
      const given = '  Zoë ,+"\\<>;#= ';
      const family = '山田 太郎';
      const user = await createUser({
        schemas: [USER],
        userName,
        name: { givenName: given, familyName: family },
        displayName: '#=Evil, "Name" <x>;',
        emails: [{ value: `${userName}@example.com`, type: 'work', primary: true }],
      });
      expect(user.name).toMatchObject({ givenName: 'Zoë ,+"\\<>;#=', familyName: family });
      const read = await scim('GET', `/Users/${user.id}`);
      expect(read.body.name).toMatchObject({ givenName: 'Zoë ,+"\\<>;#=', familyName: family });
      expect(read.body.displayName).toBe('#=Evil, "Name" <x>;');
      const control = await scim('POST', '/Users', { schemas: [USER], userName: unique('ctl.'), name: { givenName: 'a\u0000b' } });
      expect(control).toMatchObject({ status: 400, body: { scimType: 'invalidValue' } });
    });
  });

  describe('Groups', () => {
    it('lists, filters by displayName, leaves members out when asked, and refuses create, delete and rename', async () => {
      const group = await throwawayGroup();
      const list = await scim('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${group.displayName}"`)}&excludedAttributes=members`);
      expect(list.status).toBe(200);
      expect(list.body).toMatchObject({ schemas: [LIST], totalResults: 1 });
      expect(list.body.Resources[0]).toMatchObject({ id: group.id, displayName: group.displayName });
      expect(list.body.Resources[0].members).toBeUndefined();
      const one = await scim('GET', `/Groups/${group.id}`);
      expect(one.body.members.map((m: Json) => m.value)).toEqual([group.seedId]);
      expect((await scim('GET', '/Groups?startIndex=1&count=1')).body.itemsPerPage).toBe(1);

      expect((await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'New' })).status).toBe(501);
      expect((await scim('DELETE', `/Groups/${group.id}`)).status).toBe(501);
      const rename = await scim('PATCH', `/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Renamed' }] });
      expect(rename).toMatchObject({ status: 400, body: { scimType: 'mutability' } });
      expect((await scim('GET', '/Groups/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    });

    it('adds and removes members the Entra way, and replaces them with PUT', async () => {
      const group = await throwawayGroup();
      const a = await createUser(oktaUser(unique('em.')));
      const add = await scim('PATCH', `/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: a.id }] }] });
      expect(add.status, JSON.stringify(add.body)).toBe(200);
      expect((await inDirectory(a.userName))!.groups).toContain(group.displayName);
      // The user shows the group.
      expect((await scim('GET', `/Users/${a.id}`)).body.groups).toEqual([expect.objectContaining({ value: group.id, display: group.displayName })]);
      const remove = await scim('PATCH', `/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: [{ value: a.id }] }] });
      expect(remove.status).toBe(200);
      expect((await inDirectory(a.userName))!.groups).not.toContain(group.displayName);
      const unknown = await scim('PATCH', `/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: 'not-an-id' }] }] });
      expect(unknown).toMatchObject({ status: 400, body: { scimType: 'invalidValue' } });
      const put = await scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP], displayName: group.displayName, members: [{ value: a.id }] });
      expect(put.status).toBe(200);
      expect(put.body.members.map((m: Json) => m.value)).toEqual([a.id]);
      expect((await inDirectory(a.userName))!.groups).toContain(group.displayName);
    });
  });

  describe('hires (portal extension)', () => {
    /** A day some weeks after the test clock's today, as YYYY-MM-DD. */
    const dayAhead = (days: number) => new Date(t.clock.now() + days * 86_400_000).toISOString().slice(0, 10);
    const hireBody = (userName: string, portal: Json = {}) => ({
      schemas: [USER, ENTERPRISE, PORTAL],
      userName,
      active: false,
      externalId: randomBytes(6).toString('hex'),
      name: { givenName: 'Hiro', familyName: 'Hire' },
      title: 'Engineer',
      [ENTERPRISE]: { department: 'Engineering', manager: { value: markId } },
      [PORTAL]: { startDate: dayAhead(20), timeZone: 'Asia/Tokyo', personalEmail: `${userName.split('@')[0]}@home.example`, ...portal },
    });
    let markId: string;
    beforeAll(async () => {
      markId = (await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "mark"')}`)).body.Resources[0].id;
    });

    it('sends an inactive user with a start date through onboarding: a disabled account that wakes on the start date', async () => {
      const requested = `${unique('hiro.')}@corp.example`;
      const created = await scim('POST', '/Users', hireBody(requested));
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({
        active: false,
        name: { givenName: 'Hiro', familyName: 'Hire' },
        [PORTAL]: { timeZone: 'Asia/Tokyo', personalEmail: `${requested.split('@')[0]}@home.example` },
        [ENTERPRISE]: { department: 'Engineering', manager: { value: markId } },
      });
      const username = created.body.userName as string;
      // The hire is onboarding's, recorded as made by the token's admin, via SCIM.
      const hire = await t.deps.db.selectFrom('hires').selectAll().where('username', '=', username).executeTakeFirstOrThrow();
      expect(hire).toMatchObject({ first_name: 'Hiro', last_name: 'Hire', time_zone: 'Asia/Tokyo', manager: 'mark', created_by: 'adam', status: 'scheduled' });
      // The provisioning job creates the account, disabled.
      await t.drainJobs();
      expect(await inDirectory(username)).toMatchObject({ username, disabled: true, manager: 'mark' });
      const read = await scim('GET', `/Users/${created.body.id}`);
      expect(read.body).toMatchObject({ id: created.body.id, userName: username, active: false });
      // The name the client asked for finds the hire, and sending it again is refused, not a second hire.
      const found = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${requested}"`)}`);
      expect(found.body.Resources.map((r: Json) => r.id)).toEqual([created.body.id]);
      const again = await scim('POST', '/Users', hireBody(requested));
      expect(again).toMatchObject({ status: 409, body: { scimType: 'uniqueness' } });
      expect((await t.deps.db.selectFrom('hires').select('id').where('first_name', '=', 'Hiro').execute()).length).toBe(1);
    });

    it('answers onboarding’s refusals as SCIM errors, and creates nothing', async () => {
      const before = (await t.deps.db.selectFrom('hires').select('id').execute()).length;
      for (const [portal, field] of [
        [{ timeZone: 'Mars/Olympus' }, 'timeZone'],
        [{ startDate: '2027-02-30' }, 'startDate'],
        [{ personalEmail: undefined }, 'personalEmail'],
      ] as const) {
        const answer = await scim('POST', '/Users', hireBody(unique('bad.'), portal));
        expect({ field, status: answer.status, scimType: answer.body.scimType }).toEqual({ field, status: 400, scimType: 'invalidValue' });
        expect(answer.body.detail).toContain(field);
      }
      expect((await t.deps.db.selectFrom('hires').select('id').execute()).length).toBe(before);
    });
  });

  it('answers 503 with Retry-After while the directory is unreachable', async () => {
    const directory = t.deps.directory;
    const original = directory.listUsers.bind(directory);
    // The directory's own failure signal, as the LDAP port raises it when the server is down.
    directory.listUsers = () => Promise.reject(new DirectoryUnavailableError('connection refused'));
    try {
      const answer = await scim('GET', '/Users');
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ schemas: [ERROR], status: '503' });
      expect(answer.headers.get('retry-after')).toBe('30');
    } finally {
      directory.listUsers = original;
    }
  });

  it('records each request in the audit trail under the token’s name', async () => {
    const events = await t.deps.db.selectFrom('audit_events').select(['action', 'actor']).where('actor', '=', 'scim:Okta production').execute();
    const actions = new Set(events.map((e) => e.action));
    for (const action of ['scim.read', 'scim.hire_created', 'scim.user_created', 'scim.user_replaced', 'scim.user_patched', 'scim.user_deprovisioned', 'scim.group_patched', 'scim.write_refused']) {
      expect({ action, recorded: actions.has(action) }).toEqual({ action, recorded: true });
    }
    const created = await t.deps.db.selectFrom('audit_events').select(['action', 'actor']).where('action', '=', 'scim.token_created').execute();
    expect(created[0]).toMatchObject({ actor: 'adam' });
  });

  /** A group only these tests use, with one throwaway member (the built-in directory's groups exist while they have members). */
  async function throwawayGroup() {
    const seed = await t.addPerson({ prefix: 'grp' });
    const displayName = unique('scim-test-');
    expect(await t.deps.directory.addToGroup(seed.username, displayName)).toEqual({ ok: true });
    const list = await scim('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`);
    const seedUser = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${seed.username}"`)}`);
    return { id: list.body.Resources[0].id as string, displayName, seedId: seedUser.body.Resources[0].id as string };
  }
});

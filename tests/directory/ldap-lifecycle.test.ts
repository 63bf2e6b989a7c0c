/**
 * OpenLDAP account lifecycle beyond the contract, on the run's shared slapd: the exact entry and
 * DN written, the ppolicy lock that means "disabled" and how it meets a lockout, groupOfUniqueNames,
 * the placeholder a group keeps when its last person leaves, what the service account may not do,
 * and outages.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Client } from 'ldapts';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createLdapDirectory } from '../../server/directory/ldap.js';
import { normalizeDn } from '../../server/directory/ldap-escape.js';
import { DirectoryUnavailableError, type NewDirectoryAccount } from '../../server/directory/port.js';
import { freePort } from '../harness/ports.js';
import { groupDn, userDn } from '../harness/slapd-seed.js';
import { startSlapd, withLdapAdmin } from '../harness/slapd.js';
import { REFUSED, addLdapGroup, ldapConfig, uniqueName } from './fixtures.js';

const slapd = inject('slapd');

describe.skipIf(!slapd)('OpenLDAP account lifecycle beyond the contract', () => {
  const server = slapd!;
  const directory = createLdapDirectory(ldapConfig(server));
  afterAll(async () => {
    await directory.close();
  });

  function hire(overrides: Partial<NewDirectoryAccount> = {}): NewDirectoryAccount {
    const username = uniqueName('ldaphire');
    return {
      username,
      givenName: 'Lena',
      familyName: 'Hire',
      displayName: 'Lena Hire',
      email: `${username}@example.com`,
      department: 'People',
      title: 'Recruiter',
      manager: 'ruth',
      employeeNumber: 'E900',
      ...overrides,
    };
  }

  async function read(dn: string, attributes = ['*', '+']) {
    return withLdapAdmin(server, async (client) => {
      try {
        return (await client.search(dn, { scope: 'base', attributes })).searchEntries[0] ?? null;
      } catch {
        return null;
      }
    });
  }

  it('writes an inetOrgPerson at uid=<escaped username> under the user base, locked with ppolicy’s permanent value', async () => {
    const account = hire({ username: `${uniqueName('x')} ,+"\\<>;#= 李` });
    expect(await directory.createUser(account, { enabled: false })).toStrictEqual({ ok: true });
    const dn = userDn(account.username, server.userBase);
    // The escaping the port used: every special character backslash-escaped.
    expect(dn).toContain('\\,\\+\\"\\\\\\<\\>\\;#\\=');
    const entry = await read(dn);
    expect(entry).not.toBeNull();
    expect(entry).toMatchObject({
      objectClass: expect.arrayContaining(['inetOrgPerson']),
      uid: account.username,
      cn: 'Lena Hire',
      displayName: 'Lena Hire',
      givenName: 'Lena',
      sn: 'Hire',
      mail: account.email,
      ou: 'People',
      title: 'Recruiter',
      employeeNumber: 'E900',
      pwdAccountLockedTime: '000001010000Z',
    });
    expect(normalizeDn(String(entry!.manager))).toBe(normalizeDn(userDn('ruth', server.userBase)));
    // No password at all: nobody can bind until the person sets one.
    expect(entry!.userPassword).toBeUndefined();
    expect(await directory.deleteUser(account.username)).toStrictEqual({ ok: true });
    expect(await read(dn)).toBeNull();
  });

  it('property: any storable username becomes an escaped DN naming exactly that person, through create, group, find and delete', async () => {
    const team = uniqueName('prop');
    await addLdapGroup(server, team);
    // Usernames from DN specials, spaces, CJK and emoji; a random tail keeps runs apart.
    const piece = fc.constantFrom(
      ',',
      '+',
      '"',
      '\\',
      '<',
      '>',
      ';',
      '#',
      '=',
      ' ',
      '*',
      '(',
      ')',
      'a',
      'Z',
      '9',
      '-',
      '李',
      '張',
      '😀',
      'é',
    );
    const usernames = fc
      .array(piece, { minLength: 1, maxLength: 12 })
      .map((parts) => `${parts.join('')}${randomBytes(3).toString('hex')}`)
      .filter((name) => name === name.trim());
    await fc.assert(
      fc.asyncProperty(usernames, async (username) => {
        expect(await directory.createUser(hire({ username, manager: null }), { enabled: false })).toStrictEqual({ ok: true });
        const entry = await read(userDn(username, server.userBase), ['uid']);
        expect(entry?.uid).toBe(username);
        expect(await directory.addToGroup(username, team)).toStrictEqual({ ok: true });
        expect(await directory.findUser(username)).toMatchObject({ username, groups: [team], disabled: true });
        expect(await directory.deleteUser(username)).toStrictEqual({ ok: true });
        expect(await directory.findUser(username)).toBeNull();
      }),
      { numRuns: 40 },
    );
    expect((await directory.listGroups()).find((g) => g.name === team)).toStrictEqual({ name: team, members: [] });
    expect(await directory.findUser('alice')).toMatchObject({ disabled: false, groups: ['staff'] });
  });

  it('enabling removes only the permanent lock; a lockout by failed sign-ins stays for unlock, and disabling outranks it', async () => {
    const account = hire();
    expect(await directory.createUser(account, { enabled: true })).toStrictEqual({ ok: true });
    const password = `Activate-${randomBytes(6).toString('hex')}`;
    expect(await directory.setPassword(account.username, password, { kind: 'reset' })).toStrictEqual({ ok: true });
    // Three wrong passwords lock the account (the test policy's pwdMaxFailure).
    for (let i = 0; i < 3; i++) expect(await directory.authenticate(account.username, 'wrong-password')).toStrictEqual(REFUSED);
    expect(await directory.findUser(account.username)).toMatchObject({ locked: true, disabled: false });
    // Enabling an account that is not disabled does not lift the lockout.
    expect(await directory.setEnabled(account.username, true)).toStrictEqual({ ok: true });
    expect(await directory.findUser(account.username)).toMatchObject({ locked: true, disabled: false });
    // Disabling replaces the lockout with the permanent lock; enabling then leaves neither.
    expect(await directory.setEnabled(account.username, false)).toStrictEqual({ ok: true });
    expect(await directory.findUser(account.username)).toMatchObject({ locked: false, disabled: true });
    expect(await directory.authenticate(account.username, password)).toStrictEqual(REFUSED);
    // Unlock (a help desk action) does not enable a disabled account.
    await directory.unlock(account.username);
    expect(await directory.findUser(account.username)).toMatchObject({ disabled: true });
    expect(await directory.setEnabled(account.username, true)).toStrictEqual({ ok: true });
    expect(await directory.findUser(account.username)).toMatchObject({ locked: false, disabled: false });
    expect(await directory.authenticate(account.username, password)).toMatchObject({ ok: true });
  });

  it('manages groupOfUniqueNames through uniqueMember, and a groupOfNames keeps its own DN when the last person leaves', async () => {
    const account = hire();
    expect(await directory.createUser(account, { enabled: false })).toStrictEqual({ ok: true });
    const dn = userDn(account.username, server.userBase);
    const unique = uniqueName('unique');
    const uniqueDn = await addLdapGroup(server, unique, { objectClass: 'groupOfUniqueNames' });
    const names = uniqueName('names');
    const namesDn = await addLdapGroup(server, names);

    expect(await directory.addToGroup(account.username, unique)).toStrictEqual({ ok: true });
    expect(await directory.addToGroup(account.username, names)).toStrictEqual({ ok: true });
    const uniqueEntry = await read(uniqueDn, ['uniqueMember', 'member']);
    expect([uniqueEntry!.uniqueMember].flat().map((v) => normalizeDn(String(v)))).toEqual([normalizeDn(dn)]);
    expect([uniqueEntry!.member ?? []].flat()).toEqual([]);
    // The placeholder went when a person came.
    expect(normalizeDn(String((await read(namesDn, ['member']))!.member))).toBe(normalizeDn(dn));
    expect((await directory.findUser(account.username))?.groups).toEqual([names, unique].sort((a, b) => a.localeCompare(b)));

    expect(await directory.removeFromGroup(account.username, names)).toStrictEqual({ ok: true });
    expect(await directory.removeFromGroup(account.username, unique)).toStrictEqual({ ok: true });
    expect(normalizeDn(String((await read(namesDn, ['member']))!.member))).toBe(normalizeDn(namesDn));
    expect((await directory.findUser(account.username))?.groups).toEqual([]);
    const listed = await directory.listGroups();
    expect(listed.find((g) => g.name === names)).toStrictEqual({ name: names, members: [] });
    expect(listed.find((g) => g.name === unique)).toStrictEqual({ name: unique, members: [] });
  });

  it('renames a person whose entry is named by cn without touching the RDN', async () => {
    const username = uniqueName('cnrdn');
    const dn = `cn=Old Name ${username},${server.userBase}`;
    await withLdapAdmin(server, (client) =>
      client.add(dn, { objectClass: 'inetOrgPerson', uid: username, cn: `Old Name ${username}`, sn: 'Name', displayName: 'Old Name' }),
    );
    expect(await directory.updateUser(username, { displayName: 'New Name', familyName: 'Renamed' })).toStrictEqual({ ok: true });
    expect(await read(dn, ['cn', 'displayName', 'sn'])).toMatchObject({
      cn: `Old Name ${username}`,
      displayName: 'New Name',
      sn: 'Renamed',
    });
    expect(await directory.deleteUser(username)).toStrictEqual({ ok: true });
  });

  it('addresses groups directly under the group base only, like role mapping does', async () => {
    const account = hire();
    expect(await directory.createUser(account, { enabled: false })).toStrictEqual({ ok: true });
    // A same-named group somewhere else (here: under the user base) is not the group.
    const name = uniqueName('elsewhere');
    await addLdapGroup(server, name, { groupBase: server.userBase });
    expect(await directory.addToGroup(account.username, name)).toStrictEqual({ ok: false, reason: 'no_such_group' });
    expect(await read(groupDn(name, server.groupBase))).toBeNull();
  });

  it('gives the service account no right to create groups or to write outside the user base', async () => {
    const client = new Client({ url: server.url });
    try {
      await client.bind(server.serviceDn, server.servicePassword);
      await expect(
        client.add(groupDn(uniqueName('rogue'), server.groupBase), { objectClass: 'groupOfNames', cn: 'rogue', member: server.serviceDn }),
      ).rejects.toMatchObject({ code: 50 });
      await expect(
        client.add(`uid=${uniqueName('rogue')},${server.suffix}`, { objectClass: 'inetOrgPerson', uid: 'rogue', cn: 'r', sn: 'r' }),
      ).rejects.toMatchObject({ code: 50 });
    } finally {
      await client.unbind();
    }
  });

  it('reports an unreachable directory as unavailable for every lifecycle write, so the job queue retries', async () => {
    const down = createLdapDirectory(ldapConfig(server, { url: `ldap://127.0.0.1:${await freePort()}`, timeoutMs: 500 }));
    await expect(down.createUser(hire(), { enabled: false })).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(down.setEnabled('alice', false)).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(down.updateUser('alice', { title: 'x' })).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(down.deleteUser('alice')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(down.addToGroup('alice', 'staff')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(down.removeFromGroup('alice', 'staff')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(down.listGroups()).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(down.listUsers({ offset: 0, limit: 5 })).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });

  it('refuses a value the schema cannot hold (mail is ASCII) as bad input, not as an outage, writing nothing', async () => {
    const account = hire({ email: '李@example.com' });
    await expect(directory.createUser(account, { enabled: false })).rejects.toBeInstanceOf(TypeError);
    expect(await directory.findUser(account.username)).toBeNull();
  });
});

describe.skipIf(!slapd)("OpenLDAP listing beyond slapd's default size limit (500 entries a search)", () => {
  it("lists every person and group with paged searches, given the service account's size.prtotal limit", async () => {
    // A slapd of its own: 600 extra people would slow every other suite's searches.
    const server = await startSlapd();
    const directory = createLdapDirectory(ldapConfig(server));
    try {
      await withLdapAdmin(server, async (client) => {
        for (let i = 0; i < 600; i++) {
          const uid = `bulk-${String(i).padStart(3, '0')}`;
          await client.add(`uid=${uid},${server.userBase}`, { objectClass: 'inetOrgPerson', uid, cn: uid, sn: 'Bulk' });
        }
      });
      const page = await directory.listUsers({ offset: 598, limit: 10 });
      // adam, alice and bob, the 600 bulk people, then hana, mark and ruth.
      expect(page.total).toBe(606);
      expect(page.users.map((u) => u.username)).toEqual([
        'bulk-595',
        'bulk-596',
        'bulk-597',
        'bulk-598',
        'bulk-599',
        'hana',
        'mark',
        'ruth',
      ]);
      expect((await directory.listGroups()).map((g) => g.name)).toEqual(expect.arrayContaining(['staff', 'portal-admins']));
    } finally {
      await directory.close();
      await server.stop();
    }
  }, 60_000);
});

/**
 * One contract for every directory implementation: the built-in directory and LDAP (OpenLDAP
 * with ppolicy, on a real slapd) must tell the same story about the demo company, refuse the
 * same sign-ins the same way, and lock and unlock the same way. Features only ever see the
 * `Directory` interface, so whatever passes here is interchangeable for them.
 *
 * Password writes have their own contract (directory-passwords.test.ts); LDAP-only behaviour is
 * in ldap-only.test.ts and ldap-tls-ad.test.ts.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_PEOPLE, demoEmail } from '../../server/demo/company.js';
import type { Directory } from '../../server/directory/port.js';
import { availableDialects } from '../harness/db.js';
import {
  REFUSED,
  builtinFixture,
  builtinLifecycleFixture,
  openLdapFixture,
  openLdapLifecycleFixture,
  throwawayPerson,
  uniqueName,
  type DirectoryFixture,
} from './fixtures.js';
import { lifecycleContract } from './lifecycle-contract.js';

function directoryContract(name: string, makeDirectory: () => Promise<DirectoryFixture>): void {
  describe(`directory contract: ${name}`, () => {
    let fixture: DirectoryFixture;
    let directory: Directory;

    beforeAll(async () => {
      fixture = await makeDirectory();
      directory = fixture.directory;
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it('answers a ping', async () => {
      await expect(directory.ping()).resolves.toBeUndefined();
    });

    it('signs every demo person in with the demo password and returns them as the directory knows them', async () => {
      for (const person of DEMO_PEOPLE) {
        const result = await directory.authenticate(person.username, DEMO_PASSWORD);
        expect(result, person.username).toStrictEqual({
          ok: true,
          user: {
            username: person.username,
            displayName: person.displayName,
            givenName: person.givenName,
            familyName: person.familyName,
            email: demoEmail(person.username),
            department: person.department,
            title: person.title,
            manager: person.manager,
            employeeNumber: person.employeeNumber,
            groups: [...person.groups].sort(),
            groupDns: fixture.groupDnsOf(person.groups),
            disabled: false,
            // The sign-in just succeeded.
            locked: false,
          },
        });
      }
    });

    it('refuses unknown users, empty passwords and filter injection with one identical answer', async () => {
      // None of these may reach a bind as a real person: no failure is counted against anyone.
      const attempts: Array<[unknown, unknown]> = [
        ['nobody-by-this-name', DEMO_PASSWORD],
        ['alice', ''],
        ['', DEMO_PASSWORD],
        ['', ''],
        ['*', DEMO_PASSWORD],
        ['*', '*'],
        ['alice)(uid=*', DEMO_PASSWORD],
        ['*)(|(uid=*', DEMO_PASSWORD],
        ['ali*', DEMO_PASSWORD],
        // Callers are typed, but a JSON body is not: anything but a string is refused too.
        ['alice', undefined],
        ['alice', null],
        ['alice', [DEMO_PASSWORD]],
        ['alice', { toString: () => DEMO_PASSWORD }],
        [undefined, DEMO_PASSWORD],
        [['alice'], DEMO_PASSWORD],
      ];
      for (const [username, password] of attempts) {
        const result = await directory.authenticate(username as string, password as string);
        expect(result, `${JSON.stringify(username)} / ${JSON.stringify(password)}`).toStrictEqual(REFUSED);
      }
    });

    it('refuses a wrong password, and a password that looks like a filter, exactly like an unknown user', async () => {
      const person = await throwawayPerson(fixture);
      const unknown = await directory.authenticate(uniqueName('nobody'), person.password);
      expect(unknown).toStrictEqual(REFUSED);
      expect(await directory.authenticate(person.username, `${person.password}-wrong`)).toStrictEqual(unknown);
      expect(await directory.authenticate(person.username, '*')).toStrictEqual(unknown);
      // Still below the lockout threshold: the right password works and clears the count.
      expect(await directory.authenticate(person.username, person.password)).toMatchObject({ ok: true });
    });

    it('treats a NUL character in any input as a value that matches nobody, not as an error', async () => {
      // NUL ends a C string and PostgreSQL text refuses it; LDAP needs it escaped as \00.
      expect(await directory.authenticate('alice\0', DEMO_PASSWORD)).toStrictEqual(REFUSED);
      expect(await directory.authenticate('alice', `${DEMO_PASSWORD}\0`)).toStrictEqual(REFUSED);
      expect(await directory.findUser('alice\0')).toBeNull();
      expect(await directory.findUserByEmail('alice@example.com\0')).toBeNull();
      expect(await directory.searchUsers('ali\0', 10)).toEqual([]);
      expect(await directory.listReports('mark\0')).toEqual([]);
      expect(await directory.lockStatus('alice\0')).toStrictEqual({ locked: false, lockedAt: null });
      await expect(directory.unlock('alice\0')).resolves.toBeUndefined();
    });

    it('looks people up by username, with display name, mail, department, title, manager and groups', async () => {
      expect(await directory.findUser('alice')).toStrictEqual({
        username: 'alice',
        displayName: 'Alice Anderson',
        givenName: 'Alice',
        familyName: 'Anderson',
        email: 'alice@example.com',
        department: 'Engineering',
        title: 'Software Engineer',
        manager: 'mark',
        employeeNumber: 'E1003',
        groups: ['staff'],
        groupDns: fixture.groupDnsOf(['staff']),
        disabled: false,
        locked: false,
      });
      expect(await directory.findUser('adam')).toMatchObject({ manager: null, groups: ['portal-admins', 'staff'] });
      expect(await directory.findUser('nobody-by-this-name')).toBeNull();
      expect(await directory.findUser('*')).toBeNull();
      expect(await directory.findUser('ali*')).toBeNull();
      expect(await directory.findUser('')).toBeNull();
    });

    it('looks people up briefly (no groups, no manager) for the anonymous reset path', async () => {
      const brief = {
        username: 'alice',
        displayName: 'Alice Anderson',
        givenName: 'Alice',
        familyName: 'Anderson',
        email: 'alice@example.com',
        department: 'Engineering',
        title: 'Software Engineer',
        manager: null,
        employeeNumber: 'E1003',
        groups: [],
        groupDns: [],
        disabled: false,
        locked: false,
      };
      expect(await directory.findUser('alice', { brief: true })).toStrictEqual(brief);
      expect(await directory.findUserByEmail('ALICE@example.com', { brief: true })).toStrictEqual(brief);
      expect(await directory.findUser('nobody-by-this-name', { brief: true })).toBeNull();
    });

    it('finds a person by work mail, ignoring case, and only when exactly one person has it', async () => {
      expect(await directory.findUserByEmail('ruth@example.com')).toMatchObject({ username: 'ruth', displayName: 'Ruth Rivera' });
      expect(await directory.findUserByEmail('RUTH@Example.COM')).toMatchObject({ username: 'ruth' });
      expect(await directory.findUserByEmail('nobody@example.com')).toBeNull();
      expect(await directory.findUserByEmail('*')).toBeNull();
      expect(await directory.findUserByEmail('*@example.com')).toBeNull();

      const shared = `${uniqueName('shared')}@example.com`;
      await throwawayPerson(fixture, { email: shared });
      expect(await directory.findUserByEmail(shared)).toMatchObject({ email: shared });
      await throwawayPerson(fixture, { email: shared });
      expect(await directory.findUserByEmail(shared)).toBeNull();
    });

    it("lists a manager's reports", async () => {
      const marksReports = await directory.listReports('mark');
      expect(marksReports).toEqual(expect.arrayContaining(['alice', 'bob']));
      expect(marksReports).not.toContain('mark');
      expect(marksReports).not.toContain('hana');
      expect(await directory.listReports('adam')).toEqual(expect.arrayContaining(['mark', 'hana', 'ruth']));
      expect(await directory.listReports('alice')).toEqual([]);
      expect(await directory.listReports('nobody-by-this-name')).toEqual([]);
      expect(await directory.listReports('*')).toEqual([]);
    });

    it('searches usernames, display names and mail case-insensitively, within the limit', async () => {
      // Only demo people count: other suites may add their own people to a shared directory.
      const demoUsernames = new Set(DEMO_PEOPLE.map((p) => p.username));
      const usernames = async (query: string, limit = 50) =>
        (await directory.searchUsers(query, limit)).map((u) => u.username).filter((u) => demoUsernames.has(u));
      expect(await usernames('ali')).toContain('alice');
      expect(await usernames('ALI')).toContain('alice');
      expect(await usernames('rivera')).toEqual(['ruth']);
      expect(await usernames('bob@exa')).toEqual(['bob']);
      expect(await usernames('manager')).toEqual(['mark']);
      // A literal asterisk, not a wildcard: nobody's name contains one.
      expect(await usernames('*')).toEqual([]);
      expect(await usernames(')(uid=*')).toEqual([]);
      expect((await directory.searchUsers('a', 2)).length).toBeLessThanOrEqual(2);
      expect(await directory.searchUsers('ali', 0)).toEqual([]);

      const [alice] = await directory.searchUsers('alice@example.com', 5);
      expect(alice).toStrictEqual(await directory.findUser('alice'));
    });

    it('locks an account after the threshold of wrong passwords, then unlock lets the right password in again', async () => {
      const person = await throwawayPerson(fixture);
      expect(await directory.lockStatus(person.username)).toStrictEqual({ locked: false, lockedAt: null });

      // One short of the threshold, then a success: the count starts again from zero.
      for (let i = 1; i < fixture.lockoutThreshold; i++)
        expect(await directory.authenticate(person.username, 'wrong-password')).toStrictEqual(REFUSED);
      expect(await directory.authenticate(person.username, person.password)).toMatchObject({ ok: true });
      expect((await directory.lockStatus(person.username)).locked).toBe(false);

      const before = Date.now();
      for (let i = 0; i < fixture.lockoutThreshold; i++)
        expect(await directory.authenticate(person.username, 'wrong-password')).toStrictEqual(REFUSED);
      const status = await directory.lockStatus(person.username);
      expect(status.locked).toBe(true);
      expect(status.lockedAt).toBeInstanceOf(Date);
      // LDAP records whole seconds.
      expect(status.lockedAt!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      expect(status.lockedAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);

      expect(await directory.authenticate(person.username, person.password)).toStrictEqual(REFUSED);
      // What a session's recheck reads: locked out, yet not disabled.
      expect(await directory.findUser(person.username)).toMatchObject({ locked: true, disabled: false });

      await directory.unlock(person.username);
      expect(await directory.lockStatus(person.username)).toStrictEqual({ locked: false, lockedAt: null });
      expect(await directory.findUser(person.username)).toMatchObject({ locked: false });
      expect(await directory.authenticate(person.username, person.password)).toMatchObject({
        ok: true,
        user: { username: person.username },
      });
      // Unlocking an account that is not locked is harmless.
      await expect(directory.unlock(person.username)).resolves.toBeUndefined();
    });

    it('reports an account an administrator disabled as disabled, not as locked out', async () => {
      const person = await throwawayPerson(fixture);
      expect(await directory.findUser(person.username)).toMatchObject({ disabled: false, locked: false });
      await fixture.disable(person.username);
      expect(await directory.findUser(person.username)).toMatchObject({ disabled: true, locked: false });
    });

    it('reports an unknown account as not locked and ignores unlocking it', async () => {
      expect(await directory.lockStatus('nobody-by-this-name')).toStrictEqual({ locked: false, lockedAt: null });
      await expect(directory.unlock('nobody-by-this-name')).resolves.toBeUndefined();
    });
  });
}

for (const dialect of availableDialects()) directoryContract(`built-in (${dialect})`, () => builtinFixture(dialect));

const slapd = inject('slapd');
if (slapd) directoryContract('LDAP (OpenLDAP with ppolicy)', () => openLdapFixture(slapd));

// Account lifecycle (onboarding, offboarding, SCIM): the same contract on every directory.
for (const dialect of availableDialects()) lifecycleContract(`built-in (${dialect})`, () => builtinLifecycleFixture(dialect));
if (slapd) lifecycleContract('LDAP (OpenLDAP with ppolicy)', () => openLdapLifecycleFixture(slapd));

/**
 * The account lifecycle contract (create, enable/disable, update, delete, groups, listing) that
 * every directory must keep: the built-in directory on each dialect, OpenLDAP on slapd, and the
 * Active Directory flavour on the AD-shaped slapd. Only throwaway people and groups are written;
 * demo people are read (as managers) and never changed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Directory, DirectoryWriteResult, NewDirectoryAccount } from '../../server/directory/port.js';
import { REFUSED, uniqueName } from './fixtures.js';

export interface LifecycleFixture {
  directory: Directory;
  /** Makes a group exist with no people in it (LDAP: as the administrator; built-in: nothing to do). */
  addGroup(name: string): Promise<void>;
  /**
   * What the real directory does by itself after an add that its emulation here cannot (AD fills
   * objectCategory). Nothing for the built-in directory and OpenLDAP.
   */
  afterCreate?(username: string): Promise<void>;
  /**
   * Proves a reset wrote this password, for directories whose stand-in cannot bind with what
   * the portal wrote (the AD-shaped slapd binds on userPassword; AD itself on unicodePwd).
   */
  afterPasswordReset?(username: string, password: string): Promise<void>;
  /** Whether group names are looked up under the group base (LDAP) or free (built-in). */
  groupsMustExist: boolean;
  close(): Promise<void>;
}

const OK: DirectoryWriteResult = { ok: true };

function account(overrides: Partial<NewDirectoryAccount> = {}): NewDirectoryAccount {
  const username = overrides.username ?? uniqueName('hire');
  return {
    username,
    givenName: 'Nora',
    familyName: 'Newhire',
    displayName: 'Nora Newhire',
    email: `${username}@example.com`,
    department: 'Engineering',
    title: 'Engineer',
    manager: 'mark',
    employeeNumber: `E${randomBytes(3).readUIntBE(0, 3)}`,
    ...overrides,
  };
}

export function lifecycleContract(name: string, makeFixture: () => Promise<LifecycleFixture>): void {
  describe(`directory lifecycle: ${name}`, () => {
    let fixture: LifecycleFixture;
    let directory: Directory;
    const password = () => `Activate-${randomBytes(6).toString('hex')}`;

    async function create(newAccount: NewDirectoryAccount, enabled = false): Promise<DirectoryWriteResult> {
      const result = await directory.createUser(newAccount, { enabled });
      if (result.ok) await fixture.afterCreate?.(newAccount.username);
      return result;
    }

    async function reset(username: string, newPassword: string) {
      const result = await directory.setPassword(username, newPassword, { kind: 'reset' });
      if (result.ok) await fixture.afterPasswordReset?.(username, newPassword);
      return result;
    }

    /** A group that exists (on LDAP), with a throwaway name. */
    async function newGroup(prefix = 'team'): Promise<string> {
      const group = uniqueName(prefix);
      await fixture.addGroup(group);
      return group;
    }

    beforeAll(async () => {
      fixture = await makeFixture();
      directory = fixture.directory;
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it('creates an account disabled: findUser says disabled, no password works, a reset is refused until it is enabled', async () => {
      const hire = account();
      expect(await create(hire)).toStrictEqual(OK);
      expect(await directory.findUser(hire.username)).toStrictEqual({
        username: hire.username,
        displayName: hire.displayName,
        givenName: hire.givenName,
        familyName: hire.familyName,
        email: hire.email,
        department: hire.department,
        title: hire.title,
        manager: 'mark',
        employeeNumber: hire.employeeNumber,
        groups: [],
        groupDns: [],
        disabled: true,
        locked: false,
      });
      expect(await directory.authenticate(hire.username, 'any-password-at-all')).toStrictEqual(REFUSED);
      // A disabled account cannot be given a password (the activation enables it first).
      expect(await directory.setPassword(hire.username, password(), { kind: 'reset' })).toMatchObject({ ok: false });
      expect(await directory.listReports('mark')).toContain(hire.username);

      expect(await directory.setEnabled(hire.username, true)).toStrictEqual(OK);
      expect(await directory.findUser(hire.username)).toMatchObject({ disabled: false, locked: false });
      // Still no password anyone knows.
      expect(await directory.authenticate(hire.username, 'any-password-at-all')).toStrictEqual(REFUSED);
      const chosen = password();
      expect(await reset(hire.username, chosen)).toStrictEqual({ ok: true });
      expect(await directory.authenticate(hire.username, chosen)).toMatchObject({
        ok: true,
        user: { username: hire.username, disabled: false },
      });

      // Disable again (offboarding): the right password no longer works; idempotent both ways.
      expect(await directory.setEnabled(hire.username, false)).toStrictEqual(OK);
      expect(await directory.setEnabled(hire.username, false)).toStrictEqual(OK);
      expect(await directory.findUser(hire.username)).toMatchObject({ disabled: true, locked: false });
      expect(await directory.authenticate(hire.username, chosen)).toStrictEqual(REFUSED);
      expect(await directory.setEnabled(hire.username, true)).toStrictEqual(OK);
      expect(await directory.setEnabled(hire.username, true)).toStrictEqual(OK);
      expect(await directory.authenticate(hire.username, chosen)).toMatchObject({ ok: true });
    });

    it('creates an account enabled when asked, without optional fields', async () => {
      const hire = account({ department: null, title: null, manager: null, employeeNumber: null });
      expect(await create(hire, true)).toStrictEqual(OK);
      expect(await directory.findUser(hire.username)).toMatchObject({
        username: hire.username,
        department: null,
        title: null,
        manager: null,
        employeeNumber: null,
        disabled: false,
      });
    });

    it('refuses a taken username, in any case, and a manager who does not exist, writing nothing', async () => {
      const hire = account();
      expect(await create(hire)).toStrictEqual(OK);
      expect(await directory.createUser({ ...account(), username: hire.username }, { enabled: true })).toStrictEqual({
        ok: false,
        reason: 'username_taken',
      });
      expect(await directory.createUser({ ...account(), username: hire.username.toUpperCase() }, { enabled: true })).toStrictEqual({
        ok: false,
        reason: 'username_taken',
      });
      // A demo person's name is taken too, and the demo person is untouched.
      expect(await directory.createUser(account({ username: 'alice', displayName: 'Impostor' }), { enabled: true })).toStrictEqual({
        ok: false,
        reason: 'username_taken',
      });
      expect(await directory.findUser('alice')).toMatchObject({ displayName: 'Alice Anderson', disabled: false });
      expect(await directory.findUser(hire.username)).toMatchObject({ displayName: hire.displayName, disabled: true });

      const orphan = account({ manager: uniqueName('nobody') });
      expect(await directory.createUser(orphan, { enabled: false })).toStrictEqual({ ok: false, reason: 'no_such_manager' });
      expect(await directory.findUser(orphan.username)).toBeNull();
      // A manager name that is a filter matches nobody.
      expect(await directory.createUser(account({ manager: '*' }), { enabled: false })).toStrictEqual({
        ok: false,
        reason: 'no_such_manager',
      });
    });

    it('lets exactly one of two simultaneous creations of a username through', async () => {
      const first = account();
      const second = { ...account(), username: first.username, displayName: 'Other Person' };
      const results = await Promise.all([
        directory.createUser(first, { enabled: false }),
        directory.createUser(second, { enabled: false }),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toStrictEqual([{ ok: false, reason: 'username_taken' }]);
      await fixture.afterCreate?.(first.username);
      const winner = results[0]!.ok ? first : second;
      expect(await directory.findUser(first.username)).toMatchObject({ displayName: winner.displayName });
    });

    it('refuses values no directory can store before writing anything', async () => {
      const bad: Array<Partial<NewDirectoryAccount>> = [
        { username: '' },
        { username: ' padded ' },
        { username: `nul\0${uniqueName('x')}` },
        { givenName: '' },
        { familyName: '   ' },
        { displayName: 'line\nbreak' },
        { username: 'x'.repeat(300) },
      ];
      for (const overrides of bad) {
        const hire = account(overrides);
        await expect(directory.createUser(hire, { enabled: false }), JSON.stringify(overrides)).rejects.toBeInstanceOf(TypeError);
      }
      await expect(directory.setEnabled('', true)).rejects.toBeInstanceOf(TypeError);
      await expect(directory.addToGroup('alice', 'staff\0')).rejects.toBeInstanceOf(TypeError);
    });

    it('answers not_found for people who do not exist, and changes nobody', async () => {
      const nobody = uniqueName('nobody');
      const notFound = { ok: false, reason: 'not_found' };
      expect(await directory.setEnabled(nobody, true)).toStrictEqual(notFound);
      expect(await directory.setEnabled(nobody, false)).toStrictEqual(notFound);
      expect(await directory.updateUser(nobody, { title: 'Boss' })).toStrictEqual(notFound);
      expect(await directory.deleteUser(nobody)).toStrictEqual(notFound);
      expect(await directory.addToGroup(nobody, 'staff')).toStrictEqual(notFound);
      expect(await directory.removeFromGroup(nobody, 'staff')).toStrictEqual(notFound);
      // Filter characters name nobody; they do not select everybody.
      expect(await directory.setEnabled('*', false)).toStrictEqual(notFound);
      expect(await directory.deleteUser('ali*')).toStrictEqual(notFound);
      expect(await directory.updateUser('alice)(uid=*', { title: 'x' })).toStrictEqual(notFound);
      expect(await directory.findUser('alice')).toMatchObject({ title: 'Software Engineer', disabled: false });
    });

    it('adds and removes group members idempotently, and the person and the group list show it', async () => {
      const hire = account();
      expect(await create(hire)).toStrictEqual(OK);
      const team = await newGroup('team');
      const other = await newGroup('other');

      expect(await directory.addToGroup(hire.username, team)).toStrictEqual(OK);
      expect(await directory.addToGroup(hire.username, team)).toStrictEqual(OK);
      expect(await directory.addToGroup(hire.username, other)).toStrictEqual(OK);
      expect(await directory.addToGroup(hire.username, 'staff')).toStrictEqual(OK);
      expect((await directory.findUser(hire.username))?.groups).toEqual([other, 'staff', team].sort((a, b) => a.localeCompare(b)));
      const groups = await directory.listGroups();
      expect(groups.find((g) => g.name === team)).toStrictEqual({ name: team, members: [hire.username] });
      expect(groups.find((g) => g.name === 'staff')?.members).toEqual(expect.arrayContaining(['alice', 'bob', hire.username]));
      expect(groups.find((g) => g.name === 'portal-admins')?.members).toEqual(['adam']);

      expect(await directory.removeFromGroup(hire.username, team)).toStrictEqual(OK);
      expect(await directory.removeFromGroup(hire.username, team)).toStrictEqual(OK);
      expect(await directory.removeFromGroup(hire.username, 'staff')).toStrictEqual(OK);
      expect((await directory.findUser(hire.username))?.groups).toEqual([other]);
      // The group is still there (on LDAP), empty of people; adding someone again works.
      const after = await directory.listGroups();
      if (fixture.groupsMustExist) expect(after.find((g) => g.name === team)).toStrictEqual({ name: team, members: [] });
      expect(after.find((g) => g.name === 'staff')?.members).not.toContain(hire.username);
      expect(after.find((g) => g.name === 'staff')?.members).toEqual(expect.arrayContaining(['alice', 'bob']));
      expect(await directory.addToGroup(hire.username, team)).toStrictEqual(OK);
      expect((await directory.listGroups()).find((g) => g.name === team)).toStrictEqual({ name: team, members: [hire.username] });
      // Removing from a group that does not exist leaves the person out of it, as asked.
      expect(await directory.removeFromGroup(hire.username, uniqueName('ghost'))).toStrictEqual(OK);
    });

    it('refuses a group that does not exist where groups are entries (LDAP)', async () => {
      const hire = account();
      expect(await create(hire)).toStrictEqual(OK);
      const ghost = uniqueName('ghost');
      const result = await directory.addToGroup(hire.username, ghost);
      if (fixture.groupsMustExist) {
        expect(result).toStrictEqual({ ok: false, reason: 'no_such_group' });
        expect((await directory.findUser(hire.username))?.groups).toEqual([]);
        // A group name that is a DN or filter names no group either.
        expect(await directory.addToGroup(hire.username, 'staff,ou=groups')).toStrictEqual({ ok: false, reason: 'no_such_group' });
        expect(await directory.addToGroup(hire.username, '*')).toStrictEqual({ ok: false, reason: 'no_such_group' });
      } else {
        // The built-in directory's groups are flat names: the first member makes one.
        expect(result).toStrictEqual(OK);
        expect((await directory.findUser(hire.username))?.groups).toEqual([ghost]);
      }
    });

    it('updates manager, department and the other fields, clears optional ones, and refuses an unknown manager', async () => {
      const hire = account();
      expect(await create(hire)).toStrictEqual(OK);
      expect(await directory.updateUser(hire.username, { manager: 'adam', department: 'IT', title: 'Analyst' })).toStrictEqual(OK);
      expect(await directory.findUser(hire.username)).toMatchObject({ manager: 'adam', department: 'IT', title: 'Analyst' });
      expect(await directory.listReports('adam')).toContain(hire.username);
      expect(await directory.listReports('mark')).not.toContain(hire.username);

      expect(
        await directory.updateUser(hire.username, {
          givenName: 'Nia',
          familyName: 'Renamed',
          displayName: 'Nia Renamed',
          email: `renamed-${hire.email}`,
          employeeNumber: 'E42',
        }),
      ).toStrictEqual(OK);
      expect(await directory.findUser(hire.username)).toMatchObject({
        givenName: 'Nia',
        familyName: 'Renamed',
        displayName: 'Nia Renamed',
        email: `renamed-${hire.email}`,
        employeeNumber: 'E42',
        manager: 'adam',
        department: 'IT',
      });
      expect(await directory.findUserByEmail(`renamed-${hire.email}`)).toMatchObject({ username: hire.username });

      expect(
        await directory.updateUser(hire.username, { manager: null, department: null, title: null, employeeNumber: null }),
      ).toStrictEqual(OK);
      expect(await directory.findUser(hire.username)).toMatchObject({ manager: null, department: null, title: null, employeeNumber: null });

      expect(await directory.updateUser(hire.username, { manager: uniqueName('nobody'), title: 'Not written' })).toStrictEqual({
        ok: false,
        reason: 'no_such_manager',
      });
      // Nobody manages themselves.
      expect(await directory.updateUser(hire.username, { manager: hire.username })).toStrictEqual({ ok: false, reason: 'no_such_manager' });
      expect(await directory.findUser(hire.username)).toMatchObject({ manager: null, title: null });
      // An empty change changes nothing and is fine.
      expect(await directory.updateUser(hire.username, {})).toStrictEqual(OK);
      await expect(directory.updateUser(hire.username, { displayName: '' })).rejects.toBeInstanceOf(TypeError);
    });

    it('deletes an account with its group memberships; a report of it keeps no manager', async () => {
      const boss = account({ manager: null });
      const report = account();
      expect(await create(boss, true)).toStrictEqual(OK);
      expect(await create({ ...report, manager: boss.username })).toStrictEqual(OK);
      const team = await newGroup('team');
      expect(await directory.addToGroup(boss.username, team)).toStrictEqual(OK);
      expect(await directory.addToGroup(boss.username, 'staff')).toStrictEqual(OK);
      expect(await directory.addToGroup(report.username, team)).toStrictEqual(OK);

      expect(await directory.deleteUser(boss.username)).toStrictEqual(OK);
      expect(await directory.findUser(boss.username)).toBeNull();
      expect(await directory.authenticate(boss.username, 'whatever-password')).toStrictEqual(REFUSED);
      expect(await directory.deleteUser(boss.username)).toStrictEqual({ ok: false, reason: 'not_found' });
      const groups = await directory.listGroups();
      expect(groups.find((g) => g.name === team)?.members).toEqual([report.username]);
      expect(groups.find((g) => g.name === 'staff')?.members).not.toContain(boss.username);
      expect(groups.find((g) => g.name === 'staff')?.members).toEqual(expect.arrayContaining(['alice', 'bob']));
      expect(await directory.findUser(report.username)).toMatchObject({ manager: null, groups: [team] });

      // The name can be used again, by a new person with nothing of the old one's.
      expect(await create({ ...boss, displayName: 'Second Person' })).toStrictEqual(OK);
      expect(await directory.findUser(boss.username)).toMatchObject({ displayName: 'Second Person', groups: [], disabled: true });
    });

    it('round-trips hostile names: DN and filter characters, surrounding spaces, CJK', async () => {
      const suffix = uniqueName('h').slice(2);
      const hostile = [`a,b+c"d\\e<f>g;h#i=j-${suffix}`, `#lead-${suffix}`, `张伟-${suffix}`, `o'brien*(x)-${suffix}`];
      for (const username of hostile) {
        const hire = account({
          username,
          // Mail is IA5 (ASCII) in LDAP: a CJK username gets an ASCII address, as HR would give.
          email: `${uniqueName('mail')}@example.com`,
          givenName: ' 伟 ',
          familyName: 'Zhang, "Jr." <x> + ;#=\\',
          displayName: '  張偉 (Zhang, Wei) ',
          department: '#R&D, Asia + ; = "x"',
          title: '\\Lead\\ <Engineer>',
          employeeNumber: ' 00#7 ',
        });
        expect(await create(hire), username).toStrictEqual(OK);
        const found = await directory.findUser(username);
        expect(found, username).toMatchObject({
          username: expect.stringMatching(new RegExp(`^${username.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}$`, 'i')),
          givenName: hire.givenName,
          familyName: hire.familyName,
          displayName: hire.displayName,
          department: hire.department,
          title: hire.title,
          email: hire.email,
          employeeNumber: hire.employeeNumber,
          disabled: true,
        });
        expect(await directory.setEnabled(username, true)).toStrictEqual(OK);
        const chosen = password();
        expect(await reset(username, chosen), username).toStrictEqual({ ok: true });
        expect(await directory.authenticate(username, chosen), username).toMatchObject({ ok: true });
        const team = await newGroup('team');
        expect(await directory.addToGroup(username, team)).toStrictEqual(OK);
        expect((await directory.listGroups()).find((g) => g.name === team)?.members.map((m) => m.toLowerCase())).toEqual([
          username.toLowerCase(),
        ]);
        // The escaped DN names this person and no other: a demo person with a prefix of the name is untouched.
        expect(await directory.deleteUser(username)).toStrictEqual(OK);
        expect(await directory.findUser(username)).toBeNull();
        expect((await directory.listGroups()).find((g) => g.name === team)?.members ?? []).toEqual([]);
      }
      expect(await directory.findUser('alice')).toMatchObject({ disabled: false, groups: ['staff'] });
    });

    it('lists people a page at a time: pages join up without gaps or repeats, with the total', async () => {
      for (let i = 0; i < 3; i++) expect(await create(account())).toStrictEqual(OK);
      const everyone = await directory.listUsers({ offset: 0, limit: 1000 });
      expect(everyone.total).toBeGreaterThanOrEqual(9);
      expect(everyone.users).toHaveLength(Math.min(everyone.total, 1000));
      const usernames = everyone.users.map((u) => u.username);
      expect(new Set(usernames).size).toBe(usernames.length);
      expect(usernames).toEqual(expect.arrayContaining(['adam', 'alice', 'bob', 'hana', 'mark', 'ruth']));
      // Each person as findUser tells it.
      expect(everyone.users.find((u) => u.username === 'alice')).toStrictEqual(await directory.findUser('alice'));

      // Pages of 4 from the start: the same order as the whole list (others may add people meanwhile,
      // so compare the first pages, read back to back).
      const first = await directory.listUsers({ offset: 0, limit: 4 });
      const second = await directory.listUsers({ offset: 4, limit: 4 });
      expect(first.users).toHaveLength(4);
      expect(second.users).toHaveLength(4);
      const paged = [...first.users, ...second.users].map((u) => u.username);
      expect(new Set(paged).size).toBe(8);
      const whole = (await directory.listUsers({ offset: 0, limit: 8 })).users.map((u) => u.username);
      expect(paged).toEqual(whole);
      // By username ignoring case, in code point order (not a locale's, which skips hyphens).
      const key = (name: string) => name.toLowerCase();
      expect(whole).toEqual([...whole].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)));

      const past = await directory.listUsers({ offset: everyone.total + 10, limit: 5 });
      expect(past.users).toEqual([]);
      expect(past.total).toBeGreaterThanOrEqual(everyone.total);
      expect((await directory.listUsers({ offset: 0, limit: 0 })).users).toEqual([]);
      await expect(directory.listUsers({ offset: -1, limit: 5 })).rejects.toBeInstanceOf(RangeError);
      await expect(directory.listUsers({ offset: 0, limit: 1.5 })).rejects.toBeInstanceOf(RangeError);
    });
  });
}

/**
 * The account lifecycle for the Active Directory flavour. Active Directory cannot run here, so
 * the contract runs against an AD-shaped slapd (user objects with sAMAccountName and
 * userAccountControl, AD groups with `member`), reached over StartTLS as the service account. Two
 * things AD does by itself are done by the fixture after the portal's write, and said so:
 * AD fills `objectCategory` on a new user, and AD binds check the unicodePwd the portal wrote
 * (the stand-in binds on userPassword, so the fixture first checks the exact unicodePwd bytes
 * and then copies the password to userPassword). Everything else is the portal's own writes.
 */
import { Attribute, Change } from 'ldapts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { LdapConfig } from '../../server/config.js';
import { encodeUnicodePwd } from '../../server/directory/ad-password.js';
import { escapeDnValue } from '../../server/directory/ldap-escape.js';
import { createLdapDirectory } from '../../server/directory/ldap.js';
import type { Directory, NewDirectoryAccount } from '../../server/directory/port.js';
import { startFakeActiveDirectory, type FakeActiveDirectory } from '../harness/fake-ad.js';
import { startSlapd, withLdapAdmin, type SlapdHandle } from '../harness/slapd.js';
import { addLdapGroup, ldapConfig, uniqueName } from './fixtures.js';
import { lifecycleContract } from './lifecycle-contract.js';

const slapd = inject('slapd');

describe.skipIf(!slapd)('Active Directory flavour on an AD-shaped slapd', () => {
  let server: SlapdHandle;

  beforeAll(async () => {
    server = await startSlapd({ tls: true, activeDirectory: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const ad = () => server.activeDirectory!;
  const dnOf = (username: string) => `cn=${escapeDnValue(username)},${ad().userBase}`;
  const adDirectory = () =>
    createLdapDirectory(
      ldapConfig(server, { flavor: 'ad', userBase: ad().userBase, groupBase: ad().groupBase, startTls: true, caFile: server.caFile }),
    );

  /** What AD does by itself on an add: fill objectCategory from the class (the stand-in cannot). */
  async function fillObjectCategory(username: string) {
    await withLdapAdmin(server, (client) =>
      client.modify(
        dnOf(username),
        new Change({ operation: 'replace', modification: new Attribute({ type: 'objectCategory', values: ['person'] }) }),
      ),
    );
  }

  async function readEntry(dn: string, attributes: string[]) {
    return withLdapAdmin(server, async (client) => (await client.search(dn, { scope: 'base', attributes })).searchEntries[0]);
  }

  lifecycleContract('Active Directory flavour (AD-shaped slapd)', async () => {
    const directory = adDirectory();
    return {
      directory,
      groupsMustExist: true,
      addGroup: async (name) => {
        await addLdapGroup(server, name, { groupBase: ad().groupBase, objectClass: 'group' });
      },
      afterCreate: fillObjectCategory,
      afterPasswordReset: async (username, password) => {
        const entry = await readEntry(dnOf(username), ['unicodePwd']);
        expect(Buffer.from(entry!.unicodePwd as Buffer)).toEqual(encodeUnicodePwd(password));
        await withLdapAdmin(server, (client) =>
          client.modify(
            dnOf(username),
            new Change({ operation: 'replace', modification: new Attribute({ type: 'userPassword', values: [password] }) }),
          ),
        );
      },
      close: () => directory.close(),
    };
  });

  describe('what is written', () => {
    let directory: Directory;
    beforeAll(() => {
      directory = adDirectory();
    });
    afterAll(async () => {
      await directory?.close();
    });

    function hire(overrides: Partial<NewDirectoryAccount> = {}): NewDirectoryAccount {
      const username = uniqueName('adhire');
      return {
        username,
        givenName: 'Ada',
        familyName: 'Newhire',
        displayName: 'Ada Newhire',
        email: `${username}@example.com`,
        department: 'Engineering',
        title: 'Engineer',
        manager: 'mark',
        employeeNumber: 'E77',
        ...overrides,
      };
    }

    it('creates a user object named by the username, disabled with userAccountControl 514, and a password nobody knows', async () => {
      const account = hire({ username: `${uniqueName('ad')},+"<>;#=` });
      expect(await directory.createUser(account, { enabled: false })).toStrictEqual({ ok: true });
      const entry = await readEntry(dnOf(account.username), [
        'objectClass',
        'sAMAccountName',
        'userAccountControl',
        'displayName',
        'givenName',
        'sn',
        'mail',
        'department',
        'title',
        'manager',
        'employeeNumber',
        'unicodePwd',
      ]);
      expect(entry).toMatchObject({
        objectClass: expect.arrayContaining(['user']),
        sAMAccountName: account.username,
        userAccountControl: '514',
        displayName: 'Ada Newhire',
        givenName: 'Ada',
        sn: 'Newhire',
        mail: account.email,
        department: 'Engineering',
        title: 'Engineer',
        employeeNumber: 'E77',
      });
      // The manager as AD names it: the demo AD copy names people by display name.
      expect(String(entry!.manager).toLowerCase()).toBe(`cn=mark manager,${ad().userBase}`.toLowerCase());
      // A random password (AD refuses to enable an account without one), as UTF-16LE in quotes.
      const pwd = Buffer.from(entry!.unicodePwd as Buffer);
      expect(pwd.length).toBeGreaterThan(40);
      expect(pwd.subarray(0, 2)).toEqual(Buffer.from('"', 'utf16le'));
    });

    it('enables with 512 and disables with 514, keeping the other userAccountControl bits', async () => {
      const account = hire();
      expect(await directory.createUser(account, { enabled: true })).toStrictEqual({ ok: true });
      await fillObjectCategory(account.username);
      const uac = async () => (await readEntry(dnOf(account.username), ['userAccountControl']))!.userAccountControl;
      expect(await uac()).toBe('512');
      // DONT_EXPIRE_PASSWORD (0x10000) set by an administrator must survive.
      await withLdapAdmin(server, (client) =>
        client.modify(
          dnOf(account.username),
          new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: [String(0x10200)] }) }),
        ),
      );
      expect(await directory.setEnabled(account.username, false)).toStrictEqual({ ok: true });
      expect(await uac()).toBe(String(0x10202));
      expect(await directory.setEnabled(account.username, true)).toStrictEqual({ ok: true });
      expect(await uac()).toBe(String(0x10200));
    });
  });
});

describe('Active Directory lifecycle: refused input never reaches the wire (a fake AD that records every byte)', () => {
  let fake: FakeActiveDirectory;

  beforeEach(async () => {
    fake = await startFakeActiveDirectory({ answerBinds: true });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('sends not one byte for a username, name or group no directory can store', async () => {
    const config: LdapConfig = {
      url: fake.url,
      bindDn: 'CN=portal-service,OU=Service Accounts,DC=corp,DC=example',
      bindPassword: 'service-password',
      userBase: 'OU=Users,DC=corp,DC=example',
      groupBase: 'OU=Groups,DC=corp,DC=example',
      flavor: 'ad',
      startTls: true,
      caFile: undefined,
      timeoutMs: 300,
    };
    const directory = createLdapDirectory(config);
    const good: NewDirectoryAccount = {
      username: 'newhire',
      givenName: 'New',
      familyName: 'Hire',
      displayName: 'New Hire',
      email: 'newhire@example.com',
      department: null,
      title: null,
      manager: null,
      employeeNumber: null,
    };
    for (const bad of [{ username: '' }, { username: 'nul\0' }, { username: ' padded' }, { displayName: '' }, { givenName: 'tab\there' }]) {
      await expect(directory.createUser({ ...good, ...bad }, { enabled: false })).rejects.toBeInstanceOf(TypeError);
    }
    await expect(directory.setEnabled('', false)).rejects.toBeInstanceOf(TypeError);
    await expect(directory.setEnabled('alice', 'no' as never)).rejects.toBeInstanceOf(TypeError);
    await expect(directory.updateUser('alice', { familyName: '' })).rejects.toBeInstanceOf(TypeError);
    await expect(directory.deleteUser(undefined as never)).rejects.toBeInstanceOf(TypeError);
    await expect(directory.addToGroup('alice', '')).rejects.toBeInstanceOf(TypeError);
    await expect(directory.removeFromGroup('alice', 'x\0')).rejects.toBeInstanceOf(TypeError);
    await expect(directory.listUsers({ offset: -1, limit: 10 })).rejects.toBeInstanceOf(RangeError);
    expect(fake.connections()).toBe(0);
    expect(fake.received().length).toBe(0);
    await directory.close();
  });
});

/**
 * A second slapd, started by this file only: TLS (StartTLS and ldaps://) and an Active
 * Directory-shaped copy of the company for the AD flavour (sAMAccountName, memberOf,
 * userAccountControl, lockoutTime, unicodePwd). Active Directory itself cannot run here.
 */
import { randomBytes } from 'node:crypto';
import { Attribute, Change, Client } from 'ldapts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import type { LdapConfig } from '../../server/config.js';
import { DEMO_PASSWORD, DEMO_PEOPLE, demoEmail } from '../../server/demo/company.js';
import { encodeUnicodePwd } from '../../server/directory/ad-password.js';
import { escapeDnValue, normalizeDn } from '../../server/directory/ldap-escape.js';
import { createLdapDirectory } from '../../server/directory/ldap.js';
import { DEFAULT_ROLE_GROUPS, rolesFromGroups } from '../../server/directory/roles.js';
import { DirectoryUnavailableError, type Directory } from '../../server/directory/port.js';
import { startFakeActiveDirectory, type FakeActiveDirectory } from '../harness/fake-ad.js';
import { TEST_AD_POLICY, groupDn } from '../harness/slapd-seed.js';
import { startSlapd, withLdapAdmin, type SlapdHandle } from '../harness/slapd.js';
import { REFUSED, ldapConfig } from './fixtures.js';

const slapd = inject('slapd');

describe.skipIf(!slapd)('a second slapd with TLS and an Active Directory-shaped copy of the company', () => {
  let tlsServer: SlapdHandle;

  beforeAll(async () => {
    tlsServer = await startSlapd({ tls: true, activeDirectory: true });
  });
  afterAll(async () => {
    await tlsServer?.stop();
  });

  it('signs in over StartTLS', async () => {
    const directory = createLdapDirectory(ldapConfig(tlsServer, { startTls: true, caFile: tlsServer.caFile }));
    await directory.ping();
    expect(await directory.authenticate('alice', DEMO_PASSWORD)).toMatchObject({
      ok: true,
      user: { username: 'alice', manager: 'mark' },
    });
    expect(await directory.authenticate('alice', 'wrong-password')).toStrictEqual(REFUSED);
    expect(await directory.authenticate('alice', DEMO_PASSWORD)).toMatchObject({ ok: true });
  });

  it('signs in over ldaps://', async () => {
    const directory = createLdapDirectory(ldapConfig(tlsServer, { url: tlsServer.ldapsUrl!, caFile: tlsServer.caFile }));
    await directory.ping();
    expect(await directory.authenticate('bob', DEMO_PASSWORD)).toMatchObject({ ok: true, user: { username: 'bob' } });
  });

  it('refuses a server certificate it cannot verify, for StartTLS and ldaps alike', async () => {
    const startTls = createLdapDirectory(ldapConfig(tlsServer, { startTls: true }));
    await expect(startTls.ping()).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(startTls.authenticate('alice', DEMO_PASSWORD)).rejects.toBeInstanceOf(DirectoryUnavailableError);
    const ldaps = createLdapDirectory(ldapConfig(tlsServer, { url: tlsServer.ldapsUrl! }));
    await expect(ldaps.ping()).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });

  describe('Active Directory flavour', () => {
    function adDirectory(): Directory {
      const ad = tlsServer.activeDirectory!;
      return createLdapDirectory(
        ldapConfig(tlsServer, { flavor: 'ad', userBase: ad.userBase, groupBase: ad.groupBase, startTls: true, caFile: tlsServer.caFile }),
      );
    }

    /** Adds an AD-shaped user object (as the rootdn) and returns its DN. */
    async function addAdUser(fields: {
      username: string;
      password: string;
      userAccountControl?: number;
      memberOf?: string[];
      objectCategory?: string;
    }) {
      const dn = `cn=${escapeDnValue(`Temp ${fields.username}`)},${tlsServer.activeDirectory!.userBase}`;
      await withLdapAdmin(tlsServer, (client) =>
        client.add(dn, {
          objectClass: 'user',
          objectCategory: fields.objectCategory ?? 'person',
          cn: `Temp ${fields.username}`,
          sn: fields.username,
          sAMAccountName: fields.username,
          userAccountControl: String(fields.userAccountControl ?? 512),
          userPassword: fields.password,
          ...(fields.memberOf ? { memberOf: fields.memberOf } : {}),
        }),
      );
      // Binds check userPassword (slapd); password writes change unicodePwd, seeded like AD's.
      await withLdapAdmin(tlsServer, (client) =>
        client.modify(
          dn,
          new Change({
            operation: 'replace',
            modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(fields.password)] }),
          }),
        ),
      );
      return dn;
    }

    async function replace(dn: string, type: string, value: string) {
      await withLdapAdmin(tlsServer, (client) =>
        client.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) })),
      );
    }

    /** A FILETIME (100-ns ticks since 1601) for a moment. */
    function fileTime(date: Date): string {
      return (BigInt(date.getTime()) * 10_000n + 116_444_736_000_000_000n).toString();
    }

    it('signs every demo person in by sAMAccountName, with department, manager and memberOf groups', async () => {
      const directory = adDirectory();
      for (const person of DEMO_PEOPLE) {
        expect(await directory.authenticate(person.username, DEMO_PASSWORD), person.username).toStrictEqual({
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
            groupDns: person.groups.map((group) => groupDn(group, tlsServer.activeDirectory!.groupBase)).sort((a, b) => a.localeCompare(b)),
            disabled: false,
            locked: false,
          },
        });
      }
      expect(await directory.listReports('mark')).toEqual(['alice', 'bob']);
      expect((await directory.searchUsers('rivera', 5)).map((u) => u.username)).toEqual(['ruth']);
      expect(await directory.findUserByEmail('HANA@example.com')).toMatchObject({ username: 'hana' });
    });

    it('refuses a disabled account (userAccountControl ACCOUNTDISABLE) even with the right password', async () => {
      const directory = adDirectory();
      const username = `off-${randomBytes(3).toString('hex')}`;
      const password = `Disabled-${randomBytes(6).toString('hex')}`;
      const dn = await addAdUser({ username, password });
      expect(await directory.authenticate(username, password)).toMatchObject({ ok: true });
      await replace(dn, 'userAccountControl', String(512 | 0x2));
      expect(await directory.authenticate(username, password)).toStrictEqual(REFUSED);
      expect(await directory.findUser(username)).toMatchObject({ username, disabled: true });
    });

    it('reads group names from memberOf DNs, unescaping them, and searches groups when memberOf is empty', async () => {
      const directory = adDirectory();
      const groupBase = tlsServer.activeDirectory!.groupBase;
      const withMemberOf = `mo-${randomBytes(3).toString('hex')}`;
      await addAdUser({
        username: withMemberOf,
        password: 'Member-of-123',
        memberOf: [`cn=Help Desk\\, EU,${groupBase}`, `cn=staff,${groupBase}`],
      });
      const user = await directory.findUser(withMemberOf);
      expect(user).toMatchObject({ groups: ['Help Desk, EU', 'staff'] });
      // The DNs themselves decide roles (in whatever spelling the server returns: here `\2C`).
      expect(user!.groupDns.map(normalizeDn)).toEqual([`cn=help desk\\, eu,${groupBase}`, `cn=staff,${groupBase}`]);

      // A portal-admins made in another OU is listed by name, yet grants nothing.
      const elsewhere = `else-${randomBytes(3).toString('hex')}`;
      await addAdUser({
        username: elsewhere,
        password: 'Member-of-123',
        memberOf: [`CN=portal-admins,OU=Projects,${tlsServer.activeDirectory!.userBase}`, `CN=portal-hr,${groupBase.toUpperCase()}`],
      });
      const outsider = await directory.findUser(elsewhere);
      expect(outsider!.groups).toEqual(['portal-admins', 'portal-hr']);
      expect(rolesFromGroups(outsider!, { ...DEFAULT_ROLE_GROUPS, groupBase })).toEqual(['employee', 'hr']);

      const withoutMemberOf = `nomo-${randomBytes(3).toString('hex')}`;
      const dn = await addAdUser({ username: withoutMemberOf, password: 'Member-of-123' });
      await withLdapAdmin(tlsServer, (client) =>
        client.modify(
          `cn=portal-hr,${groupBase}`,
          new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [dn] }) }),
        ),
      );
      expect(await directory.findUser(withoutMemberOf)).toMatchObject({ groups: ['portal-hr'] });
    });

    it('does not take a computer account for a person', async () => {
      const name = `build-${randomBytes(3).toString('hex')}`;
      await addAdUser({ username: name, password: 'Computer-123', objectCategory: 'computer' });
      expect(await adDirectory().findUser(name)).toBeNull();
      expect(await adDirectory().authenticate(name, 'Computer-123')).toStrictEqual(REFUSED);
    });

    it('reports a lockout from lockoutTime (or the computed flag when present) and unlocks by writing 0', async () => {
      const directory = adDirectory();
      const username = `lock-${randomBytes(3).toString('hex')}`;
      const dn = await addAdUser({ username, password: 'Locked-out-123' });
      expect(await directory.lockStatus(username)).toStrictEqual({ locked: false, lockedAt: null });

      const lockedAt = new Date(Date.UTC(2026, 10, 24, 9, 30, 0));
      await replace(dn, 'lockoutTime', fileTime(lockedAt));
      expect(await directory.lockStatus(username)).toStrictEqual({ locked: true, lockedAt });
      // What a session's recheck reads.
      expect(await directory.findUser(username)).toMatchObject({ locked: true, disabled: false });

      await directory.unlock(username);
      const stored = await withLdapAdmin(tlsServer, (client) => client.search(dn, { scope: 'base', attributes: ['lockoutTime'] }));
      expect(stored.searchEntries[0]?.lockoutTime).toBe('0');
      expect(await directory.lockStatus(username)).toStrictEqual({ locked: false, lockedAt: null });

      // AD leaves lockoutTime set after the lockout duration passes; the computed flag is the truth.
      await replace(dn, 'lockoutTime', fileTime(lockedAt));
      await replace(dn, 'msDS-User-Account-Control-Computed', '0');
      expect(await directory.lockStatus(username)).toStrictEqual({ locked: false, lockedAt: null });
      await replace(dn, 'msDS-User-Account-Control-Computed', String(0x10));
      expect(await directory.lockStatus(username)).toStrictEqual({ locked: true, lockedAt });
    });

    describe('password writes', () => {
      /** What the entry holds in unicodePwd: only the rootdn can read it (on AD, nobody can). */
      async function storedUnicodePwd(dn: string): Promise<Buffer | null> {
        const { searchEntries } = await withLdapAdmin(tlsServer, (client) =>
          client.search(dn, { scope: 'base', attributes: ['unicodePwd'], explicitBufferAttributes: ['unicodePwd'] }),
        );
        const value = searchEntries[0]?.unicodePwd;
        const stored = Array.isArray(value) ? value[0] : value;
        return Buffer.isBuffer(stored) ? stored : null;
      }

      /** Every modify request made while `work` ran, as ldapts was asked to send it. */
      async function modifiesDuring(work: () => Promise<unknown>) {
        const spy = vi.spyOn(Client.prototype, 'modify');
        try {
          await work();
          return spy.mock.calls.map(([dn, changes, controls]) => ({
            dn: String(dn),
            changes: (Array.isArray(changes) ? changes : [changes]).map((c) => ({
              operation: c.operation,
              type: c.modification.type,
              values: c.modification.values,
            })),
            controls: controls === undefined ? [] : Array.isArray(controls) ? controls : [controls],
          }));
        } finally {
          spy.mockRestore();
        }
      }

      async function person(password = `Initial-${randomBytes(5).toString('hex')}`) {
        const username = `pw-${randomBytes(3).toString('hex')}`;
        return { username, password, dn: await addAdUser({ username, password }) };
      }

      it('reads minPwdLength, pwdHistoryLength and lockoutThreshold from the domain root', async () => {
        expect(await adDirectory().passwordPolicy()).toStrictEqual({
          minLength: TEST_AD_POLICY.minLength,
          historyCount: TEST_AD_POLICY.historyCount,
          lockoutThreshold: TEST_AD_POLICY.lockoutThreshold,
        });
        // A domain root that cannot be read: Active Directory's own defaults.
        const elsewhere = createLdapDirectory(
          ldapConfig(tlsServer, { flavor: 'ad', userBase: 'ou=users,dc=nowhere,dc=invalid', startTls: true, caFile: tlsServer.caFile }),
        );
        expect(await elsewhere.passwordPolicy()).toStrictEqual({ minLength: 7, historyCount: 24, lockoutThreshold: null });
      });

      it('resets with one replace of unicodePwd (the quoted password in UTF-16LE) carrying the policy-hints control', async () => {
        const { username, dn } = await person();
        const directory = adDirectory();
        const modifies = await modifiesDuring(async () => {
          expect(await directory.setPassword(username, 'Pässwort-1😀', { kind: 'reset' })).toStrictEqual({ ok: true });
        });
        // " P ä s s w o r t - 1 😀 (a surrogate pair) "
        const expected = Buffer.from('22005000e4007300730077006f00720074002d0031003dd800de2200', 'hex');
        expect(await storedUnicodePwd(dn)).toEqual(expected);
        const write = modifies.find((m) => m.changes.some((c) => c.type === 'unicodePwd'))!;
        expect(write.dn).toBe(dn);
        expect(write.changes).toStrictEqual([{ operation: 'replace', type: 'unicodePwd', values: [expected] }]);
        expect(write.controls.map((c) => ({ type: c.type, critical: c.critical }))).toStrictEqual([
          { type: '1.2.840.113556.1.4.2239', critical: false },
        ]);
      });

      it('changes with one modify that deletes the old value and then adds the new, and sends nothing after it', async () => {
        const { username, password, dn } = await person();
        const directory = adDirectory();
        const next = `Next-päss-${randomBytes(4).toString('hex')}`;
        const modifies = await modifiesDuring(async () => {
          expect(await directory.setPassword(username, next, { kind: 'change', currentPassword: password })).toStrictEqual({ ok: true });
        });
        expect(modifies).toStrictEqual([
          {
            dn,
            changes: [
              { operation: 'delete', type: 'unicodePwd', values: [encodeUnicodePwd(password)] },
              { operation: 'add', type: 'unicodePwd', values: [encodeUnicodePwd(next)] },
            ],
            controls: [],
          },
        ]);
        expect(await storedUnicodePwd(dn)).toEqual(encodeUnicodePwd(next));
      });

      it('refuses a change with the wrong current password and leaves the password as it was', async () => {
        const { username, password, dn } = await person();
        const result = await adDirectory().setPassword(username, 'Another-pass-123', {
          kind: 'change',
          currentPassword: `${password}-wrong`,
        });
        expect(result).toStrictEqual({ ok: false, reason: 'wrong_current_password' });
        expect(await storedUnicodePwd(dn)).toEqual(encodeUnicodePwd(password));
      });

      it('refuses a password shorter than minPwdLength, counted in code points, before writing anything', async () => {
        const { username, password, dn } = await person();
        const directory = adDirectory();
        // 9 code points; then 5 emoji: 10 UTF-16 units, which AD itself would count as long enough.
        for (const short of ['Short-pw9', '😀😀😀😀😀']) {
          const modifies = await modifiesDuring(async () => {
            expect(await directory.setPassword(username, short, { kind: 'reset' })).toStrictEqual({ ok: false, reason: 'too_short' });
          });
          expect(modifies).toStrictEqual([]);
        }
        expect(await storedUnicodePwd(dn)).toEqual(encodeUnicodePwd(password));
      });

      it('unlocks on a reset by writing lockoutTime 0 after the password', async () => {
        const { username, dn } = await person();
        const directory = adDirectory();
        await replace(dn, 'lockoutTime', fileTime(new Date()));
        expect((await directory.lockStatus(username)).locked).toBe(true);
        const modifies = await modifiesDuring(async () => {
          expect(await directory.setPassword(username, 'Unlocked-by-reset-1', { kind: 'reset' })).toStrictEqual({ ok: true });
        });
        expect(modifies.map((m) => m.changes.map((c) => `${c.operation} ${c.type}`))).toStrictEqual([
          ['replace unicodePwd'],
          ['replace lockoutTime'],
        ]);
        expect(await directory.lockStatus(username)).toStrictEqual({ locked: false, lockedAt: null });
      });

      it('does not reset the password of a disabled account', async () => {
        const { username, password, dn } = await person();
        await replace(dn, 'userAccountControl', String(512 | 0x2));
        expect(await adDirectory().setPassword(username, 'Disabled-reset-1', { kind: 'reset' })).toStrictEqual({
          ok: false,
          reason: 'policy',
        });
        expect(await storedUnicodePwd(dn)).toEqual(encodeUnicodePwd(password));
      });

      it('writes passwords only over an encrypted connection: StartTLS or ldaps://, never plain LDAP', async () => {
        const { username, password, dn } = await person();
        const ad = tlsServer.activeDirectory!;
        const plain = createLdapDirectory(ldapConfig(tlsServer, { flavor: 'ad', userBase: ad.userBase, groupBase: ad.groupBase }));
        const error = await plain.setPassword(username, 'Plain-text-pass-1', { kind: 'reset' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DirectoryUnavailableError);
        expect((error as Error).message).toBe('Active Directory password writes need ldaps:// or LDAP_STARTTLS');
        expect(await storedUnicodePwd(dn)).toEqual(encodeUnicodePwd(password));

        const ldaps = createLdapDirectory(
          ldapConfig(tlsServer, {
            flavor: 'ad',
            userBase: ad.userBase,
            groupBase: ad.groupBase,
            url: tlsServer.ldapsUrl!,
            caFile: tlsServer.caFile,
          }),
        );
        expect(await ldaps.setPassword(username, 'Over-ldaps-pass-1', { kind: 'reset' })).toStrictEqual({ ok: true });
        expect(await storedUnicodePwd(dn)).toEqual(encodeUnicodePwd('Over-ldaps-pass-1'));
      });

      it('cannot be steered to another person by filter or DN characters in the username', async () => {
        const victim = await person();
        const directory = adDirectory();
        const attempts = [
          '*',
          `${victim.username.slice(0, 4)}*`,
          `${victim.username})(sAMAccountName=*`,
          '*)(|(cn=*',
          victim.dn,
          `${victim.username}\0`,
        ];
        for (const username of attempts) {
          expect(await directory.setPassword(username, 'Hijacked-pass-123', { kind: 'reset' }), username).toStrictEqual({
            ok: false,
            reason: 'policy',
          });
        }
        expect(await storedUnicodePwd(victim.dn)).toEqual(encodeUnicodePwd(victim.password));
      });
    });
  });
});

describe('Active Directory: refused input never reaches the wire (a fake AD that records every byte)', () => {
  let fake: FakeActiveDirectory;

  beforeEach(async () => {
    fake = await startFakeActiveDirectory({ answerBinds: true });
  });
  afterEach(async () => {
    await fake.close();
  });

  function adOverFake(overrides: Partial<LdapConfig> = {}): Directory {
    return createLdapDirectory({
      url: fake.url,
      bindDn: 'CN=portal-service,OU=Service Accounts,DC=corp,DC=example',
      bindPassword: 'service-password',
      userBase: 'OU=Users,DC=corp,DC=example',
      groupBase: 'OU=Groups,DC=corp,DC=example',
      flavor: 'ad',
      startTls: true,
      caFile: undefined,
      timeoutMs: 300,
      ...overrides,
    });
  }

  it('answers any bind with success, as AD answers an empty-password bind, so one leaked bind would matter', async () => {
    const client = new Client({ url: fake.url, timeout: 1_000 });
    try {
      await expect(client.bind('CN=alice,OU=Users,DC=corp,DC=example', 'anything')).resolves.toBeUndefined();
    } finally {
      await client.unbind();
    }
    expect(fake.received().length).toBeGreaterThan(0);
  });

  it('sends not one byte for an empty or non-string password, to sign in or to set a password', async () => {
    const directory = adOverFake();
    for (const password of ['', undefined, null, 0, [], {}, ['Secret-pass-1'], { toString: () => 'Secret-pass-1' }]) {
      const label = JSON.stringify(password);
      expect(await directory.authenticate('alice', password as string), label).toStrictEqual(REFUSED);
      expect(await directory.setPassword('alice', password as string, { kind: 'reset' }), label).toStrictEqual({
        ok: false,
        reason: 'policy',
      });
      expect(
        await directory.setPassword('alice', 'Good-new-pass-1', { kind: 'change', currentPassword: password as string }),
        label,
      ).toStrictEqual({ ok: false, reason: 'wrong_current_password' });
    }
    expect(await directory.setPassword('alice', 'With-NUL\0-pass', { kind: 'reset' })).toStrictEqual({ ok: false, reason: 'policy' });
    expect(await directory.setPassword('alice', 'Good-new-pass-1', { kind: 'sideways' } as never)).toStrictEqual({
      ok: false,
      reason: 'policy',
    });
    expect(await directory.setPassword('alice', 'Good-new-pass-1', undefined as never)).toStrictEqual({ ok: false, reason: 'policy' });
    for (const username of ['', undefined, null, ['alice']]) {
      expect(await directory.setPassword(username as string, 'Good-new-pass-1', { kind: 'reset' })).toStrictEqual({
        ok: false,
        reason: 'policy',
      });
    }
    expect(fake.connections()).toBe(0);
    expect(fake.received().length).toBe(0);
  });

  it('refuses to write a password over plain LDAP before connecting', async () => {
    const directory = adOverFake({ startTls: false });
    await expect(directory.setPassword('alice', 'Good-new-pass-1', { kind: 'reset' })).rejects.toThrow(
      'Active Directory password writes need ldaps:// or LDAP_STARTTLS',
    );
    await expect(
      directory.setPassword('alice', 'Good-new-pass-1', { kind: 'change', currentPassword: 'Old-pass-123' }),
    ).rejects.toBeInstanceOf(DirectoryUnavailableError);
    expect(fake.connections()).toBe(0);
    expect(fake.received().length).toBe(0);
  });

  it('does contact the server for a well-formed request (the recorder is listening)', async () => {
    // StartTLS goes unanswered, so this ends as an outage; what matters is that bytes arrived.
    await expect(adOverFake().setPassword('alice', 'Good-new-pass-1', { kind: 'reset' })).rejects.toBeInstanceOf(DirectoryUnavailableError);
    expect(fake.connections()).toBe(1);
    expect(fake.received().length).toBeGreaterThan(0);
  });
});

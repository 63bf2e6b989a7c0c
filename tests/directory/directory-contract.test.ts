/**
 * One contract for every directory implementation: the built-in directory and LDAP (OpenLDAP
 * with ppolicy, on a real slapd) must tell the same story about the demo company, refuse the
 * same sign-ins the same way, and lock and unlock the same way. Features only ever see the
 * `Directory` interface, so whatever passes here is interchangeable for them.
 *
 * Then LDAP-only behaviour: outages, timeouts, TLS, disabled accounts, names that need escaping.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Attribute, Change } from 'ldapts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LdapConfig } from '../../server/config.js';
import { DEMO_PASSWORD, DEMO_PEOPLE, demoEmail } from '../../server/demo/company.js';
import { seedDemoDirectory } from '../../server/demo/seed.js';
import { createBuiltinDirectory } from '../../server/directory/builtin.js';
import { insertDirectoryUser } from '../../server/directory/builtin-repository.js';
import { createLdapDirectory, type LdapDirectoryLogger } from '../../server/directory/ldap.js';
import { DirectoryUnavailableError, type Directory } from '../../server/directory/port.js';
import { escapeDnValue } from '../../server/directory/ldap-escape.js';
import { hashPassword } from '../../server/platform/secrets.js';
import { availableDialects, openTestDatabase } from '../harness/db.js';
import { freePort } from '../harness/ports.js';
import { addLdapUser, startSlapd, withLdapAdmin, type SlapdConnection, type SlapdHandle } from '../harness/slapd.js';

const REFUSED = { ok: false, reason: 'invalid_credentials' } as const;

/** A person a test adds for itself, so the demo people are never locked or changed. */
interface NewPerson {
  username: string;
  password: string;
  displayName?: string;
  email?: string;
  groups?: string[];
}

interface DirectoryFixture {
  directory: Directory;
  /** Failed sign-ins in a row that lock an account. */
  lockoutThreshold: number;
  addPerson(person: NewPerson): Promise<void>;
  close(): Promise<void>;
}

function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A fresh person with a password nobody else uses. */
async function throwawayPerson(fixture: DirectoryFixture, overrides: Partial<NewPerson> = {}): Promise<NewPerson> {
  const person: NewPerson = { username: uniqueName('temp'), password: `Throwaway-${randomBytes(6).toString('hex')}`, ...overrides };
  person.email ??= `${person.username}@example.com`;
  await fixture.addPerson(person);
  return person;
}

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
            email: demoEmail(person.username),
            department: person.department,
            title: person.title,
            manager: person.manager,
            groups: [...person.groups].sort(),
            disabled: false,
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
        email: 'alice@example.com',
        department: 'Engineering',
        title: 'Software Engineer',
        manager: 'mark',
        groups: ['staff'],
        disabled: false,
      });
      expect(await directory.findUser('adam')).toMatchObject({ manager: null, groups: ['portal-admins', 'staff'] });
      expect(await directory.findUser('nobody-by-this-name')).toBeNull();
      expect(await directory.findUser('*')).toBeNull();
      expect(await directory.findUser('ali*')).toBeNull();
      expect(await directory.findUser('')).toBeNull();
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

      await directory.unlock(person.username);
      expect(await directory.lockStatus(person.username)).toStrictEqual({ locked: false, lockedAt: null });
      expect(await directory.authenticate(person.username, person.password)).toMatchObject({
        ok: true,
        user: { username: person.username },
      });
      // Unlocking an account that is not locked is harmless.
      await expect(directory.unlock(person.username)).resolves.toBeUndefined();
    });

    it('reports an unknown account as not locked and ignores unlocking it', async () => {
      expect(await directory.lockStatus('nobody-by-this-name')).toStrictEqual({ locked: false, lockedAt: null });
      await expect(directory.unlock('nobody-by-this-name')).resolves.toBeUndefined();
    });
  });
}

// ---------------------------------------------------------------------------------------------
// (a) the built-in directory, on a fresh database seeded with the demo company, per dialect

for (const dialect of availableDialects())
  directoryContract(`built-in (${dialect})`, async () => {
    const database = await openTestDatabase(dialect);
    await seedDemoDirectory(database.db);
    const lockoutThreshold = 5;
    return {
      directory: createBuiltinDirectory(database.db, { lockoutThreshold }),
      lockoutThreshold,
      async addPerson(person) {
        const now = Date.now();
        const email = person.email ?? '';
        await insertDirectoryUser(
          database.db,
          {
            username: person.username,
            display_name: person.displayName ?? `Test ${person.username}`,
            email,
            email_lower: email.toLowerCase(),
            department: null,
            title: null,
            manager: null,
            password_hash: await hashPassword(person.password),
            created_at: now,
            updated_at: now,
          },
          person.groups ?? [],
        );
      },
      close: () => database.close(),
    };
  });

// ---------------------------------------------------------------------------------------------
// (b) LDAP, OpenLDAP flavour, on the run's shared slapd

const slapd = inject('slapd');

function ldapConfig(server: SlapdConnection, overrides: Partial<LdapConfig> = {}): LdapConfig {
  return {
    url: server.url,
    bindDn: server.adminDn,
    bindPassword: server.adminPassword,
    userBase: server.userBase,
    groupBase: server.groupBase,
    flavor: 'openldap',
    startTls: false,
    caFile: undefined,
    timeoutMs: 3_000,
    ...overrides,
  };
}

/** A logger that keeps every line, to check that no secret ever reaches it. */
function recordingLogger(): LdapDirectoryLogger & { lines: string[] } {
  const lines: string[] = [];
  const record = (details: Record<string, unknown>, message: string) => {
    lines.push(`${message} ${JSON.stringify(details)}`);
  };
  return { lines, warn: record, debug: record };
}

if (slapd) {
  const server = slapd;
  directoryContract('LDAP (OpenLDAP with ppolicy)', async () => {
    const directory = createLdapDirectory(ldapConfig(server));
    return {
      directory,
      // The harness's password policy: pwdMaxFailure 3.
      lockoutThreshold: 3,
      async addPerson(person) {
        await addLdapUser(server, {
          username: person.username,
          password: person.password,
          ...(person.displayName ? { displayName: person.displayName } : {}),
          ...(person.email ? { email: person.email } : {}),
          ...(person.groups ? { groups: person.groups } : {}),
        });
      },
      close: () => directory.close(),
    };
  });
}

describe.skipIf(!slapd)('LDAP directory beyond the contract', () => {
  const server = slapd!;

  /** A TCP port where nothing listens. */
  async function closedPortUrl(): Promise<string> {
    return `ldap://127.0.0.1:${await freePort()}`;
  }

  it('refuses an empty or non-string password before contacting the server (AD accepts an empty bind as anonymous)', async () => {
    // Nothing listens at this URL: any attempt to connect would throw DirectoryUnavailableError.
    const directory = createLdapDirectory(ldapConfig(server, { url: await closedPortUrl(), timeoutMs: 500 }));
    for (const password of ['', undefined, null, 0, [DEMO_PASSWORD], {}]) {
      expect(await directory.authenticate('alice', password as string), JSON.stringify(password)).toStrictEqual(REFUSED);
    }
    for (const username of ['', undefined, null, ['alice']]) {
      expect(await directory.authenticate(username as string, DEMO_PASSWORD), JSON.stringify(username)).toStrictEqual(REFUSED);
    }
  });

  it('reports an unreachable server as unavailable, never as a wrong password', async () => {
    const directory = createLdapDirectory(ldapConfig(server, { url: await closedPortUrl(), timeoutMs: 1_000 }));
    await expect(directory.ping()).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(directory.authenticate('alice', DEMO_PASSWORD)).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(directory.findUser('alice')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(directory.lockStatus('alice')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await directory.close();
  });

  it('gives up on a server that accepts connections but never answers, within the configured timeout', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      for (const startTls of [false, true]) {
        const directory = createLdapDirectory(ldapConfig(server, { url: `ldap://127.0.0.1:${port}`, timeoutMs: 300, startTls }));
        const started = Date.now();
        await expect(directory.authenticate('alice', DEMO_PASSWORD)).rejects.toBeInstanceOf(DirectoryUnavailableError);
        expect(Date.now() - started).toBeLessThan(3_000);
        await directory.close();
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('treats a refused service account as an outage, so users are not told their password is wrong', async () => {
    const servicePassword = 'Service-Secret-7f3a';
    const logger = recordingLogger();
    const directory = createLdapDirectory(ldapConfig(server, { bindPassword: servicePassword }), { logger });
    const userPassword = 'User-Secret-91bc';
    const error = await directory.authenticate('alice', userPassword).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DirectoryUnavailableError);
    await expect(directory.ping()).rejects.toBeInstanceOf(DirectoryUnavailableError);
    // No password in the error, its cause or the log.
    const text = `${String(error)} ${String((error as Error).cause)} ${(error as Error).stack ?? ''} ${logger.lines.join('\n')}`;
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(text).not.toContain(servicePassword);
    expect(text).not.toContain(userPassword);
  });

  it('never logs the password of a sign-in, right or wrong', async () => {
    const logger = recordingLogger();
    const directory = createLdapDirectory(ldapConfig(server), { logger });
    const person = `sign-in-${randomBytes(4).toString('hex')}`;
    const password = `Correct-${randomBytes(6).toString('hex')}`;
    await addLdapUser(server, { username: person, password });
    const wrong = `Wrong-${randomBytes(6).toString('hex')}`;
    expect(await directory.authenticate(person, wrong)).toStrictEqual(REFUSED);
    expect(await directory.authenticate('nobody-by-this-name', wrong)).toStrictEqual(REFUSED);
    expect(await directory.authenticate(person, password)).toMatchObject({ ok: true });
    expect(logger.lines.length).toBeGreaterThan(0);
    for (const line of logger.lines) {
      expect(line).not.toContain(wrong);
      expect(line).not.toContain(password);
    }
  });

  it('refuses StartTLS against a server that cannot do TLS instead of falling back to plain text', async () => {
    const directory = createLdapDirectory(ldapConfig(server, { startTls: true }));
    await expect(directory.ping()).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(directory.authenticate('alice', DEMO_PASSWORD)).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });

  it('treats a permanently locked (administratively disabled) account as disabled, and unlock does not re-enable it', async () => {
    const directory = createLdapDirectory(ldapConfig(server));
    const username = `disabled-${randomBytes(4).toString('hex')}`;
    const password = `Disabled-${randomBytes(6).toString('hex')}`;
    const dn = await addLdapUser(server, { username, password, groups: ['staff'] });
    expect(await directory.authenticate(username, password)).toMatchObject({ ok: true });

    await withLdapAdmin(server, (client) =>
      client.modify(
        dn,
        new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: ['000001010000Z'] }) }),
      ),
    );
    expect(await directory.authenticate(username, password)).toStrictEqual(REFUSED);
    expect(await directory.findUser(username)).toMatchObject({ username, disabled: true, groups: ['staff'] });
    // Disabled is not "locked out by failed sign-ins": help desk's unlock must leave it alone.
    expect(await directory.lockStatus(username)).toStrictEqual({ locked: false, lockedAt: null });
    await directory.unlock(username);
    expect(await directory.authenticate(username, password)).toStrictEqual(REFUSED);
    expect(await directory.findUser(username)).toMatchObject({ disabled: true });
  });

  it('handles people whose names need escaping in DNs and filters, and non-ASCII names and passwords', async () => {
    const directory = createLdapDirectory(ldapConfig(server));
    const suffix = randomBytes(3).toString('hex');
    // A comma, plus and equals sign in the RDN, and a non-ASCII name: the member DN in the group
    // filter must match what the server stored.
    const username = `kim,lee+o=${suffix}`;
    const password = `Pässwörd-✓-${suffix}`;
    await addLdapUser(server, {
      username,
      password,
      displayName: `Zoë Ünal ${suffix}`,
      email: `zoe.${suffix}@example.com`,
      groups: ['staff', 'portal-helpdesk'],
    });

    expect(await directory.authenticate(username, password)).toMatchObject({
      ok: true,
      user: { username, displayName: `Zoë Ünal ${suffix}`, groups: ['portal-helpdesk', 'staff'] },
    });
    expect(await directory.authenticate(username, 'Passwort-falsch')).toStrictEqual(REFUSED);
    expect((await directory.searchUsers(`ünal ${suffix}`, 5)).map((u) => u.username)).toEqual([username]);
    expect((await directory.searchUsers(`ZOË ÜNAL ${suffix}`, 5)).map((u) => u.username)).toEqual([username]);
    expect(await directory.findUser(username)).toMatchObject({ username });
    // Success cleared the one failure above; nothing is left locked.
    expect(await directory.lockStatus(username)).toStrictEqual({ locked: false, lockedAt: null });
  });

  it('resolves a manager who no longer exists to no manager rather than failing', async () => {
    const directory = createLdapDirectory(ldapConfig(server));
    const username = `orphan-${randomBytes(4).toString('hex')}`;
    await addLdapUser(server, { username, password: 'Orphan-pass-123', manager: `left-the-company-${randomBytes(4).toString('hex')}` });
    expect(await directory.findUser(username)).toMatchObject({ username, manager: null });
  });

  describe('a second slapd with TLS and an Active Directory-shaped copy of the company', () => {
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
              email: demoEmail(person.username),
              department: person.department,
              title: person.title,
              manager: person.manager,
              groups: [...person.groups].sort(),
              disabled: false,
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
        expect(await directory.findUser(withMemberOf)).toMatchObject({ groups: ['Help Desk, EU', 'staff'] });

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
    });
  });
});

/**
 * The password contract: the built-in directory (each database dialect) and OpenLDAP with ppolicy
 * (the shared slapd, written to by the portal's non-rootdn service account) read their password
 * rules, write passwords and refuse them the same way. Each test uses throwaway people.
 *
 * Then what only one side can show: the built-in directory's history table and options, and
 * OpenLDAP's own view of the result (a direct bind, the stored hash, ppolicy's other refusals).
 */
import { randomBytes } from 'node:crypto';
import { Attribute, Change } from 'ldapts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PASSWORD } from '../../server/demo/company.js';
import { createBuiltinDirectory } from '../../server/directory/builtin.js';
import { findDirectoryUser } from '../../server/directory/builtin-repository.js';
import { createLdapDirectory } from '../../server/directory/ldap.js';
import { DirectoryUnavailableError, type Directory, type PasswordWrite } from '../../server/directory/port.js';
import { availableDialects, openTestDatabase } from '../harness/db.js';
import { freePort } from '../harness/ports.js';
import { addLdapUser, ldapBind, withLdapAdmin } from '../harness/slapd.js';
import { SERVICE_POLICY_DN } from '../harness/slapd-seed.js';
import {
  REFUSED,
  addBuiltinPerson,
  builtinFixture,
  ldapConfig,
  openLdapFixture,
  recordingLogger,
  throwawayPerson,
  uniqueName,
  type DirectoryFixture,
} from './fixtures.js';

const RESET: PasswordWrite = { kind: 'reset' };
const OK = { ok: true } as const;

function change(currentPassword: string): PasswordWrite {
  return { kind: 'change', currentPassword };
}

/** A password no other test uses, at least 14 code points long. */
function freshPassword(label = 'New'): string {
  return `${label}-pässwort-${randomBytes(5).toString('hex')}`;
}

function passwordContract(name: string, makeDirectory: () => Promise<DirectoryFixture>): void {
  describe(`password contract: ${name}`, () => {
    let fixture: DirectoryFixture;
    let directory: Directory;

    beforeAll(async () => {
      fixture = await makeDirectory();
      directory = fixture.directory;
    });
    afterAll(async () => {
      await fixture?.close();
    });

    /** Whether `password` signs `username` in right now. */
    async function works(username: string, password: string): Promise<boolean> {
      return (await directory.authenticate(username, password)).ok;
    }

    it('reads its password policy', async () => {
      expect(await directory.passwordPolicy()).toStrictEqual(fixture.policy);
    });

    it('resets to a valid password: the new one signs in, the old one no longer does', async () => {
      const person = await throwawayPerson(fixture);
      const next = freshPassword();
      expect(await directory.setPassword(person.username, next, RESET)).toStrictEqual(OK);
      expect(await works(person.username, next)).toBe(true);
      expect(await works(person.username, person.password)).toBe(false);
    });

    it('counts the minimum length in code points, not bytes or UTF-16 units, and changes nothing when too short', async () => {
      const person = await throwawayPerson(fixture);
      const min = fixture.policy.minLength;
      // 7 emoji: 7 code points, 14 UTF-16 units, 28 UTF-8 bytes (which ppolicy alone would accept).
      expect(await directory.setPassword(person.username, '😀😀😀😀😀😀😀', RESET)).toStrictEqual({ ok: false, reason: 'too_short' });
      expect(await directory.setPassword(person.username, 'ü'.repeat(min - 1), RESET)).toStrictEqual({ ok: false, reason: 'too_short' });
      expect(await directory.setPassword(person.username, 'ü'.repeat(min - 1), change(person.password))).toStrictEqual({
        ok: false,
        reason: 'too_short',
      });
      expect(await works(person.username, person.password)).toBe(true);
      const exactlyMin = `${'ü'.repeat(min - 4)}${randomBytes(2).toString('hex')}`;
      expect(await directory.setPassword(person.username, exactlyMin, RESET)).toStrictEqual(OK);
      expect(await works(person.username, exactlyMin)).toBe(true);
    });

    it('refuses the current password and recent ones, and accepts the oldest again once it has left the history', async () => {
      const person = await throwawayPerson(fixture);
      const { historyCount } = fixture.policy;
      const first = freshPassword('First');
      expect(await directory.setPassword(person.username, first, RESET)).toStrictEqual(OK);
      expect(await directory.setPassword(person.username, first, RESET)).toStrictEqual({ ok: false, reason: 'in_history' });
      expect(await directory.setPassword(person.username, person.password, RESET)).toStrictEqual({ ok: false, reason: 'in_history' });
      expect(await directory.setPassword(person.username, person.password, change(first))).toStrictEqual({
        ok: false,
        reason: 'in_history',
      });
      expect(await works(person.username, first)).toBe(true);
      // `historyCount` more passwords push the original one out.
      let current = first;
      for (let i = 0; i < historyCount; i++) {
        current = freshPassword(`Step${i}`);
        expect(await directory.setPassword(person.username, current, RESET), `step ${i}`).toStrictEqual(OK);
      }
      expect(await directory.setPassword(person.username, first, RESET)).toStrictEqual({ ok: false, reason: 'in_history' });
      expect(await directory.setPassword(person.username, person.password, RESET)).toStrictEqual(OK);
      expect(await works(person.username, person.password)).toBe(true);
    });

    it('refuses a change with the wrong current password and changes nothing', async () => {
      const person = await throwawayPerson(fixture);
      const next = freshPassword();
      expect(await directory.setPassword(person.username, next, change(`${person.password}-wrong`))).toStrictEqual({
        ok: false,
        reason: 'wrong_current_password',
      });
      expect(await works(person.username, next)).toBe(false);
      expect(await works(person.username, person.password)).toBe(true);
    });

    it('changes the password when the current one is right', async () => {
      const person = await throwawayPerson(fixture);
      const next = freshPassword();
      expect(await directory.setPassword(person.username, next, change(person.password))).toStrictEqual(OK);
      expect(await works(person.username, next)).toBe(true);
      expect(await works(person.username, person.password)).toBe(false);
      // The old one is no longer current: a second change with it is refused.
      expect(await directory.setPassword(person.username, freshPassword(), change(person.password))).toStrictEqual({
        ok: false,
        reason: 'wrong_current_password',
      });
    });

    it('stores long and non-ASCII passwords whole, never truncated', async () => {
      const person = await throwawayPerson(fixture);
      const long = `${randomBytes(4).toString('hex')}-${'Lang-Pässwort-'.repeat(7)}`.slice(0, 100);
      expect([...long]).toHaveLength(100);
      expect(await directory.setPassword(person.username, long, RESET)).toStrictEqual(OK);
      expect(await works(person.username, long)).toBe(true);
      // bcrypt-style 72-byte truncation, or any other cut, would let these in.
      expect(await works(person.username, long.slice(0, 72))).toBe(false);
      expect(await works(person.username, long.slice(0, 99))).toBe(false);

      const chinese = `我的密码是一句很长的话-${randomBytes(2).toString('hex')}`;
      expect(await directory.setPassword(person.username, chinese, change(long))).toStrictEqual(OK);
      expect(await works(person.username, chinese)).toBe(true);
      expect(await works(person.username, chinese.slice(0, -1))).toBe(false);
    });

    it('a reset lifts a lockout by failed sign-ins', async () => {
      const person = await throwawayPerson(fixture);
      for (let i = 0; i < fixture.lockoutThreshold; i++)
        expect(await directory.authenticate(person.username, 'wrong-password')).toStrictEqual(REFUSED);
      expect((await directory.lockStatus(person.username)).locked).toBe(true);
      // Locked: not even the right current password allows a change.
      expect(await directory.setPassword(person.username, freshPassword(), change(person.password))).toStrictEqual({
        ok: false,
        reason: 'wrong_current_password',
      });
      const next = freshPassword();
      expect(await directory.setPassword(person.username, next, RESET)).toStrictEqual(OK);
      expect(await directory.lockStatus(person.username)).toStrictEqual({ locked: false, lockedAt: null });
      expect(await works(person.username, next)).toBe(true);
    });

    it('does not reset, and so never re-enables, a disabled account', async () => {
      const person = await throwawayPerson(fixture);
      await fixture.disable(person.username);
      expect(await directory.setPassword(person.username, freshPassword(), RESET)).toStrictEqual({ ok: false, reason: 'policy' });
      expect(await directory.findUser(person.username)).toMatchObject({ disabled: true });
      expect(await works(person.username, person.password)).toBe(false);
    });

    it('refuses empty, non-string and NUL-bearing passwords and malformed requests, changing nothing', async () => {
      const person = await throwawayPerson(fixture);
      for (const password of [
        '',
        undefined,
        null,
        0,
        [],
        {},
        [freshPassword()],
        { toString: () => freshPassword() },
        `Has-a-NUL\0-inside-it`,
      ]) {
        expect(await directory.setPassword(person.username, password as string, RESET), JSON.stringify(password)).toStrictEqual({
          ok: false,
          reason: 'policy',
        });
      }
      for (const current of ['', undefined, null, [person.password]]) {
        expect(await directory.setPassword(person.username, freshPassword(), change(current as string))).toStrictEqual({
          ok: false,
          reason: 'wrong_current_password',
        });
      }
      for (const how of [undefined, null, {}, { kind: 'replace' }]) {
        expect(await directory.setPassword(person.username, freshPassword(), how as PasswordWrite)).toStrictEqual({
          ok: false,
          reason: 'policy',
        });
      }
      expect(await directory.setPassword('nobody-by-this-name', freshPassword(), RESET)).toStrictEqual({ ok: false, reason: 'policy' });
      expect(await directory.setPassword('nobody-by-this-name', freshPassword(), change('whatever-it-was'))).toStrictEqual({
        ok: false,
        reason: 'wrong_current_password',
      });
      expect(await works(person.username, person.password)).toBe(true);
    });

    it("cannot be steered to someone else's password by filter or DN characters in the username", async () => {
      const victim = await throwawayPerson(fixture);
      const hijack = freshPassword('Hijack');
      const attempts = [
        '*',
        `${victim.username.slice(0, 6)}*`,
        `${victim.username})(uid=*`,
        `*)(|(uid=${victim.username}`,
        `${victim.username}\0`,
        `uid=${victim.username},ou=people,dc=example,dc=org`,
        `${victim.username},ou=people`,
      ];
      for (const username of attempts) {
        expect(await directory.setPassword(username, hijack, RESET), username).toStrictEqual({ ok: false, reason: 'policy' });
        expect(await directory.setPassword(username, hijack, change(victim.password)), username).toStrictEqual({
          ok: false,
          reason: 'wrong_current_password',
        });
      }
      expect(await works(victim.username, hijack)).toBe(false);
      expect(await works(victim.username, victim.password)).toBe(true);
    });
  });
}

for (const dialect of availableDialects()) passwordContract(`built-in (${dialect})`, () => builtinFixture(dialect));

const slapd = inject('slapd');
if (slapd) passwordContract('LDAP (OpenLDAP with ppolicy, as the service account)', () => openLdapFixture(slapd));

// ---------------------------------------------------------------------------------------------

describe('built-in directory passwords beyond the contract', () => {
  it('keeps only the last N previous hashes, applies its options, and records when the password changed', async () => {
    const database = await openTestDatabase('sqlite');
    try {
      let now = 1_800_000_000_000;
      const directory = createBuiltinDirectory(database.db, {
        minPasswordLength: 8,
        passwordHistory: 2,
        lockoutThreshold: 4,
        clock: { now: () => now },
      });
      expect(await directory.passwordPolicy()).toStrictEqual({ minLength: 8, historyCount: 2, lockoutThreshold: 4 });
      // Stored lower-case: look-ups ignore case, as LDAP's do.
      await addBuiltinPerson(database.db, { username: 'Hist', password: 'password-0' });
      expect((await findDirectoryUser(database.db, 'hist'))?.password_changed_at).toBeNull();
      for (const n of [1, 2, 3]) {
        now += 1_000;
        // Usernames are matched like LDAP matches them: case and surrounding spaces do not matter.
        expect(await directory.setPassword(n === 2 ? ' HIST ' : 'hist', `password-${n}`, RESET)).toStrictEqual(OK);
      }
      const rows = await database.db
        .selectFrom('directory_password_history')
        .selectAll()
        .where('username', '=', 'hist')
        .orderBy('id')
        .execute();
      expect(rows.map((r) => r.created_at)).toEqual([now - 1_000, now]);
      expect(rows.every((r) => r.password_hash.startsWith('$argon2id$'))).toBe(true);
      expect((await findDirectoryUser(database.db, 'hist'))?.password_changed_at).toBe(now);
      // Current 3, history 2 and 1; 0 has left.
      for (const old of ['password-3', 'password-2', 'password-1'])
        expect(await directory.setPassword('hist', old, RESET), old).toStrictEqual({ ok: false, reason: 'in_history' });
      expect(await directory.setPassword('hist', 'password-0', RESET)).toStrictEqual(OK);
      expect(await directory.setPassword('hist', 'seven77', RESET)).toStrictEqual({ ok: false, reason: 'too_short' });
    } finally {
      await database.close();
    }
  });

  it('with a history of 0 allows reusing even the current password, and keeps no history', async () => {
    const database = await openTestDatabase('sqlite');
    try {
      const directory = createBuiltinDirectory(database.db, { passwordHistory: 0 });
      const person = { username: uniqueName('same'), password: 'the-same-password' };
      await addBuiltinPerson(database.db, person);
      expect(await directory.setPassword(person.username, 'the-same-password', RESET)).toStrictEqual(OK);
      expect(await database.db.selectFrom('directory_password_history').selectAll().execute()).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('counts a wrong current password toward the lockout, like a wrong sign-in', async () => {
    const database = await openTestDatabase('sqlite');
    try {
      const directory = createBuiltinDirectory(database.db, { lockoutThreshold: 2 });
      const person = { username: uniqueName('guess'), password: freshPassword('Initial') };
      await addBuiltinPerson(database.db, person);
      for (let i = 0; i < 2; i++)
        expect(await directory.setPassword(person.username, freshPassword(), change('not-the-password'))).toStrictEqual({
          ok: false,
          reason: 'wrong_current_password',
        });
      expect((await directory.lockStatus(person.username)).locked).toBe(true);
    } finally {
      await database.close();
    }
  });

  it('refuses options that make no sense', async () => {
    const database = await openTestDatabase('sqlite');
    try {
      expect(() => createBuiltinDirectory(database.db, { minPasswordLength: 0 })).toThrow(RangeError);
      expect(() => createBuiltinDirectory(database.db, { passwordHistory: -1 })).toThrow(RangeError);
      expect(() => createBuiltinDirectory(database.db, { passwordHistory: 1.5 })).toThrow(RangeError);
    } finally {
      await database.close();
    }
  });

  it('serialises racing resets: each is checked and written against the hash the one before it left', async () => {
    for (const dialect of availableDialects()) {
      const database = await openTestDatabase(dialect);
      try {
        const directory = createBuiltinDirectory(database.db, { passwordHistory: 10 });
        const person = { username: uniqueName('race'), password: freshPassword('Initial') };
        await addBuiltinPerson(database.db, person);
        const results = await Promise.all(
          ['Racing-one-pass', 'Racing-two-pass', 'Racing-three-pass'].map((p) => directory.setPassword(person.username, p, RESET)),
        );
        expect(results, dialect).toStrictEqual([OK, OK, OK]);
        const history = await database.db
          .selectFrom('directory_password_history')
          .selectAll()
          .where('username', '=', person.username)
          .execute();
        // The original and two of the three: each write replaced the hash the previous one wrote.
        expect(history, dialect).toHaveLength(3);
        const signedIn = await Promise.all(
          ['Racing-one-pass', 'Racing-two-pass', 'Racing-three-pass'].map((p) => directory.authenticate(person.username, p)),
        );
        expect(
          signedIn.filter((r) => r.ok),
          dialect,
        ).toHaveLength(1);
      } finally {
        await database.close();
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe.skipIf(!slapd)('OpenLDAP passwords beyond the contract', () => {
  const server = slapd!;
  const directory = createLdapDirectory(ldapConfig(server));

  afterAll(async () => {
    await directory.close();
  });

  /** A throwaway person in the shared slapd; returns their DN too. */
  async function ldapPerson(password = freshPassword('Initial')) {
    const username = uniqueName('pw');
    return { username, password, dn: await addLdapUser(server, { username, password }) };
  }

  async function binds(dn: string, password: string): Promise<boolean> {
    return ldapBind(server, dn, password).then(
      () => true,
      () => false,
    );
  }

  /** A ppolicy entry of the test's own, applied to one person through pwdPolicySubentry. */
  async function applyPolicy(dn: string, rules: Record<string, string>): Promise<void> {
    const name = uniqueName('policy');
    const policyDn = `cn=${name},ou=policies,${server.suffix}`;
    await withLdapAdmin(server, async (client) => {
      await client.add(policyDn, { objectClass: ['person', 'pwdPolicy'], cn: name, sn: name, pwdAttribute: 'userPassword', ...rules });
      await client.modify(
        dn,
        new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdPolicySubentry', values: [policyDn] }) }),
      );
    });
  }

  it('the directory itself sees the new password after a reset and a change (a direct bind), and not the old one', async () => {
    const person = await ldapPerson();
    const reset = freshPassword('Reset');
    expect(await directory.setPassword(person.username, reset, RESET)).toStrictEqual(OK);
    expect(await binds(person.dn, reset)).toBe(true);
    expect(await binds(person.dn, person.password)).toBe(false);
    const changed = freshPassword('Changed');
    expect(await directory.setPassword(person.username, changed, change(reset))).toStrictEqual(OK);
    expect(await binds(person.dn, changed)).toBe(true);
    expect(await binds(person.dn, reset)).toBe(false);
  });

  it('has slapd hash what it stores (the password-modify operation, not a clear-text modify)', async () => {
    const person = await ldapPerson();
    const next = freshPassword();
    expect(await directory.setPassword(person.username, next, RESET)).toStrictEqual(OK);
    const stored = await withLdapAdmin(server, (client) => client.search(person.dn, { scope: 'base', attributes: ['userPassword'] }));
    const value = String(stored.searchEntries[0]?.userPassword);
    expect(value).toMatch(/^\{[A-Z0-9-]+\}/);
    expect(value).not.toContain(next);
  });

  it("maps ppolicy's other refusals from its response control: minimum age, user changes not allowed, safe modify", async () => {
    const young = await ldapPerson();
    await applyPolicy(young.dn, { pwdMinAge: '3600', pwdInHistory: '1' });
    expect(await directory.setPassword(young.username, freshPassword(), RESET)).toStrictEqual(OK);
    // ppolicy applies pwdMinAge to the service account's resets too.
    expect(await directory.setPassword(young.username, freshPassword(), RESET)).toStrictEqual({ ok: false, reason: 'too_soon' });

    const locked = await ldapPerson();
    await applyPolicy(locked.dn, { pwdAllowUserChange: 'FALSE' });
    expect(await directory.setPassword(locked.username, freshPassword(), change(locked.password))).toStrictEqual({
      ok: false,
      reason: 'policy',
    });
    expect(await binds(locked.dn, locked.password)).toBe(true);

    // pwdSafeModify demands the old password even from an administrator: every reset is refused.
    const safe = await ldapPerson();
    await applyPolicy(safe.dn, { pwdSafeModify: 'TRUE' });
    expect(await directory.setPassword(safe.username, freshPassword(), RESET)).toStrictEqual({ ok: false, reason: 'policy' });
  });

  it('reads the policy named by LDAP_PASSWORD_POLICY_DN, and reports no rules when that entry is missing', async () => {
    const named = createLdapDirectory(ldapConfig(server, { passwordPolicyDn: SERVICE_POLICY_DN }));
    expect(await named.passwordPolicy()).toStrictEqual({ minLength: 0, historyCount: 0, lockoutThreshold: null });
    const logger = recordingLogger();
    const missing = createLdapDirectory(ldapConfig(server, { passwordPolicyDn: `cn=missing,ou=policies,${server.suffix}` }), { logger });
    expect(await missing.passwordPolicy()).toStrictEqual({ minLength: 0, historyCount: 0, lockoutThreshold: null });
    expect(logger.lines.join('\n')).toContain('LDAP_PASSWORD_POLICY_DN names no readable pwdPolicy entry');
    // Without the setting, the search finds several policies and takes the one named cn=default.
    expect(await directory.passwordPolicy()).toStrictEqual({ minLength: 8, historyCount: 3, lockoutThreshold: 3 });
  });

  it('refuses malformed input before contacting the server, and reports an unreachable one as unavailable', async () => {
    // Nothing listens here: any contact would throw DirectoryUnavailableError.
    const closed = createLdapDirectory(ldapConfig(server, { url: `ldap://127.0.0.1:${await freePort()}`, timeoutMs: 500 }));
    expect(await closed.setPassword('alice', '', RESET)).toStrictEqual({ ok: false, reason: 'policy' });
    expect(await closed.setPassword('alice', 'Fine-password-1', change(''))).toStrictEqual({ ok: false, reason: 'wrong_current_password' });
    expect(await closed.setPassword('', 'Fine-password-1', RESET)).toStrictEqual({ ok: false, reason: 'policy' });
    await expect(closed.setPassword('alice', 'Fine-password-1', RESET)).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(closed.passwordPolicy()).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });

  it('never logs a password, set or refused, and leaves the demo people alone', async () => {
    const logger = recordingLogger();
    const logged = createLdapDirectory(ldapConfig(server), { logger });
    const person = await ldapPerson();
    const next = freshPassword();
    const short = 'Tiny-1';
    expect(await logged.setPassword(person.username, short, RESET)).toStrictEqual({ ok: false, reason: 'too_short' });
    expect(await logged.setPassword(person.username, next, change(`${person.password}-wrong`))).toMatchObject({ ok: false });
    expect(await logged.setPassword(person.username, next, change(person.password))).toStrictEqual(OK);
    expect(await logged.setPassword(person.username, person.password, RESET)).toStrictEqual({ ok: false, reason: 'in_history' });
    expect(logger.lines.length).toBeGreaterThan(0);
    for (const line of logger.lines)
      for (const secret of [person.password, next, short, `${person.password}-wrong`]) expect(line).not.toContain(secret);
    expect(await logged.authenticate('alice', DEMO_PASSWORD)).toMatchObject({ ok: true });
  });
});

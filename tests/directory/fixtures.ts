/**
 * The directories the contract suites run against: the built-in directory on a fresh database
 * per dialect, and OpenLDAP (ppolicy) on the run's shared slapd reached as the portal's service
 * account. Each fixture can add throwaway people, so the demo people are never changed.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Attribute, Change } from 'ldapts';
import type { LdapConfig } from '../../server/config.js';
import type { Database } from '../../server/db/schema.js';
import { seedDemoDirectory } from '../../server/demo/seed.js';
import { createBuiltinDirectory } from '../../server/directory/builtin.js';
import { insertDirectoryUser, updateDirectoryUser } from '../../server/directory/builtin-repository.js';
import { createLdapDirectory, type LdapDirectoryLogger } from '../../server/directory/ldap.js';
import type { Directory, DirectoryPasswordPolicy } from '../../server/directory/port.js';
import { hashPassword } from '../../server/platform/secrets.js';
import { openTestDatabase, type DialectName } from '../harness/db.js';
import { addLdapUser, withLdapAdmin, type SlapdConnection } from '../harness/slapd.js';
import { TEST_POLICY, groupDn, userDn } from '../harness/slapd-seed.js';
import type { LifecycleFixture } from './lifecycle-contract.js';

export const REFUSED = { ok: false, reason: 'invalid_credentials' } as const;

/** A person a test adds for itself, so the demo people are never locked or changed. */
export interface NewPerson {
  username: string;
  password: string;
  displayName?: string;
  email?: string;
  groups?: string[];
  /** Built-in directory only: the manager's username on the person's row. */
  manager?: string;
}

export interface DirectoryFixture {
  directory: Directory;
  /** Failed sign-ins in a row that lock an account. */
  lockoutThreshold: number;
  /** The password rules this directory is set up with. */
  policy: DirectoryPasswordPolicy;
  addPerson(person: NewPerson): Promise<void>;
  /** The DNs the directory reports for these group names (none on the built-in directory), in its order. */
  groupDnsOf(names: readonly string[]): string[];
  /** Disables an account the way an administrator would. */
  disable(username: string): Promise<void>;
  close(): Promise<void>;
}

export function uniqueName(prefix: string): string {
  // Letters only: a hex suffix is all digits one time in 40, and then a username in a mail reads like
  // the 6- or 8-digit code the tests look for in that mail.
  const letters = Array.from(randomBytes(8), (byte) => String.fromCharCode(97 + (byte % 26))).join('');
  return `${prefix}-${letters}`;
}

/** A fresh person with a password nobody else uses (long enough for every directory's minimum). */
export async function throwawayPerson(fixture: DirectoryFixture, overrides: Partial<NewPerson> = {}): Promise<NewPerson> {
  const person: NewPerson = { username: uniqueName('temp'), password: `Throwaway-${randomBytes(6).toString('hex')}`, ...overrides };
  person.email ??= `${person.username}@example.com`;
  await fixture.addPerson(person);
  return person;
}

/** Adds a person to the built-in directory's tables. */
export async function addBuiltinPerson(db: Kysely<Database>, person: NewPerson): Promise<void> {
  const now = Date.now();
  const email = person.email ?? '';
  await insertDirectoryUser(
    db,
    {
      username: person.username,
      display_name: person.displayName ?? `Test ${person.username}`,
      email,
      email_lower: email.toLowerCase(),
      department: null,
      title: null,
      manager: person.manager ?? null,
      password_hash: await hashPassword(person.password),
      created_at: now,
      updated_at: now,
    },
    person.groups ?? [],
  );
}

/** The built-in directory on a fresh database seeded with the demo company; default password rules. */
export async function builtinFixture(dialect: DialectName): Promise<DirectoryFixture> {
  const database = await openTestDatabase(dialect);
  await seedDemoDirectory(database.db);
  const lockoutThreshold = 5;
  return {
    directory: createBuiltinDirectory(database.db, { lockoutThreshold }),
    lockoutThreshold,
    policy: { minLength: 12, historyCount: 5, lockoutThreshold },
    addPerson: (person) => addBuiltinPerson(database.db, person),
    groupDnsOf: () => [],
    async disable(username) {
      await updateDirectoryUser(database.db, username, { disabled: 1, updated_at: Date.now() });
    },
    close: () => database.close(),
  };
}

/** The portal's LDAP settings for a test slapd, as the service account (never the rootdn). */
export function ldapConfig(server: SlapdConnection, overrides: Partial<LdapConfig> = {}): LdapConfig {
  return {
    url: server.url,
    bindDn: server.serviceDn,
    bindPassword: server.servicePassword,
    userBase: server.userBase,
    groupBase: server.groupBase,
    flavor: 'openldap',
    startTls: false,
    caFile: undefined,
    timeoutMs: 3_000,
    allowPlaintext: true,
    ...overrides,
  };
}

/** OpenLDAP with ppolicy on the shared slapd (the harness's default policy). */
export function openLdapFixture(server: SlapdConnection): Promise<DirectoryFixture> {
  const directory = createLdapDirectory(ldapConfig(server));
  return Promise.resolve({
    directory,
    lockoutThreshold: TEST_POLICY.maxFailure,
    policy: { minLength: TEST_POLICY.minLength, historyCount: TEST_POLICY.historyCount, lockoutThreshold: TEST_POLICY.maxFailure },
    async addPerson(person) {
      await addLdapUser(server, {
        username: person.username,
        password: person.password,
        ...(person.displayName ? { displayName: person.displayName } : {}),
        ...(person.email ? { email: person.email } : {}),
        ...(person.groups ? { groups: person.groups } : {}),
      });
    },
    groupDnsOf: (names) => names.map((name) => groupDn(name, server.groupBase)).sort((a, b) => a.localeCompare(b)),
    async disable(username) {
      // ppolicy's "locked by an administrator until further notice".
      await withLdapAdmin(server, (client) =>
        client.modify(
          userDn(username, server.userBase),
          new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: ['000001010000Z'] }) }),
        ),
      );
    },
    close: () => directory.close(),
  });
}

/** A logger that keeps every line, to check that no secret ever reaches it. */
export function recordingLogger(): LdapDirectoryLogger & { lines: string[] } {
  const lines: string[] = [];
  const record = (details: Record<string, unknown>, message: string) => {
    lines.push(`${message} ${JSON.stringify(details)}`);
  };
  return { lines, warn: record, debug: record };
}

/**
 * Adds an empty group as the administrator (the portal's service account cannot create groups).
 * groupOfNames needs a member: the group's own DN stands in, as the port leaves it when the last
 * person goes. AD groups (objectClass group) may be empty.
 */
export async function addLdapGroup(
  server: SlapdConnection,
  name: string,
  options: { groupBase?: string; objectClass?: 'groupOfNames' | 'groupOfUniqueNames' | 'group' } = {},
): Promise<string> {
  const objectClass = options.objectClass ?? 'groupOfNames';
  const dn = groupDn(name, options.groupBase ?? server.groupBase);
  const attributes: Record<string, string> = { objectClass, cn: name };
  if (objectClass === 'groupOfNames') attributes.member = dn;
  if (objectClass === 'groupOfUniqueNames') attributes.uniqueMember = dn;
  await withLdapAdmin(server, (client) => client.add(dn, attributes));
  return dn;
}

/** The lifecycle contract's fixture for the built-in directory on a fresh database. */
export async function builtinLifecycleFixture(dialect: DialectName): Promise<LifecycleFixture> {
  const fixture = await builtinFixture(dialect);
  return { directory: fixture.directory, addGroup: async () => undefined, groupsMustExist: false, close: fixture.close };
}

/** The lifecycle contract's fixture for OpenLDAP on the shared slapd, as the service account. */
export async function openLdapLifecycleFixture(server: SlapdConnection): Promise<LifecycleFixture> {
  const fixture = await openLdapFixture(server);
  return {
    directory: fixture.directory,
    addGroup: async (name) => {
      await addLdapGroup(server, name);
    },
    groupsMustExist: true,
    close: fixture.close,
  };
}

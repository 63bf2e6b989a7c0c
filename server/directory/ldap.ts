/**
 * The LDAP implementation of the directory seam, for OpenLDAP (with the ppolicy overlay) and
 * Active Directory, on ldapts. Connections and binds live in ldap-client.ts, password rules and
 * writes in ldap-passwords.ts; this file maps people, groups and lockouts.
 *
 * Every operation opens its own connection bound as the service account (see ldap-client.ts);
 * sign-in checks the password with a second connection bound as the user.
 */
import { randomUUID } from 'node:crypto';
import { Attribute, Change, type Client, type Entry } from 'ldapts';
import type { LdapConfig } from '../config.js';
import {
  RESULT,
  createLdapConnector,
  first,
  hasCode,
  parseFileTime,
  parseGeneralizedTime,
  values,
  type LdapDirectoryLogger,
} from './ldap-client.js';
import { escapeFilterValue, firstRdnValue } from './ldap-escape.js';
import { OPENLDAP_PERMANENT_LOCK, createLifecycleOperations } from './ldap-lifecycle.js';
import { createPasswordOperations } from './ldap-passwords.js';
import type { AuthenticateResult, Directory, DirectoryUser, LockStatus } from './port.js';

export { parseFileTime, parseGeneralizedTime, type LdapDirectoryLogger };

export interface LdapDirectoryOptions {
  logger?: LdapDirectoryLogger;
}

/** userAccountControl ACCOUNTDISABLE. */
const AD_ACCOUNT_DISABLE = 0x2;
/** userAccountControl / msDS-User-Account-Control-Computed LOCKOUT. */
const AD_LOCKOUT = 0x10;

interface Flavor {
  usernameAttribute: string;
  /** Restricts searches to people (AD computer accounts are objectClass=user too). */
  personFilter: string;
  /** Attributes read for a user, including operational/state ones (never userPassword). */
  userAttributes: string[];
  departmentAttributes: string[];
}

const FLAVORS: Record<LdapConfig['flavor'], Flavor> = {
  openldap: {
    usernameAttribute: 'uid',
    personFilter: '(objectClass=inetOrgPerson)',
    // pwdAccountLockedTime is operational: it only comes back when asked for by name.
    userAttributes: [
      'uid',
      'cn',
      'displayName',
      'givenName',
      'sn',
      'mail',
      'ou',
      'departmentNumber',
      'title',
      'manager',
      'employeeNumber',
      'pwdAccountLockedTime',
    ],
    departmentAttributes: ['ou', 'departmentNumber'],
  },
  ad: {
    usernameAttribute: 'sAMAccountName',
    personFilter: '(objectCategory=person)(objectClass=user)',
    userAttributes: [
      'sAMAccountName',
      'cn',
      'displayName',
      'givenName',
      'sn',
      'mail',
      'department',
      'title',
      'manager',
      'employeeNumber',
      'memberOf',
      'userAccountControl',
    ],
    departmentAttributes: ['department'],
  },
};

/**
 * True for input no person's name or address can contain. NUL gets special care: OpenLDAP's
 * IA5 (mail) matching stops at a NUL, so `alice@example.com\0anything` would find Alice.
 */
function isUnmatchable(value: unknown): boolean {
  return typeof value !== 'string' || value === '' || value.includes('\0');
}

const INVALID: AuthenticateResult = Object.freeze({ ok: false, reason: 'invalid_credentials' });

/** Creates the LDAP directory described by `config` (flavour OpenLDAP or Active Directory). */
export function createLdapDirectory(config: LdapConfig, options: LdapDirectoryOptions = {}): Directory {
  const flavor = FLAVORS[config.flavor];
  const logger = options.logger;
  const connector = createLdapConnector(config, logger);
  const asService = connector.asService;

  async function searchPeople(client: Client, filter: string, sizeLimit: number): Promise<Entry[]> {
    const { searchEntries } = await client.search(config.userBase, {
      scope: 'sub',
      filter: `(&${flavor.personFilter}${filter})`,
      attributes: flavor.userAttributes,
      sizeLimit,
    });
    return searchEntries;
  }

  /** The one entry whose username is `username`; null when none or (misconfigured directory) several. */
  async function findEntry(client: Client, username: string): Promise<Entry | null> {
    if (isUnmatchable(username)) return null;
    const entries = await searchPeople(client, `(${flavor.usernameAttribute}=${escapeFilterValue(username)})`, 2);
    if (entries.length > 1) logger?.warn({ username, matches: entries.length }, 'LDAP username is not unique; refusing to pick one');
    return entries.length === 1 ? entries[0]! : null;
  }

  function isDisabled(entry: Entry): boolean {
    if (config.flavor === 'ad') return (Number(first(entry, 'userAccountControl') ?? 0) & AD_ACCOUNT_DISABLE) !== 0;
    return first(entry, 'pwdAccountLockedTime') === OPENLDAP_PERMANENT_LOCK;
  }

  /** Username of the entry at `dn`; null when it no longer exists. Cached per operation. */
  async function usernameAt(client: Client, dn: string, cache: Map<string, Promise<string | null>>): Promise<string | null> {
    let pending = cache.get(dn);
    if (!pending) {
      pending = client
        .search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: [flavor.usernameAttribute] })
        .then(({ searchEntries }) => (searchEntries[0] ? first(searchEntries[0], flavor.usernameAttribute) : null))
        .catch((error: unknown) => {
          // A manager who left the company leaves a dangling (or mistyped) DN behind; that is
          // "no manager", not an outage.
          if (hasCode(error, RESULT.noSuchObject, RESULT.invalidDnSyntax)) return null;
          throw error;
        });
      cache.set(dn, pending);
    }
    return pending;
  }

  /** The groups a person belongs to: names to show, DNs to map roles from. */
  async function groupsOf(client: Client, entry: Entry): Promise<{ names: string[]; dns: string[] }> {
    const found = new Map<string, string>();
    if (config.flavor === 'ad') {
      for (const dn of values(entry, 'memberOf')) {
        const name = firstRdnValue(dn);
        if (name) found.set(dn, name);
      }
    }
    if (found.size === 0) {
      const member = escapeFilterValue(entry.dn);
      const filter =
        config.flavor === 'ad'
          ? `(&(objectClass=group)(member=${member}))`
          : `(|(&(objectClass=groupOfNames)(member=${member}))(&(objectClass=groupOfUniqueNames)(uniqueMember=${member})))`;
      const { searchEntries } = await client.search(config.groupBase, { scope: 'sub', filter, attributes: ['cn'] });
      for (const group of searchEntries) found.set(group.dn, first(group, 'cn') ?? firstRdnValue(group.dn) ?? group.dn);
      // Role groups named by DN outside the group base: the search above cannot see them, so ask
      // each of those entries directly whether this person is a member.
      for (const groupDn of config.roleGroupDns ?? []) {
        try {
          const { searchEntries: hits } = await client.search(groupDn, { scope: 'base', filter, attributes: ['cn'] });
          for (const group of hits) found.set(group.dn, first(group, 'cn') ?? firstRdnValue(group.dn) ?? group.dn);
        } catch (error) {
          // A configured group that does not exist (yet) grants nothing; it is not an outage.
          if (!hasCode(error, RESULT.noSuchObject, RESULT.invalidDnSyntax)) throw error;
        }
      }
    }
    return {
      names: [...new Set(found.values())].sort((a, b) => a.localeCompare(b)),
      dns: [...found.keys()].sort((a, b) => a.localeCompare(b)),
    };
  }

  async function toUser(
    client: Client,
    entry: Entry,
    managers: Map<string, Promise<string | null>>,
    locked: boolean,
    brief = false,
  ): Promise<DirectoryUser> {
    const managerDn = brief ? null : first(entry, 'manager');
    const groups = brief ? { names: [], dns: [] } : await groupsOf(client, entry);
    return {
      username: first(entry, flavor.usernameAttribute) ?? '',
      displayName: first(entry, 'displayName', 'cn') ?? first(entry, flavor.usernameAttribute) ?? '',
      givenName: first(entry, 'givenName'),
      familyName: first(entry, 'sn'),
      email: first(entry, 'mail') ?? '',
      department: first(entry, ...flavor.departmentAttributes),
      title: first(entry, 'title'),
      manager: managerDn ? await usernameAt(client, managerDn, managers) : null,
      employeeNumber: first(entry, 'employeeNumber'),
      groups: groups.names,
      groupDns: groups.dns,
      disabled: isDisabled(entry),
      locked,
    };
  }

  /** A person with their current lock read from the directory (one more read on AD). */
  async function toUserWithLock(
    client: Client,
    entry: Entry,
    managers: Map<string, Promise<string | null>>,
    brief = false,
  ): Promise<DirectoryUser> {
    // A brief look-up makes no second read (AD's lock needs one), so it costs the same as a miss.
    const locked = brief && config.flavor === 'ad' ? false : (await readLock(client, entry)).locked;
    return toUser(client, entry, managers, locked, brief);
  }

  /** The lock as the directory records it; `value` is what unlock must remove (OpenLDAP). */
  async function readLock(client: Client, entry: Entry): Promise<LockStatus & { value: string | null }> {
    if (config.flavor === 'ad') {
      // msDS-User-Account-Control-Computed is constructed: AD only returns it on a base-scope read.
      // It is the reliable answer (lockoutTime stays set after the lockout duration has passed).
      const { searchEntries } = await client.search(entry.dn, {
        scope: 'base',
        filter: '(objectClass=*)',
        attributes: ['lockoutTime', 'msDS-User-Account-Control-Computed'],
      });
      const current = searchEntries[0];
      if (!current) return { locked: false, lockedAt: null, value: null };
      const lockoutTime = first(current, 'lockoutTime');
      const computed = first(current, 'msDS-User-Account-Control-Computed');
      const locked = computed !== null ? (Number(computed) & AD_LOCKOUT) !== 0 : lockoutTime !== null && /^[1-9]\d*$/.test(lockoutTime);
      return { locked, lockedAt: locked && lockoutTime ? parseFileTime(lockoutTime) : null, value: lockoutTime };
    }
    const value = first(entry, 'pwdAccountLockedTime');
    // The permanent lock is an administrator's "disabled", not a lockout an unlock should lift.
    if (value === null || value === OPENLDAP_PERMANENT_LOCK) return { locked: false, lockedAt: null, value: null };
    return { locked: true, lockedAt: parseGeneralizedTime(value), value };
  }

  /** Checks the password with a simple bind as the user on a connection of its own. */
  async function passwordMatches(dn: string, password: string): Promise<boolean> {
    return (await connector.asUser('check a password', dn, password, async () => true)).bound;
  }

  /**
   * A bind that cannot succeed (a DN that does not exist), so a sign-in for an unknown or disabled
   * user costs the same round trips as a wrong password and its timing does not tell them apart.
   */
  async function decoyBind(password: string): Promise<void> {
    await passwordMatches(`${flavor.usernameAttribute}=portal-timing-decoy-${randomUUID()},${config.userBase}`, password);
  }

  /** Clears a lockout by failed sign-ins; an administrator's permanent lock (disabled) stays. */
  async function clearLockout(client: Client, entry: Entry): Promise<void> {
    if (config.flavor === 'ad') {
      // Writing 0 is the only change AD allows to lockoutTime; it also resets badPwdCount.
      await client.modify(
        entry.dn,
        new Change({ operation: 'replace', modification: new Attribute({ type: 'lockoutTime', values: ['0'] }) }),
      );
      return;
    }
    const lock = await readLock(client, entry);
    if (lock.value === null) return;
    try {
      // Delete exactly the value we saw, so an administrator's permanent lock set in the
      // meantime is not lifted. ppolicy clears pwdFailureTime along with it.
      await client.modify(
        entry.dn,
        new Change({ operation: 'delete', modification: new Attribute({ type: 'pwdAccountLockedTime', values: [lock.value] }) }),
      );
    } catch (error) {
      // Someone (or a successful sign-in after the lockout expired) got there first.
      if (!hasCode(error, RESULT.noSuchAttribute)) throw error;
    }
  }

  const passwords = createPasswordOperations({ config, connector, logger, findEntry, isDisabled, clearLockout });
  const lifecycle = createLifecycleOperations({
    config,
    connector,
    usernameAttribute: flavor.usernameAttribute,
    personFilter: flavor.personFilter,
    findEntry,
    toUser: (client, entry, managers) => toUserWithLock(client, entry, managers),
  });

  return {
    kind: 'ldap',

    async authenticate(username, password) {
      // An empty password is an "unauthenticated bind", which AD answers with success: refuse
      // anything but a non-empty string before a single packet leaves.
      if (typeof username !== 'string' || typeof password !== 'string' || username === '' || password === '') return INVALID;
      return asService('check a sign-in', async (client) => {
        const entry = await findEntry(client, username);
        if (!entry) {
          await decoyBind(password);
          logger?.debug?.({ username }, 'LDAP sign-in refused: no such user');
          return INVALID;
        }
        if (isDisabled(entry)) {
          // Not bound for real: a disabled account's failed bind should not count toward a lockout.
          await decoyBind(password);
          logger?.debug?.({ username }, 'LDAP sign-in refused: account disabled');
          return INVALID;
        }
        if (!(await passwordMatches(entry.dn, password))) {
          logger?.debug?.({ username }, 'LDAP sign-in refused by the directory');
          return INVALID;
        }
        // The bind just succeeded, so the account is not locked out.
        return { ok: true, user: await toUser(client, entry, new Map(), false) };
      });
    },

    async findUser(username, options) {
      return asService('look up a user', async (client) => {
        const entry = await findEntry(client, username);
        return entry ? toUserWithLock(client, entry, new Map(), options?.brief) : null;
      });
    },

    async findUserByEmail(email, options) {
      if (isUnmatchable(email) || email.trim() === '') return null;
      return asService('look up a user by mail', async (client) => {
        const entries = await searchPeople(client, `(mail=${escapeFilterValue(email.trim())})`, 2);
        return entries.length === 1 ? toUserWithLock(client, entries[0]!, new Map(), options?.brief) : null;
      });
    },

    async searchUsers(query, limit) {
      const text = typeof query === 'string' ? query.trim() : '';
      const max = Math.floor(limit);
      if (!(max > 0) || text.includes('\0')) return [];
      // The empty string is a substring of every name: list people, as the built-in directory does.
      const value = `*${escapeFilterValue(text)}*`;
      const filter =
        text === ''
          ? `(${flavor.usernameAttribute}=*)`
          : `(|(${flavor.usernameAttribute}=${value})(displayName=${value})(cn=${value})(mail=${value}))`;
      return asService('search users', async (client) => {
        const entries = await searchPeople(client, filter, max);
        const managers = new Map<string, Promise<string | null>>();
        const users: DirectoryUser[] = [];
        // One at a time: each user costs a group search, and a burst would hammer the server.
        for (const entry of entries.slice(0, max)) users.push(await toUserWithLock(client, entry, managers));
        return users.sort((a, b) => a.displayName.localeCompare(b.displayName) || a.username.localeCompare(b.username));
      });
    },

    async listReports(manager) {
      return asService('list reports', async (client) => {
        const entry = await findEntry(client, manager);
        if (!entry) return [];
        const { searchEntries } = await client.search(config.userBase, {
          scope: 'sub',
          filter: `(&${flavor.personFilter}(manager=${escapeFilterValue(entry.dn)}))`,
          attributes: [flavor.usernameAttribute],
        });
        return searchEntries
          .map((report) => first(report, flavor.usernameAttribute))
          .filter((name): name is string => name !== null)
          .sort((a, b) => a.localeCompare(b));
      });
    },

    async lockStatus(username) {
      return asService('read a lock', async (client) => {
        const entry = await findEntry(client, username);
        if (!entry) return { locked: false, lockedAt: null };
        const { locked, lockedAt } = await readLock(client, entry);
        return { locked, lockedAt };
      });
    },

    async unlock(username) {
      await asService('unlock an account', async (client) => {
        const entry = await findEntry(client, username);
        if (entry) await clearLockout(client, entry);
      });
    },

    ...passwords,

    ...lifecycle,

    async ping() {
      await asService('be reached', async () => undefined);
    },

    async close() {
      await connector.close();
    },
  };
}

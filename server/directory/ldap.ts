/**
 * The LDAP implementation of the directory seam, for OpenLDAP (with the ppolicy overlay) and
 * Active Directory, on ldapts.
 *
 * Every operation opens its own connection, binds as the service account, does its work and
 * unbinds in `finally`: nothing is pooled, so a directory restart or a failover never leaves the
 * portal holding a dead socket, and a user's bind never shares a connection with the service
 * account. Sign-in checks the password with a second connection bound as the user.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Attribute, Change, Client, ResultCodeError, type Entry } from 'ldapts';
import type { LdapConfig } from '../config.js';
import { escapeFilterValue, firstRdnValue } from './ldap-escape.js';
import { DirectoryUnavailableError, type AuthenticateResult, type Directory, type DirectoryUser, type LockStatus } from './port.js';

/** The slice of a pino-style logger this module uses: `(details, message)`. */
export interface LdapDirectoryLogger {
  warn(details: Record<string, unknown>, message: string): void;
  debug?(details: Record<string, unknown>, message: string): void;
}

export interface LdapDirectoryOptions {
  logger?: LdapDirectoryLogger;
}

/** LDAP result codes this module acts on (RFC 4511 §4.1.9). */
const RESULT = {
  noSuchAttribute: 16,
  noSuchObject: 32,
  invalidDnSyntax: 34,
  invalidCredentials: 49,
  unwillingToPerform: 53,
} as const;

/** ppolicy's value for "locked by an administrator until further notice": we treat it as disabled. */
const OPENLDAP_PERMANENT_LOCK = '000001010000Z';
/** userAccountControl ACCOUNTDISABLE. */
const AD_ACCOUNT_DISABLE = 0x2;
/** userAccountControl / msDS-User-Account-Control-Computed LOCKOUT. */
const AD_LOCKOUT = 0x10;
/** 100-ns intervals between 1601-01-01 (FILETIME epoch) and 1970-01-01. */
const FILETIME_UNIX_EPOCH = 116_444_736_000_000_000n;

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
    userAttributes: ['uid', 'cn', 'displayName', 'mail', 'ou', 'departmentNumber', 'title', 'manager', 'pwdAccountLockedTime'],
    departmentAttributes: ['ou', 'departmentNumber'],
  },
  ad: {
    usernameAttribute: 'sAMAccountName',
    personFilter: '(objectCategory=person)(objectClass=user)',
    userAttributes: ['sAMAccountName', 'cn', 'displayName', 'mail', 'department', 'title', 'manager', 'memberOf', 'userAccountControl'],
    departmentAttributes: ['department'],
  },
};

/** All values of an attribute as strings; ldapts keys entries by the server's spelling, so match case-insensitively. */
function values(entry: Entry, attribute: string): string[] {
  const wanted = attribute.toLowerCase();
  for (const [key, value] of Object.entries(entry)) {
    if (key.toLowerCase() !== wanted || key === 'dn') continue;
    const list = Array.isArray(value) ? value : [value];
    return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
  }
  return [];
}

/** The first non-empty value of the first attribute that has one. */
function first(entry: Entry, ...attributes: string[]): string | null {
  for (const attribute of attributes) {
    const value = values(entry, attribute).find((v) => v !== '');
    if (value !== undefined) return value;
  }
  return null;
}

/** LDAP GeneralizedTime (`20261124101500Z`, `20261124101500.123456Z`, `…+0100`) → Date. */
export function parseGeneralizedTime(value: string): Date | null {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{4})$/.exec(value);
  if (!match) return null;
  const [, year, month, day, hour, minute = '00', second = '00', fraction = '0', zone = 'Z'] = match;
  const millis = Math.round(Number(`0.${fraction}`) * 1000);
  const utc = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), millis);
  const offsetMinutes = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  const date = new Date(utc - offsetMinutes * 60_000);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Active Directory FILETIME (100-ns ticks since 1601) → Date; null for 0 or garbage. */
export function parseFileTime(value: string): Date | null {
  if (!/^\d+$/.test(value)) return null;
  const ticks = BigInt(value);
  if (ticks === 0n) return null;
  return new Date(Number((ticks - FILETIME_UNIX_EPOCH) / 10_000n));
}

/** Human description of an ldapts/socket error without ever including request contents. */
function describeError(error: unknown): string {
  if (error instanceof ResultCodeError) return `LDAP result ${error.code}: ${error.message}`;
  if (error instanceof Error)
    return (error as NodeJS.ErrnoException).code ? `${(error as NodeJS.ErrnoException).code}: ${error.message}` : error.message;
  return String(error);
}

function isProgrammingError(error: unknown): boolean {
  return error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError || error instanceof SyntaxError;
}

function hasCode(error: unknown, ...codes: number[]): boolean {
  return error instanceof ResultCodeError && codes.includes(error.code);
}

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
  const url = new URL(config.url);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const secureUrl = url.protocol === 'ldaps:';
  const tlsOptions: ConnectionOptions = {
    // Read once at start: a missing CA file is a configuration error worth failing loudly on.
    ...(config.caFile ? { ca: [readFileSync(config.caFile)] } : {}),
    // The name the certificate is checked against; SNI only takes host names, not IP addresses.
    host: hostname,
    ...(net.isIP(hostname) === 0 ? { servername: hostname } : {}),
  };
  const active = new Set<Client>();
  let closed = false;

  const logged = new WeakSet<Error>();

  /** Wraps a transport or server failure (logging it once) so callers see one error type. */
  function unavailable(operation: string, error: unknown): DirectoryUnavailableError {
    const wrapped =
      error instanceof DirectoryUnavailableError
        ? error
        : new DirectoryUnavailableError(`LDAP directory ${config.url} could not ${operation}: ${describeError(error)}`, { cause: error });
    if (!logged.has(wrapped)) {
      logged.add(wrapped);
      logger?.warn({ operation, url: config.url, error: wrapped.message }, 'LDAP directory unavailable');
    }
    return wrapped;
  }

  /** A connected client (StartTLS done when configured); the caller must `release` it. */
  async function connect(): Promise<Client> {
    if (closed) throw new DirectoryUnavailableError('The LDAP directory has been closed');
    const client = new Client({
      url: config.url,
      timeout: config.timeoutMs,
      connectTimeout: config.timeoutMs,
      // ldapts switches to TLS-from-the-first-byte whenever tlsOptions is given, so pass it
      // only for ldaps:// — StartTLS gets its options in startTLS() below.
      ...(secureUrl ? { tlsOptions } : {}),
    });
    active.add(client);
    if (config.startTls && !secureUrl) {
      // ldapts puts no timer on the TLS handshake after StartTLS; a stalled server would hang us.
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          client.startTLS({ ...tlsOptions }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`StartTLS timed out after ${config.timeoutMs} ms`)), config.timeoutMs);
          }),
        ]);
      } catch (error) {
        await release(client);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    }
    return client;
  }

  async function release(client: Client): Promise<void> {
    active.delete(client);
    // unbind() also destroys the socket; errors here (already closed, timed out) change nothing.
    await client.unbind().catch(() => undefined);
  }

  /** Runs `work` on a connection bound as the service account; any transport failure → DirectoryUnavailableError. */
  async function asService<T>(operation: string, work: (client: Client) => Promise<T>): Promise<T> {
    let client: Client | undefined;
    try {
      client = await connect();
      try {
        await client.bind(config.bindDn, config.bindPassword);
      } catch (error) {
        if (hasCode(error, RESULT.invalidCredentials, RESULT.unwillingToPerform)) {
          throw new DirectoryUnavailableError(
            `LDAP directory ${config.url} refused the service account ${config.bindDn}; check LDAP_BIND_DN and LDAP_BIND_PASSWORD`,
            { cause: error },
          );
        }
        throw error;
      }
      return await work(client);
    } catch (error) {
      if (isProgrammingError(error)) throw error;
      throw unavailable(operation, error);
    } finally {
      if (client) await release(client);
    }
  }

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

  async function groupsOf(client: Client, entry: Entry): Promise<string[]> {
    const names = new Set<string>();
    if (config.flavor === 'ad') {
      for (const dn of values(entry, 'memberOf')) {
        const name = firstRdnValue(dn);
        if (name) names.add(name);
      }
    }
    if (names.size === 0) {
      const member = escapeFilterValue(entry.dn);
      const filter =
        config.flavor === 'ad'
          ? `(&(objectClass=group)(member=${member}))`
          : `(|(&(objectClass=groupOfNames)(member=${member}))(&(objectClass=groupOfUniqueNames)(uniqueMember=${member})))`;
      const { searchEntries } = await client.search(config.groupBase, { scope: 'sub', filter, attributes: ['cn'] });
      for (const group of searchEntries) {
        const name = first(group, 'cn');
        if (name) names.add(name);
      }
    }
    return [...names].sort((a, b) => a.localeCompare(b));
  }

  async function toUser(client: Client, entry: Entry, managers: Map<string, Promise<string | null>>): Promise<DirectoryUser> {
    const managerDn = first(entry, 'manager');
    return {
      username: first(entry, flavor.usernameAttribute) ?? '',
      displayName: first(entry, 'displayName', 'cn') ?? first(entry, flavor.usernameAttribute) ?? '',
      email: first(entry, 'mail') ?? '',
      department: first(entry, ...flavor.departmentAttributes),
      title: first(entry, 'title'),
      manager: managerDn ? await usernameAt(client, managerDn, managers) : null,
      groups: await groupsOf(client, entry),
      disabled: isDisabled(entry),
    };
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
    let client: Client | undefined;
    try {
      client = await connect();
      await client.bind(dn, password);
      return true;
    } catch (error) {
      // 49: wrong password, locked, disabled or expired (the server does not say which);
      // 53: OpenLDAP's answer to a DN with an empty password (refused before we get here anyway).
      if (hasCode(error, RESULT.invalidCredentials, RESULT.unwillingToPerform)) return false;
      if (isProgrammingError(error)) throw error;
      throw unavailable('check a password', error);
    } finally {
      if (client) await release(client);
    }
  }

  /**
   * A bind that cannot succeed (a DN that does not exist), so a sign-in for an unknown or disabled
   * user costs the same round trips as a wrong password and its timing does not tell them apart.
   */
  async function decoyBind(password: string): Promise<void> {
    await passwordMatches(`${flavor.usernameAttribute}=portal-timing-decoy-${randomUUID()},${config.userBase}`, password);
  }

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
        return { ok: true, user: await toUser(client, entry, new Map()) };
      });
    },

    async findUser(username) {
      return asService('look up a user', async (client) => {
        const entry = await findEntry(client, username);
        return entry ? toUser(client, entry, new Map()) : null;
      });
    },

    async findUserByEmail(email) {
      if (isUnmatchable(email) || email.trim() === '') return null;
      return asService('look up a user by mail', async (client) => {
        const entries = await searchPeople(client, `(mail=${escapeFilterValue(email.trim())})`, 2);
        return entries.length === 1 ? toUser(client, entries[0]!, new Map()) : null;
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
        for (const entry of entries.slice(0, max)) users.push(await toUser(client, entry, managers));
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
        if (!entry) return;
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
      });
    },

    async ping() {
      await asService('be reached', async () => undefined);
    },

    async close() {
      closed = true;
      await Promise.all([...active].map((client) => release(client)));
    },
  };
}

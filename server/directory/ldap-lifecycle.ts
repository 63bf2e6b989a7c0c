/**
 * Account lifecycle on LDAP: create, enable/disable, update, delete, group membership and listing,
 * for OpenLDAP (inetOrgPerson + ppolicy) and Active Directory (user + userAccountControl).
 *
 * What is written:
 * - OpenLDAP: `uid=<username>,<userBase>` (RFC 4514-escaped), objectClass inetOrgPerson, uid, cn and
 *   displayName (display name), givenName, sn, mail, ou (department), title, manager (DN),
 *   employeeNumber. Disabled = ppolicy's permanent lock `pwdAccountLockedTime: 000001010000Z`;
 *   enabling deletes exactly that value (a lockout by failed sign-ins is left to unlock).
 * - Active Directory: `cn=<username>,<userBase>`, objectClass user, sAMAccountName, displayName,
 *   givenName, sn, mail, department, title, manager, employeeNumber, userAccountControl 514
 *   (NORMAL_ACCOUNT + ACCOUNTDISABLE) or 512; other userAccountControl bits are kept on
 *   enable/disable. Over an encrypted connection a random unicodePwd nobody knows is set at
 *   creation, since AD refuses to enable an account without a password. AD fills objectCategory.
 * - Groups: the group entry `cn=<name>,<groupBase>` (a bare name means a group directly under the
 *   group base, as in role mapping); membership is its `member` (groupOfNames, AD group) or
 *   `uniqueMember` (groupOfUniqueNames) value. groupOfNames must keep one member, so removing the
 *   last person leaves the group's own DN as a placeholder member (it names no person).
 *
 * Expected refusals are values; failures reaching the directory throw DirectoryUnavailableError
 * (via the connector), so the job queue retries them.
 */
import { randomBytes } from 'node:crypto';
import { Attribute, Change, Control, type Client, type Entry } from 'ldapts';
import type { LdapConfig } from '../config.js';
import { encodeUnicodePwd } from './ad-password.js';
import { RESULT, first, hasCode, values, type LdapConnector } from './ldap-client.js';
import { escapeDnValue, escapeFilterValue, normalizeDn } from './ldap-escape.js';
import { checkChange, checkGroupName, checkNewAccount, checkPage, checkUsername, type CheckedChange } from './lifecycle.js';
import type { Directory, DirectoryGroup, DirectoryUser, DirectoryWriteResult } from './port.js';

/** ppolicy's value for "locked by an administrator until further notice": the port's "disabled". */
export const OPENLDAP_PERMANENT_LOCK = '000001010000Z';
/** userAccountControl NORMAL_ACCOUNT and ACCOUNTDISABLE. */
const AD_NORMAL_ACCOUNT = 0x200;
const AD_ACCOUNT_DISABLE = 0x2;

/** Result codes only lifecycle writes act on (RFC 4511 §4.1.9). */
const LIFECYCLE_RESULT = {
  attributeOrValueExists: 20,
  invalidAttributeSyntax: 21,
  objectClassViolation: 65,
  entryAlreadyExists: 68,
} as const;

/**
 * AD's Tree Delete control: a user object can hold child objects (Exchange's ActiveSync device
 * container, say), and without it AD refuses to delete it (notAllowedOnNonLeaf). Not critical,
 * so a server that does not know it deletes a leaf as usual.
 */
const AD_TREE_DELETE = '1.2.840.113556.1.4.805';

const OK: DirectoryWriteResult = Object.freeze({ ok: true });
const refuse = (reason: Exclude<DirectoryWriteResult, { ok: true }>['reason']): DirectoryWriteResult => ({ ok: false, reason });

/**
 * A value the directory's schema refuses (mail is ASCII-only in LDAP, say) is bad input that no
 * retry fixes: a TypeError, which the connector passes through instead of calling it an outage.
 */
function refusedValue(error: unknown): unknown {
  if (!hasCode(error, LIFECYCLE_RESULT.invalidAttributeSyntax)) return error;
  return new TypeError(`The directory refused a value: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

export interface LifecycleContext {
  config: LdapConfig;
  connector: LdapConnector;
  usernameAttribute: string;
  /** Restricts searches to people, e.g. `(objectClass=inetOrgPerson)`. */
  personFilter: string;
  findEntry(client: Client, username: string): Promise<Entry | null>;
  /** The person at `entry`, with groups, manager and lock, as findUser returns them. */
  toUser(client: Client, entry: Entry, managers: Map<string, Promise<string | null>>): Promise<DirectoryUser>;
}

type LifecycleOperations = Pick<
  Directory,
  'createUser' | 'setEnabled' | 'updateUser' | 'deleteUser' | 'addToGroup' | 'removeFromGroup' | 'listGroups' | 'listUsers'
>;

export function createLifecycleOperations(context: LifecycleContext): LifecycleOperations {
  const { config, connector, usernameAttribute, personFilter, findEntry } = context;
  const ad = config.flavor === 'ad';
  const asService = connector.asService;
  const departmentAttribute = ad ? 'department' : 'ou';
  const groupFilter = ad ? '(objectClass=group)' : '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))';

  /** The DN of a new account: the username is the RDN (unique in the OU, unlike display names). */
  function newUserDn(username: string): string {
    return `${ad ? 'cn' : 'uid'}=${escapeDnValue(username)},${config.userBase}`;
  }

  function groupDnOf(name: string): string {
    return `cn=${escapeDnValue(name)},${config.groupBase}`;
  }

  /** The group entry directly under the group base with this name; null when there is none. */
  async function findGroup(client: Client, name: string): Promise<Entry | null> {
    try {
      const { searchEntries } = await client.search(groupDnOf(name), {
        scope: 'base',
        filter: groupFilter,
        attributes: ['objectClass', 'cn'],
      });
      return searchEntries[0] ?? null;
    } catch (error) {
      if (hasCode(error, RESULT.noSuchObject, RESULT.invalidDnSyntax)) return null;
      throw error;
    }
  }

  function memberAttributeOf(group: Entry): 'member' | 'uniqueMember' {
    const classes = values(group, 'objectClass').map((c) => c.toLowerCase());
    return classes.includes('groupofuniquenames') && !classes.includes('groupofnames') ? 'uniqueMember' : 'member';
  }

  /** Resolves a manager's username to their DN: undefined = leave as is, null = clear, false = no such person. */
  async function managerDnFor(
    client: Client,
    manager: string | null | undefined,
    self: string,
  ): Promise<string | null | undefined | false> {
    if (manager === undefined) return undefined;
    if (manager === null) return null;
    // Nobody is their own manager (it would make a loop of approvals).
    if (manager.toLowerCase() === self.toLowerCase()) return false;
    const entry = await findEntry(client, manager);
    return entry ? entry.dn : false;
  }

  function replace(type: string, value: string | null | Buffer): Change {
    // Replace with no values deletes the attribute, and is harmless when it is absent.
    return new Change({ operation: 'replace', modification: new Attribute({ type, values: value === null ? [] : ([value] as string[]) }) });
  }

  /** The profile changes to the entry at `dn` as attribute replacements. */
  function profileChanges(dn: string, change: CheckedChange, managerDn: string | null | undefined): Change[] {
    const changes: Change[] = [];
    if (change.displayName !== undefined) {
      changes.push(replace('displayName', change.displayName));
      // On OpenLDAP cn is the display name too, unless cn names the entry (`cn=Alice Anderson,…`,
      // and AD's `cn=<username>`): an RDN value cannot change by modify (that would be a rename).
      if (!/^\s*cn\s*=/i.test(dn)) changes.push(replace('cn', change.displayName));
    }
    if (change.givenName !== undefined) changes.push(replace('givenName', change.givenName));
    if (change.familyName !== undefined) changes.push(replace('sn', change.familyName));
    if (change.email !== undefined) changes.push(replace('mail', change.email));
    if (change.department !== undefined) changes.push(replace(departmentAttribute, change.department));
    if (change.title !== undefined) changes.push(replace('title', change.title));
    if (change.employeeNumber !== undefined) changes.push(replace('employeeNumber', change.employeeNumber));
    if (managerDn !== undefined) changes.push(replace('manager', managerDn));
    return changes;
  }

  /** Every person's DN (normalized) → username, for turning member DNs into usernames. */
  async function peopleByDn(client: Client): Promise<Map<string, string>> {
    const { searchEntries } = await client.search(config.userBase, {
      scope: 'sub',
      filter: `(&${personFilter}(${usernameAttribute}=*))`,
      attributes: [usernameAttribute],
      paged: { pageSize: 500 },
    });
    const people = new Map<string, string>();
    for (const entry of searchEntries) {
      const dn = normalizeDn(entry.dn);
      const username = first(entry, usernameAttribute);
      if (dn && username) people.set(dn, username);
    }
    return people;
  }

  /** Removes `memberDn` from a group, leaving the group's own DN behind if it was the last member. */
  async function removeMember(client: Client, groupDn: string, attribute: string, memberDn: string): Promise<void> {
    try {
      await client.modify(
        groupDn,
        new Change({ operation: 'delete', modification: new Attribute({ type: attribute, values: [memberDn] }) }),
      );
    } catch (error) {
      // Not a member (or no longer): the wanted state already holds.
      if (hasCode(error, RESULT.noSuchAttribute)) return;
      if (!hasCode(error, LIFECYCLE_RESULT.objectClassViolation)) throw error;
      // groupOfNames needs a member: swap the last person for the placeholder in one modify.
      await client.modify(groupDn, [
        new Change({ operation: 'add', modification: new Attribute({ type: attribute, values: [groupDn] }) }),
        new Change({ operation: 'delete', modification: new Attribute({ type: attribute, values: [memberDn] }) }),
      ]);
    }
  }

  return {
    async createUser(account, options) {
      const checked = checkNewAccount(account);
      const enabled = options?.enabled === true;
      return asService('create an account', async (client) => {
        if (await findEntry(client, checked.username)) return refuse('username_taken');
        const managerDn = await managerDnFor(client, checked.manager, checked.username);
        if (managerDn === false) return refuse('no_such_manager');
        const attributes: Attribute[] = [];
        const add = (type: string, value: string | Buffer | null | undefined) => {
          if (value !== null && value !== undefined) attributes.push(new Attribute({ type, values: [value] as string[] }));
        };
        if (ad) {
          attributes.push(new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }));
          add('cn', checked.username);
          add('sAMAccountName', checked.username);
          add('userAccountControl', String(AD_NORMAL_ACCOUNT | (enabled ? 0 : AD_ACCOUNT_DISABLE)));
          // A password nobody knows (AD only takes unicodePwd over TLS); the person sets theirs later.
          if (connector.encrypted) add('unicodePwd', encodeUnicodePwd(`${randomBytes(24).toString('base64url')}aA1!`));
        } else {
          attributes.push(new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'] }));
          add('uid', checked.username);
          add('cn', checked.displayName);
          if (!enabled) add('pwdAccountLockedTime', OPENLDAP_PERMANENT_LOCK);
        }
        add('displayName', checked.displayName);
        add('givenName', checked.givenName);
        add('sn', checked.familyName);
        add('mail', checked.email);
        add(departmentAttribute, checked.department);
        add('title', checked.title);
        add('manager', managerDn);
        add('employeeNumber', checked.employeeNumber);
        try {
          await client.add(newUserDn(checked.username), attributes);
        } catch (error) {
          // Another writer took the name (or the DN) between our look-up and the add.
          if (hasCode(error, LIFECYCLE_RESULT.entryAlreadyExists)) return refuse('username_taken');
          throw refusedValue(error);
        }
        return OK;
      });
    },

    async setEnabled(username, enabled) {
      checkUsername(username);
      if (typeof enabled !== 'boolean') throw new TypeError('enabled must be a boolean');
      return asService(enabled ? 'enable an account' : 'disable an account', async (client) => {
        const entry = await findEntry(client, username);
        if (!entry) return refuse('not_found');
        if (ad) {
          const current = Number(first(entry, 'userAccountControl') ?? AD_NORMAL_ACCOUNT);
          const base = Number.isInteger(current) ? current : AD_NORMAL_ACCOUNT;
          const next = enabled ? base & ~AD_ACCOUNT_DISABLE : base | AD_ACCOUNT_DISABLE;
          if (next !== current) await client.modify(entry.dn, replace('userAccountControl', String(next)));
          return OK;
        }
        if (!enabled) {
          // Replaces a lockout's timestamp too: disabled outranks locked out.
          await client.modify(entry.dn, replace('pwdAccountLockedTime', OPENLDAP_PERMANENT_LOCK));
          return OK;
        }
        try {
          // Exactly the permanent value: a lockout by failed sign-ins stays for unlock to lift.
          await client.modify(
            entry.dn,
            new Change({
              operation: 'delete',
              modification: new Attribute({ type: 'pwdAccountLockedTime', values: [OPENLDAP_PERMANENT_LOCK] }),
            }),
          );
        } catch (error) {
          if (!hasCode(error, RESULT.noSuchAttribute)) throw error;
        }
        return OK;
      });
    },

    async updateUser(username, change) {
      checkUsername(username);
      const checked = checkChange(change);
      return asService('update an account', async (client) => {
        const entry = await findEntry(client, username);
        if (!entry) return refuse('not_found');
        const managerDn = await managerDnFor(client, checked.manager, first(entry, usernameAttribute) ?? username);
        if (managerDn === false) return refuse('no_such_manager');
        const changes = profileChanges(entry.dn, checked, managerDn);
        if (changes.length) await client.modify(entry.dn, changes).catch((error: unknown) => Promise.reject(refusedValue(error)));
        return OK;
      });
    },

    async deleteUser(username) {
      checkUsername(username);
      return asService('delete an account', async (client) => {
        const entry = await findEntry(client, username);
        if (!entry) return refuse('not_found');
        // Memberships first (AD drops them itself, OpenLDAP without refint does not): if the
        // delete then fails, a retry finds the account and finishes the job.
        const member = escapeFilterValue(entry.dn);
        const filter = ad
          ? `(&(objectClass=group)(member=${member}))`
          : `(|(&(objectClass=groupOfNames)(member=${member}))(&(objectClass=groupOfUniqueNames)(uniqueMember=${member})))`;
        const { searchEntries } = await client.search(config.groupBase, { scope: 'sub', filter, attributes: ['objectClass'] });
        for (const group of searchEntries) await removeMember(client, group.dn, memberAttributeOf(group), entry.dn);
        try {
          await client.del(entry.dn, ad ? [new Control(AD_TREE_DELETE, { critical: false })] : undefined);
        } catch (error) {
          if (hasCode(error, RESULT.noSuchObject)) return refuse('not_found');
          throw error;
        }
        return OK;
      });
    },

    async addToGroup(username, group) {
      checkUsername(username);
      const name = checkGroupName(group);
      return asService('add a group member', async (client) => {
        const entry = await findEntry(client, username);
        if (!entry) return refuse('not_found');
        const groupEntry = await findGroup(client, name);
        if (!groupEntry) return refuse('no_such_group');
        const attribute = memberAttributeOf(groupEntry);
        try {
          await client.modify(
            groupEntry.dn,
            new Change({ operation: 'add', modification: new Attribute({ type: attribute, values: [entry.dn] }) }),
          );
        } catch (error) {
          // Already a member: idempotent.
          if (!hasCode(error, LIFECYCLE_RESULT.attributeOrValueExists)) throw error;
        }
        // The placeholder left by removing the last member goes once a person is back.
        try {
          await client.modify(
            groupEntry.dn,
            new Change({ operation: 'delete', modification: new Attribute({ type: attribute, values: [groupEntry.dn] }) }),
          );
        } catch (error) {
          if (!hasCode(error, RESULT.noSuchAttribute, LIFECYCLE_RESULT.objectClassViolation)) throw error;
        }
        return OK;
      });
    },

    async removeFromGroup(username, group) {
      checkUsername(username);
      const name = checkGroupName(group);
      return asService('remove a group member', async (client) => {
        const entry = await findEntry(client, username);
        if (!entry) return refuse('not_found');
        const groupEntry = await findGroup(client, name);
        // No such group: not a member of it either, which is what was asked.
        if (groupEntry) await removeMember(client, groupEntry.dn, memberAttributeOf(groupEntry), entry.dn);
        return OK;
      });
    },

    async listGroups() {
      return asService('list groups', async (client) => {
        const people = await peopleByDn(client);
        const { searchEntries } = await client.search(config.groupBase, {
          scope: 'sub',
          filter: groupFilter,
          attributes: ['cn', 'member', 'uniqueMember'],
          paged: { pageSize: 500 },
        });
        const groups: DirectoryGroup[] = [];
        for (const group of searchEntries) {
          const name = first(group, 'cn');
          if (!name) continue;
          const members = [...values(group, 'member'), ...values(group, 'uniqueMember')]
            .map((dn) => people.get(normalizeDn(dn.replace(/#'[01]*'B$/, '')) ?? ''))
            .filter((username): username is string => username !== undefined);
          groups.push({ name, members: [...new Set(members)].sort((a, b) => a.localeCompare(b)) });
        }
        return groups.sort((a, b) => a.name.localeCompare(b.name));
      });
    },

    async listUsers(page) {
      const { offset, limit } = checkPage(page);
      return asService('list users', async (client) => {
        const all = [...(await peopleByDn(client)).values()].sort((a, b) => {
          const x = a.toLowerCase();
          const y = b.toLowerCase();
          return x < y ? -1 : x > y ? 1 : 0;
        });
        const managers = new Map<string, Promise<string | null>>();
        const users: DirectoryUser[] = [];
        // One at a time: each person costs a read and a group search.
        for (const username of all.slice(offset, offset + limit)) {
          const entry = await findEntry(client, username);
          if (entry) users.push(await context.toUser(client, entry, managers));
        }
        return { total: all.length, users };
      });
    },
  };
}

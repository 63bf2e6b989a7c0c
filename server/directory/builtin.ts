import type { Kysely } from 'kysely';
import type { Database, DirectoryUserRow, DirectoryUserUpdate } from '../db/schema.js';
import { type Clock, systemClock } from '../platform/clock.js';
import { hashPassword, verifyPassword } from '../platform/secrets.js';
import { randomBytes } from 'node:crypto';
import { checkChange, checkGroupName, checkNewAccount, checkPage, checkUsername } from './lifecycle.js';
import {
  addDirectoryGroupMember,
  changeDirectoryAccount,
  countDirectoryUsers,
  createDirectoryAccount,
  deleteDirectoryAccount,
  findDirectoryUser,
  findDirectoryUsersByEmail,
  listDirectoryGroups,
  listDirectoryReports,
  listAllGroupMembers,
  listDirectoryUsersPage,
  listGroupsOfMany,
  listPasswordHistory,
  recordFailedSignIn,
  removeDirectoryGroupMember,
  replacePassword,
  searchDirectoryUsers,
  updateDirectoryUser,
} from './builtin-repository.js';
import type {
  AuthenticateResult,
  Directory,
  DirectoryWriteResult,
  DirectoryPasswordPolicy,
  DirectoryUser,
  LockStatus,
  PasswordRefusal,
  PasswordWrite,
  SetPasswordResult,
} from './port.js';

/**
 * Names are matched like LDAP matches them: surrounding spaces and case do not matter (stored
 * usernames and mail are lower-case). A NUL can match nobody, and PostgreSQL text refuses it, so
 * such input is answered "no one" before any query.
 */
function lookupKey(value: string): string | null {
  return value.includes('\0') ? null : value.trim().toLowerCase();
}

export interface BuiltinDirectoryOptions {
  /** Consecutive failed sign-ins that lock the account (like ppolicy's pwdMaxFailure). */
  lockoutThreshold?: number;
  /** Minimum password length in Unicode code points (default 12). */
  minPasswordLength?: number;
  /** How many previous passwords cannot be reused, besides the current one (default 5; 0 = none). */
  passwordHistory?: number;
  clock?: Clock;
}

/** Another write changed the password between our check and our write this many times: give up. */
const MAX_WRITE_ATTEMPTS = 3;

function refuse(reason: PasswordRefusal): SetPasswordResult {
  return { ok: false, reason };
}

const WRITE_OK: DirectoryWriteResult = Object.freeze({ ok: true });

/** The repository's outcome as the port's result. */
function result(outcome: 'ok' | 'username_taken' | 'not_found' | 'no_such_manager'): DirectoryWriteResult {
  return outcome === 'ok' ? WRITE_OK : { ok: false, reason: outcome };
}

/** A username as stored: the built-in directory keys on the lower-case name. */
function storedName(username: unknown): string {
  return checkUsername(username).toLowerCase();
}

function wholeNumber(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be a whole number of at least ${min}`);
  return value;
}

/**
 * The embedded directory for small companies and the demo: people and groups in the portal's
 * own database, passwords as argon2id hashes. Behaves like an LDAP directory with a lockout policy.
 */
export function createBuiltinDirectory(db: Kysely<Database>, options: BuiltinDirectoryOptions = {}): Directory {
  const threshold = wholeNumber('lockoutThreshold', options.lockoutThreshold ?? 10, 1);
  const minLength = wholeNumber('minPasswordLength', options.minPasswordLength ?? 12, 1);
  const historyCount = wholeNumber('passwordHistory', options.passwordHistory ?? 5, 0);
  const clock = options.clock ?? systemClock;
  // Unknown users still pay for one hash verification, so response time does not reveal who exists.
  let dummyHash: Promise<string> | undefined;
  const timingDecoy = () => (dummyHash ??= hashPassword('timing-decoy-not-a-password'));

  async function toUser(row: DirectoryUserRow, brief = false, groups?: string[]): Promise<DirectoryUser> {
    return {
      username: row.username,
      displayName: row.display_name,
      givenName: row.given_name,
      familyName: row.family_name,
      email: row.email,
      department: row.department,
      title: row.title,
      manager: brief ? null : row.manager,
      employeeNumber: row.employee_number,
      groups: brief ? [] : (groups ?? (await listDirectoryGroups(db, row.username))),
      groupDns: [],
      disabled: row.disabled !== 0,
      locked: row.locked_at !== null,
    };
  }

  /** True when `password` is the current one or one of the last `historyCount` (argon2id checks, in parallel). */
  async function isRecent(row: DirectoryUserRow, password: string): Promise<boolean> {
    if (historyCount === 0) return false;
    const hashes = [row.password_hash, ...(await listPasswordHistory(db, row.username, historyCount))];
    const matches = await Promise.all(hashes.map((hash) => verifyPassword(hash, password)));
    return matches.includes(true);
  }

  /**
   * Checks one attempt against the stored row; null when the password may be written. A change
   * proves the current password exactly like a sign-in (a wrong one counts toward the lockout; a
   * locked or disabled account cannot change). A reset never touches a disabled account.
   */
  async function refusalFor(row: DirectoryUserRow, newPassword: string, how: PasswordWrite): Promise<PasswordRefusal | null> {
    if (how.kind === 'change') {
      const matches = await verifyPassword(row.password_hash, how.currentPassword);
      if (row.disabled || row.locked_at !== null) return 'wrong_current_password';
      if (!matches) {
        await recordFailedSignIn(db, row.username, threshold, clock.now());
        return 'wrong_current_password';
      }
    } else if (row.disabled) {
      return 'policy';
    }
    return (await isRecent(row, newPassword)) ? 'in_history' : null;
  }

  return {
    kind: 'builtin',

    async authenticate(username, password): Promise<AuthenticateResult> {
      const invalid = { ok: false, reason: 'invalid_credentials' } as const;
      if (typeof username !== 'string' || typeof password !== 'string' || username === '' || password === '') return invalid;
      const key = lookupKey(username);
      const row = key ? await findDirectoryUser(db, key) : undefined;
      if (!row) {
        await verifyPassword(await timingDecoy(), password);
        return invalid;
      }
      const matches = await verifyPassword(row.password_hash, password);
      if (row.disabled || row.locked_at !== null) return invalid;
      if (!matches) {
        await recordFailedSignIn(db, row.username, threshold, clock.now());
        return invalid;
      }
      if (row.failed_attempts > 0) await updateDirectoryUser(db, row.username, { failed_attempts: 0, updated_at: clock.now() });
      return { ok: true, user: await toUser(row) };
    },

    async findUser(username, options) {
      const key = lookupKey(username);
      const row = key ? await findDirectoryUser(db, key) : undefined;
      return row ? toUser(row, options?.brief) : null;
    },

    async findUserByEmail(email, options) {
      const key = lookupKey(email);
      const rows = key ? await findDirectoryUsersByEmail(db, key) : [];
      return rows.length === 1 && rows[0] ? toUser(rows[0], options?.brief) : null;
    },

    async searchUsers(query, limit) {
      const key = lookupKey(query);
      const rows = key === null ? [] : await searchDirectoryUsers(db, key, limit);
      return Promise.all(rows.map((row) => toUser(row)));
    },

    async listReports(manager) {
      const key = lookupKey(manager);
      return key ? (await listDirectoryReports(db, key)).map((r) => r.username) : [];
    },

    async passwordPolicy(): Promise<DirectoryPasswordPolicy> {
      return { minLength, historyCount, lockoutThreshold: threshold };
    },

    async setPassword(username, newPassword, how): Promise<SetPasswordResult> {
      // The portal validates first; this is defence in depth for whatever reaches the directory.
      // A NUL is refused because C-string code elsewhere (PAM, LDAP sync) would cut the password there.
      if (typeof newPassword !== 'string' || newPassword === '' || newPassword.includes('\0')) return refuse('policy');
      if (how?.kind !== 'reset' && how?.kind !== 'change') return refuse('policy');
      if (how.kind === 'change' && (typeof how.currentPassword !== 'string' || how.currentPassword === '')) {
        return refuse('wrong_current_password');
      }
      // Code points, not UTF-16 units: an emoji is one character to the person typing it.
      if ([...newPassword].length < minLength) return refuse('too_short');
      const key = typeof username === 'string' ? lookupKey(username) : null;

      for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
        const row = key ? await findDirectoryUser(db, key) : undefined;
        if (!row) {
          if (how.kind === 'reset') return refuse('policy');
          await verifyPassword(await timingDecoy(), how.currentPassword);
          return refuse('wrong_current_password');
        }
        const refusal = await refusalFor(row, newPassword, how);
        if (refusal) return refuse(refusal);
        const written = await replacePassword(db, {
          username: row.username,
          previousHash: row.password_hash,
          newHash: await hashPassword(newPassword),
          now: clock.now(),
          historyLimit: historyCount,
          unlock: how.kind === 'reset',
          clearFailures: how.kind === 'change',
        });
        if (written) return { ok: true };
      }
      throw new Error('The password was changed concurrently while being set; try again');
    },

    async lockStatus(username): Promise<LockStatus> {
      const key = lookupKey(username);
      const row = key ? await findDirectoryUser(db, key) : undefined;
      return { locked: row?.locked_at != null, lockedAt: row?.locked_at != null ? new Date(row.locked_at) : null };
    },

    async unlock(username) {
      const key = lookupKey(username);
      if (key) await updateDirectoryUser(db, key, { locked_at: null, failed_attempts: 0, updated_at: clock.now() });
    },

    async createUser(account, options) {
      const checked = checkNewAccount(account);
      const now = clock.now();
      return result(
        await createDirectoryAccount(db, {
          username: checked.username.toLowerCase(),
          display_name: checked.displayName,
          given_name: checked.givenName,
          family_name: checked.familyName,
          email: checked.email ?? '',
          email_lower: (checked.email ?? '').toLowerCase(),
          department: checked.department,
          title: checked.title,
          manager: checked.manager?.toLowerCase() ?? null,
          employee_number: checked.employeeNumber,
          // No one knows this password: the person sets their own through activation or a reset.
          password_hash: await hashPassword(randomBytes(32).toString('base64url')),
          disabled: options?.enabled === true ? 0 : 1,
          created_at: now,
          updated_at: now,
        }),
      );
    },

    async setEnabled(username, enabled) {
      if (typeof enabled !== 'boolean') throw new TypeError('enabled must be a boolean');
      return result(await changeDirectoryAccount(db, storedName(username), { disabled: enabled ? 0 : 1, updated_at: clock.now() }));
    },

    async updateUser(username, change) {
      const checked = checkChange(change);
      const row: DirectoryUserUpdate = { updated_at: clock.now() };
      if (checked.givenName !== undefined) row.given_name = checked.givenName;
      if (checked.familyName !== undefined) row.family_name = checked.familyName;
      if (checked.displayName !== undefined) row.display_name = checked.displayName;
      if (checked.email !== undefined) {
        row.email = checked.email ?? '';
        row.email_lower = row.email.toLowerCase();
      }
      if (checked.department !== undefined) row.department = checked.department;
      if (checked.title !== undefined) row.title = checked.title;
      if (checked.employeeNumber !== undefined) row.employee_number = checked.employeeNumber;
      if (checked.manager !== undefined) row.manager = checked.manager?.toLowerCase() ?? null;
      const key = storedName(username);
      // Nobody is their own manager (it would make a loop of approvals).
      if (row.manager === key) return { ok: false, reason: 'no_such_manager' };
      return result(await changeDirectoryAccount(db, key, row));
    },

    async deleteUser(username) {
      return result(await deleteDirectoryAccount(db, storedName(username), clock.now()));
    },

    async addToGroup(username, group) {
      return result(await addDirectoryGroupMember(db, storedName(username), checkGroupName(group)));
    },

    async removeFromGroup(username, group) {
      return result(await removeDirectoryGroupMember(db, storedName(username), checkGroupName(group)));
    },

    async listGroups() {
      const groups = new Map<string, string[]>();
      for (const { group_name, username } of await listAllGroupMembers(db)) {
        const members = groups.get(group_name) ?? [];
        members.push(username);
        groups.set(group_name, members);
      }
      return [...groups].map(([name, members]) => ({ name, members })).sort((a, b) => a.name.localeCompare(b.name));
    },

    async listUsers(page) {
      const { offset, limit } = checkPage(page);
      const total = await countDirectoryUsers(db);
      const rows = limit === 0 ? [] : await listDirectoryUsersPage(db, offset, limit);
      const memberships = await listGroupsOfMany(
        db,
        rows.map((r) => r.username),
      );
      const users = await Promise.all(
        rows.map((row) =>
          toUser(
            row,
            false,
            memberships.filter((m) => m.username === row.username).map((m) => m.group_name),
          ),
        ),
      );
      return { total, users };
    },

    async ping() {
      await findDirectoryUser(db, '');
    },

    async close() {},
  };
}

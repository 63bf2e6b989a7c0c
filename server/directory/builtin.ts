import type { Kysely } from 'kysely';
import type { Database, DirectoryUserRow } from '../db/schema.js';
import { type Clock, systemClock } from '../platform/clock.js';
import { hashPassword, verifyPassword } from '../platform/secrets.js';
import {
  findDirectoryUser,
  findDirectoryUsersByEmail,
  listDirectoryGroups,
  listDirectoryReports,
  listPasswordHistory,
  recordFailedSignIn,
  replacePassword,
  searchDirectoryUsers,
  updateDirectoryUser,
} from './builtin-repository.js';
import type {
  AuthenticateResult,
  Directory,
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

  async function toUser(row: DirectoryUserRow, brief = false): Promise<DirectoryUser> {
    return {
      username: row.username,
      displayName: row.display_name,
      email: row.email,
      department: row.department,
      title: row.title,
      manager: brief ? null : row.manager,
      groups: brief ? [] : await listDirectoryGroups(db, row.username),
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

    async ping() {
      await findDirectoryUser(db, '');
    },

    async close() {},
  };
}

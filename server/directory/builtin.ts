import type { Kysely } from 'kysely';
import type { Database, DirectoryUserRow } from '../db/schema.js';
import { type Clock, systemClock } from '../platform/clock.js';
import { hashPassword, verifyPassword } from '../platform/secrets.js';
import {
  findDirectoryUser,
  findDirectoryUsersByEmail,
  listDirectoryGroups,
  listDirectoryReports,
  recordFailedSignIn,
  searchDirectoryUsers,
  updateDirectoryUser,
} from './builtin-repository.js';
import type { AuthenticateResult, Directory, DirectoryUser, LockStatus } from './port.js';

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
  clock?: Clock;
}

/**
 * The embedded directory for small companies and the demo: people and groups in the portal's
 * own database, passwords as argon2id hashes. Behaves like an LDAP directory with a lockout policy.
 */
export function createBuiltinDirectory(db: Kysely<Database>, options: BuiltinDirectoryOptions = {}): Directory {
  const threshold = options.lockoutThreshold ?? 10;
  const clock = options.clock ?? systemClock;
  // Unknown users still pay for one hash verification, so response time does not reveal who exists.
  let dummyHash: Promise<string> | undefined;
  const timingDecoy = () => (dummyHash ??= hashPassword('timing-decoy-not-a-password'));

  async function toUser(row: DirectoryUserRow): Promise<DirectoryUser> {
    return {
      username: row.username,
      displayName: row.display_name,
      email: row.email,
      department: row.department,
      title: row.title,
      manager: row.manager,
      groups: await listDirectoryGroups(db, row.username),
      disabled: row.disabled !== 0,
    };
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

    async findUser(username) {
      const key = lookupKey(username);
      const row = key ? await findDirectoryUser(db, key) : undefined;
      return row ? toUser(row) : null;
    },

    async findUserByEmail(email) {
      const key = lookupKey(email);
      const rows = key ? await findDirectoryUsersByEmail(db, key) : [];
      return rows.length === 1 && rows[0] ? toUser(rows[0]) : null;
    },

    async searchUsers(query, limit) {
      const key = lookupKey(query);
      const rows = key === null ? [] : await searchDirectoryUsers(db, key, limit);
      return Promise.all(rows.map(toUser));
    },

    async listReports(manager) {
      const key = lookupKey(manager);
      return key ? (await listDirectoryReports(db, key)).map((r) => r.username) : [];
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

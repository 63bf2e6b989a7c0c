import { type Kysely, PostgresAdapter, sql } from 'kysely';
import type { Database, DirectoryUserRow, DirectoryUserUpdate, NewDirectoryUser } from '../db/schema.js';
import { withTransaction } from '../db/transaction.js';

// The built-in directory's tables. Only this file touches them.

type Db = Kysely<Database>;

export function findDirectoryUser(db: Db, username: string): Promise<DirectoryUserRow | undefined> {
  return db.selectFrom('directory_users').selectAll().where('username', '=', username).executeTakeFirst();
}

export function findDirectoryUsersByEmail(db: Db, email: string): Promise<DirectoryUserRow[]> {
  return db.selectFrom('directory_users').selectAll().where('email_lower', '=', email.toLowerCase()).limit(2).execute();
}

export function listDirectoryReports(db: Db, manager: string): Promise<{ username: string }[]> {
  return db.selectFrom('directory_users').select('username').where('manager', '=', manager).orderBy('username').execute();
}

/**
 * Substring search; the pattern's own wildcards are escaped so a query of "%" finds a literal percent
 * sign. The ESCAPE clause is spelled out: PostgreSQL defaults to backslash, SQLite has no default.
 */
export function searchDirectoryUsers(db: Db, query: string, limit: number): Promise<DirectoryUserRow[]> {
  const pattern = `%${query.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
  return db
    .selectFrom('directory_users')
    .selectAll()
    .where((eb) =>
      eb.or([
        sql<boolean>`lower(username) like ${pattern} escape '\\'`,
        sql<boolean>`lower(display_name) like ${pattern} escape '\\'`,
        sql<boolean>`email_lower like ${pattern} escape '\\'`,
      ]),
    )
    .orderBy('display_name')
    .limit(limit)
    .execute();
}

export async function listDirectoryGroups(db: Db, username: string): Promise<string[]> {
  const rows = await db
    .selectFrom('directory_group_members')
    .select('group_name')
    .where('username', '=', username)
    .orderBy('group_name')
    .execute();
  return rows.map((r) => r.group_name);
}

export function updateDirectoryUser(db: Db, username: string, changes: DirectoryUserUpdate): Promise<unknown> {
  return db.updateTable('directory_users').set(changes).where('username', '=', username).execute();
}

/** Counts one failed sign-in and locks the account when the threshold is reached, in one statement. */
export async function recordFailedSignIn(db: Db, username: string, threshold: number, now: number): Promise<void> {
  await db
    .updateTable('directory_users')
    .set((eb) => ({
      failed_attempts: eb('failed_attempts', '+', 1),
      locked_at: eb
        .case()
        .when('locked_at', 'is not', null)
        .then(eb.ref('locked_at'))
        .when(eb('failed_attempts', '+', 1), '>=', threshold)
        .then(now)
        .else(null)
        .end(),
      updated_at: now,
    }))
    .where('username', '=', username)
    .execute();
}

export async function countDirectoryUsers(db: Db): Promise<number> {
  const row = await db
    .selectFrom('directory_users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Adds a person (and their groups, as spelled); the username is stored lower-case because look-ups ignore case, as LDAP's do. */
export async function insertDirectoryUser(db: Db, user: NewDirectoryUser, groups: readonly string[]): Promise<void> {
  user = { ...user, username: user.username.toLowerCase(), email_lower: user.email.toLowerCase() };
  await db.insertInto('directory_users').values(user).execute();
  if (groups.length) {
    await db
      .insertInto('directory_group_members')
      .values(groups.map((group_name) => ({ group_name, username: user.username })))
      .execute();
  }
}

/** The newest `limit` previous password hashes of a person, newest first. */
export async function listPasswordHistory(db: Db, username: string, limit: number): Promise<string[]> {
  if (limit <= 0) return [];
  const rows = await db
    .selectFrom('directory_password_history')
    .select('password_hash')
    .where('username', '=', username)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => r.password_hash);
}

export interface PasswordReplacement {
  username: string;
  /** The hash the caller checked the new password against; nothing is written if it changed since. */
  previousHash: string;
  newHash: string;
  now: number;
  /** How many previous hashes to keep (0 keeps none). */
  historyLimit: number;
  /** Also clear a lockout and the failed sign-in count (a reset after proving identity). */
  unlock: boolean;
  /** Clear the failed sign-in count only (a change: the current password was just proven). */
  clearFailures: boolean;
}

/**
 * Sets a new password hash in one transaction: the old hash goes to the history (trimmed to the
 * newest `historyLimit`), the new hash and `password_changed_at` are set, and the lockout cleared
 * when asked. Returns false, writing nothing, when the stored hash is no longer `previousHash`
 * (another change won the race; the caller checks again against the new state).
 */
export async function replacePassword(db: Db, change: PasswordReplacement): Promise<boolean> {
  // Joins the caller's transaction when there is one (SQLite cannot nest them).
  return withTransaction(db, async (trx) => {
    const updated = await trx
      .updateTable('directory_users')
      .set({
        password_hash: change.newHash,
        password_changed_at: change.now,
        updated_at: change.now,
        ...(change.unlock ? { locked_at: null, failed_attempts: 0 } : change.clearFailures ? { failed_attempts: 0 } : {}),
      })
      .where('username', '=', change.username)
      .where('password_hash', '=', change.previousHash)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    if (change.historyLimit > 0) {
      await trx
        .insertInto('directory_password_history')
        .values({ username: change.username, password_hash: change.previousHash, created_at: change.now })
        .execute();
    }
    const keep = trx
      .selectFrom('directory_password_history')
      .select('id')
      .where('username', '=', change.username)
      .orderBy('id', 'desc')
      .limit(Math.max(change.historyLimit, 0));
    await trx.deleteFrom('directory_password_history').where('username', '=', change.username).where('id', 'not in', keep).execute();
    return true;
  });
}

/** Whether a person with this (lower-case) username exists. */
async function exists(db: Db, username: string): Promise<boolean> {
  return (await db.selectFrom('directory_users').select('username').where('username', '=', username).executeTakeFirst()) !== undefined;
}

export type BuiltinWriteOutcome = 'ok' | 'username_taken' | 'not_found' | 'no_such_manager';

/**
 * Adds a new account in one transaction: refused when the username is taken or the manager does
 * not exist. Two creations racing for one name: the primary key lets one in, the other is told
 * the name is taken.
 */
export async function createDirectoryAccount(db: Db, user: NewDirectoryUser): Promise<BuiltinWriteOutcome> {
  const username = user.username.toLowerCase();
  try {
    return await withTransaction(db, async (trx) => {
      if (await exists(trx, username)) return 'username_taken';
      if (user.manager !== null && user.manager !== undefined && !(await exists(trx, user.manager))) return 'no_such_manager';
      await insertDirectoryUser(trx, user, []);
      return 'ok';
    });
  } catch (error) {
    if (await exists(db, username)) return 'username_taken';
    throw error;
  }
}

/**
 * Changes a person's profile or disabled flag; a new manager must exist (checked in the same
 * transaction). Returns what happened, writing nothing unless 'ok'.
 */
export async function changeDirectoryAccount(db: Db, username: string, changes: DirectoryUserUpdate): Promise<BuiltinWriteOutcome> {
  return withTransaction(db, async (trx) => {
    if (!(await exists(trx, username))) return 'not_found';
    if (typeof changes.manager === 'string' && !(await exists(trx, changes.manager))) return 'no_such_manager';
    await trx.updateTable('directory_users').set(changes).where('username', '=', username).execute();
    return 'ok';
  });
}

/**
 * Removes a person with their group memberships and password history. People who reported to
 * them keep no manager (on LDAP their manager DN dangles, which reads as no manager too).
 */
export async function deleteDirectoryAccount(db: Db, username: string, now: number): Promise<BuiltinWriteOutcome> {
  return withTransaction(db, async (trx) => {
    if (!(await exists(trx, username))) return 'not_found';
    await trx.deleteFrom('directory_group_members').where('username', '=', username).execute();
    await trx.deleteFrom('directory_password_history').where('username', '=', username).execute();
    await trx.updateTable('directory_users').set({ manager: null, updated_at: now }).where('manager', '=', username).execute();
    await trx.deleteFrom('directory_users').where('username', '=', username).execute();
    return 'ok';
  });
}

/** Adds a membership; already a member is fine. */
export async function addDirectoryGroupMember(db: Db, username: string, group: string): Promise<BuiltinWriteOutcome> {
  return withTransaction(db, async (trx) => {
    if (!(await exists(trx, username))) return 'not_found';
    // Group names compare without case (as roles and LDAP do): join the group as it is spelled already.
    const spelled = await trx
      .selectFrom('directory_group_members')
      .select('group_name')
      .where(sql<boolean>`lower(group_name) = ${group.toLowerCase()}`)
      .orderBy('group_name')
      .limit(1)
      .executeTakeFirst();
    await trx
      .insertInto('directory_group_members')
      .values({ group_name: spelled?.group_name ?? group, username })
      .onConflict((oc) => oc.columns(['group_name', 'username']).doNothing())
      .execute();
    return 'ok';
  });
}

/** Removes a membership; not a member is fine. */
export async function removeDirectoryGroupMember(db: Db, username: string, group: string): Promise<BuiltinWriteOutcome> {
  if (!(await exists(db, username))) return 'not_found';
  await db
    .deleteFrom('directory_group_members')
    .where('username', '=', username)
    .where(sql<boolean>`lower(group_name) = ${group.toLowerCase()}`)
    .execute();
  return 'ok';
}

/** Every membership, by group then member. */
export function listAllGroupMembers(db: Db): Promise<{ group_name: string; username: string }[]> {
  return db.selectFrom('directory_group_members').select(['group_name', 'username']).orderBy('group_name').orderBy('username').execute();
}

/** The memberships of several people at once. */
export function listGroupsOfMany(db: Db, usernames: readonly string[]): Promise<{ group_name: string; username: string }[]> {
  if (usernames.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('directory_group_members')
    .select(['group_name', 'username'])
    .where('username', 'in', usernames)
    .orderBy('group_name')
    .execute();
}

/**
 * One page of people by username (stored lower-case, so the order ignores case). In code point
 * order on both dialects (PostgreSQL's locale collation would skip hyphens), as LDAP lists them,
 * so a page boundary means the same everywhere.
 */
export function listDirectoryUsersPage(db: Db, offset: number, limit: number): Promise<DirectoryUserRow[]> {
  const order = db.getExecutor().adapter instanceof PostgresAdapter ? sql`username collate "C"` : sql`username`;
  return db.selectFrom('directory_users').selectAll().orderBy(order).offset(offset).limit(limit).execute();
}

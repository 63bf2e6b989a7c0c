/**
 * Throwaway people for tests, and the check that keeps the demo people unchanged.
 *
 * The demo people (alice, bob, mark, hana, ruth, adam) are shared by every test of a file (and by
 * every test of an end-to-end server), so a test that changes one of them makes the others depend
 * on the order they run in. A test that changes a person (password, lock, disabled flag, recovery
 * factors, groups) makes its own person here; demo people are only used read-only, e.g. hana
 * signing in to act as the help desk on a throwaway employee.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../../server/config.js';
import type { Database } from '../../server/db/schema.js';
import { DEMO_PASSWORD, DEMO_PEOPLE, demoEmail } from '../../server/demo/company.js';
import { verifyPassword } from '../../server/platform/secrets.js';
import { addBuiltinPerson, uniqueName } from '../directory/fixtures.js';

export type StaffRole = 'manager' | 'helpdesk' | 'hr' | 'admin';

export interface ThrowawayOptions {
  /** A staff role, given through the first of the configured groups for it (employees need none). */
  role?: StaffRole;
  /** The person's manager (a username), as the directory row says. */
  manager?: string;
  displayName?: string;
  /** Start of the username (a random suffix follows), to tell people apart in failures. */
  prefix?: string;
  /** Defaults to `<username>@example.com`. */
  email?: string;
}

export interface ThrowawayPerson {
  username: string;
  password: string;
  email: string;
  displayName: string;
}

/** What a throwaway person is added to: a portal's database and the config its roles come from. */
export interface PeopleTarget {
  db: Kysely<Database>;
  config: Pick<Config, 'roleGroups'>;
}

/** Adds a fresh person to the portal's built-in directory, with a password nobody else has. */
export async function addThrowawayPerson(target: PeopleTarget, options: ThrowawayOptions = {}): Promise<ThrowawayPerson> {
  const username = uniqueName(options.prefix ?? 'temp');
  const person: ThrowawayPerson = {
    username,
    // Long and random: passes every password rule and matches nothing in the common-password list.
    password: `Throwaway-${randomBytes(6).toString('hex')}`,
    email: options.email ?? `${username}@example.com`,
    displayName: options.displayName ?? `Test ${username}`,
  };
  const groups = options.role ? [target.config.roleGroups[options.role][0]!] : [];
  await addBuiltinPerson(target.db, { ...person, groups, ...(options.manager ? { manager: options.manager } : {}) });
  return person;
}

/**
 * Ways in which the demo people differ from how demo mode seeded them, one line each; empty when
 * they are intact or the database has no demo company (another directory, PORTAL_DEMO=0).
 * Checks what a later test could observe: password, lock (failed attempts too), disabled flag,
 * profile, groups and every recovery factor or recovery lock.
 */
export async function demoPeopleChanges(db: Kysely<Database>): Promise<string[]> {
  const names = DEMO_PEOPLE.map((p) => p.username);
  const rows = await db.selectFrom('directory_users').selectAll().where('username', 'in', names).execute();
  if (rows.length === 0) return [];
  const problems: string[] = [];
  const members = await db.selectFrom('directory_group_members').selectAll().where('username', 'in', names).execute();
  const factors = await Promise.all(
    (['recovery_emails', 'totp_factors', 'passkeys', 'recovery_failures'] as const).map(async (table) => ({
      table,
      owners: (await db.selectFrom(table).select('username').where('username', 'in', names).execute()).map((r) => r.username),
    })),
  );
  await Promise.all(
    DEMO_PEOPLE.map(async (person) => {
      const row = rows.find((r) => r.username === person.username);
      const say = (what: string) => problems.push(`${person.username}: ${what}`);
      if (!row) return say('removed from the directory');
      if (!(await verifyPassword(row.password_hash, DEMO_PASSWORD))) say('password changed');
      else if (row.password_changed_at !== null) say('password changed (and set back)');
      if (row.locked_at !== null) say('locked');
      if (row.failed_attempts !== 0) say(`${row.failed_attempts} failed sign-in(s) counted`);
      if (row.disabled !== 0) say('disabled');
      if (row.email !== demoEmail(person.username)) say(`email changed to ${row.email}`);
      if (row.display_name !== person.displayName) say(`name changed to ${row.display_name}`);
      if (row.manager !== person.manager) say(`manager changed to ${row.manager}`);
      if (row.given_name !== person.givenName || row.family_name !== person.familyName) say('first or last name changed');
      if (row.employee_number !== person.employeeNumber) say(`employee number changed to ${row.employee_number}`);
      if (row.department !== person.department || row.title !== person.title) say('department or title changed');
      const groups = members.filter((m) => m.username === person.username).map((m) => m.group_name);
      if (groups.sort().join() !== [...person.groups].sort().join()) say(`groups changed to [${groups.join(', ')}]`);
      for (const { table, owners } of factors) {
        if (owners.includes(person.username)) say(`has rows in ${table}`);
      }
    }),
  );
  return problems.sort();
}

/** Throws (listing what changed) when a test left the demo people changed. */
export async function assertDemoPeopleUnchanged(db: Kysely<Database>): Promise<void> {
  const problems = await demoPeopleChanges(db);
  if (problems.length) {
    throw new Error(
      `A test changed the shared demo people, so the tests of this file depend on their order. ` +
        `Make a throwaway person for it instead (tests/harness/people.ts):\n  - ${problems.join('\n  - ')}`,
    );
  }
}

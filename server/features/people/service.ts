import type { Kysely } from 'kysely';
import type { DirectoryPerson } from '../../../shared/people.js';
import type { Role } from '../../../shared/roles.js';
import { staffActionRefusal } from '../../../shared/staff.js';
import { listFailedSignIns } from '../../audit/repository.js';
import type { Database } from '../../db/schema.js';
import type { Directory, DirectoryUser } from '../../directory/port.js';
import { type RoleGroups, rolesFromGroups } from '../../directory/roles.js';
import { errors } from '../../errors.js';

export function personOf(user: DirectoryUser): DirectoryPerson {
  return {
    username: user.username,
    displayName: user.displayName,
    email: user.email,
    department: user.department,
    title: user.title,
    manager: user.manager,
  };
}

/** A manager's direct reports, as the directory says today. */
export async function directReports(directory: Directory, manager: string): Promise<DirectoryPerson[]> {
  const usernames = await directory.listReports(manager);
  const users = await Promise.all(usernames.map((u) => directory.findUser(u)));
  return users.filter((u): u is DirectoryUser => u !== null).map(personOf);
}

export async function searchPeople(directory: Directory, query: string): Promise<DirectoryPerson[]> {
  return (await directory.searchUsers(query, 25)).map(personOf);
}

/**
 * A person's record with account state and the last day's failed sign-ins, for the help desk, and
 * whether the viewer may act on the account (`refusal` says why not, so the page can explain it).
 */
export async function lookUpAccount(
  directory: Directory,
  db: Kysely<Database>,
  username: string,
  now: number,
  viewer: { username: string; roles: readonly Role[] },
  roleGroups: RoleGroups,
) {
  const user = await directory.findUser(username);
  if (!user) throw errors.notFound('That person');
  const [lock, failures] = await Promise.all([
    directory.lockStatus(user.username),
    listFailedSignIns(db, user.username, now - 24 * 3_600_000, 20),
  ]);
  const roles = rolesFromGroups(user, roleGroups);
  return {
    user: { ...personOf(user), groups: user.groups, roles, disabled: user.disabled },
    actions: { refusal: staffActionRefusal(viewer, { username: user.username, roles }) },
    lock: { locked: lock.locked, lockedAt: lock.lockedAt?.toISOString() ?? null },
    recentFailures: failures.map((f) => ({ at: new Date(Number(f.at)).toISOString(), ip: f.ip })),
  };
}

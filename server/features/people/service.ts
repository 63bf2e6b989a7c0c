import type { DirectoryPerson } from '../../../shared/people.js';
import type { Directory, DirectoryUser } from '../../directory/port.js';
import { httpErrors } from '../../http/errors.js';

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

/** A person's record with account state, for the help desk. */
export async function lookUpAccount(directory: Directory, username: string) {
  const user = await directory.findUser(username);
  if (!user) throw httpErrors.notFound('That person');
  const lock = await directory.lockStatus(user.username);
  return {
    user: { ...personOf(user), groups: user.groups, disabled: user.disabled },
    lock: { locked: lock.locked, lockedAt: lock.lockedAt?.toISOString() ?? null },
  };
}

import type { Role } from '../../shared/roles.js';
import { escapeDnValue, isDn, normalizeDn } from './ldap-escape.js';
import type { DirectoryUser } from './port.js';

/**
 * Which directory groups grant which portal role. Everyone who can sign in is an employee.
 * An entry is a full DN (`cn=portal-admins,ou=groups,dc=example,dc=org`) or a bare name; on LDAP a
 * bare name only matches a group directly under `groupBase`, so a group of that name created in
 * some other OU (by anyone allowed to create groups there) grants nothing.
 */
export interface RoleGroups {
  manager: string[];
  helpdesk: string[];
  hr: string[];
  admin: string[];
  /** LDAP: where bare names must sit. Null for the built-in directory, whose groups are flat names. */
  groupBase: string | null;
}

export const DEFAULT_ROLE_GROUPS: RoleGroups = {
  manager: ['portal-managers'],
  helpdesk: ['portal-helpdesk'],
  hr: ['portal-hr'],
  admin: ['portal-admins'],
  groupBase: null,
};

const ROLES = ['manager', 'helpdesk', 'hr', 'admin'] as const;

/** Maps a person's group memberships to portal roles; names and DNs compare case-insensitively like LDAP does. */
export function rolesFromGroups(user: Pick<DirectoryUser, 'groups' | 'groupDns'>, mapping: RoleGroups): Role[] {
  const heldDns = new Set(user.groupDns.map(normalizeDn).filter((dn): dn is string => dn !== null));
  const heldNames = new Set(user.groups.map((g) => g.toLowerCase()));

  const grants = (entry: string): boolean => {
    if (isDn(entry)) {
      const dn = normalizeDn(entry);
      return dn !== null && heldDns.has(dn);
    }
    // The built-in directory has no tree: its group names are all there is.
    if (mapping.groupBase === null) return heldNames.has(entry.toLowerCase());
    // `cn=<name>` directly under the group base, and nowhere else.
    const wanted = normalizeDn(`cn=${escapeDnValue(entry)},${mapping.groupBase}`);
    return wanted !== null && heldDns.has(wanted);
  };

  const roles: Role[] = ['employee'];
  for (const role of ROLES) if (mapping[role].some(grants)) roles.push(role);
  return roles;
}

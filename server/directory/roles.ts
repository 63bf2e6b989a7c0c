import type { Role } from '../../shared/roles.js';

/** Which directory group grants which portal role. Everyone who can sign in is an employee. */
export interface RoleGroups {
  manager: string[];
  helpdesk: string[];
  hr: string[];
  admin: string[];
}

export const DEFAULT_ROLE_GROUPS: RoleGroups = {
  manager: ['portal-managers'],
  helpdesk: ['portal-helpdesk'],
  hr: ['portal-hr'],
  admin: ['portal-admins'],
};

/** Maps directory group names to portal roles; group names compare case-insensitively like LDAP does. */
export function rolesFromGroups(groups: readonly string[], mapping: RoleGroups): Role[] {
  const held = new Set(groups.map((g) => g.toLowerCase()));
  const roles: Role[] = ['employee'];
  for (const role of ['manager', 'helpdesk', 'hr', 'admin'] as const) {
    if (mapping[role].some((g) => held.has(g.toLowerCase()))) roles.push(role);
  }
  return roles;
}

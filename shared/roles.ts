/** The roles a person can hold in the portal. Everyone signed in is an employee; the rest come from directory groups. */
export const ROLES = ['employee', 'manager', 'helpdesk', 'hr', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that may enter the staff (help-desk) area. Admins can do everything staff can. */
export const STAFF_ROLES: readonly Role[] = ['helpdesk', 'admin'];

export function hasAnyRole(roles: readonly Role[], wanted: readonly Role[]): boolean {
  return wanted.some((role) => roles.includes(role));
}

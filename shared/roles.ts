/**
 * The roles a person can hold in the portal. Everyone signed in is an employee; the rest come from
 * directory groups. What a role may do is decided in one place: shared/permissions.ts.
 */
export const ROLES = ['employee', 'manager', 'helpdesk', 'hr', 'admin'] as const;
export type Role = (typeof ROLES)[number];

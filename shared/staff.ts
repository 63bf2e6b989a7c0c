import type { Role } from './roles.js';

/**
 * Roles that make an account a staff account. Acting on one through a help-desk action (unlock,
 * reset link, verification code) would let a help-desk member take over a colleague with more
 * power, so only an admin may do it, and only on help-desk and HR accounts.
 */
export const PRIVILEGED_ROLES: readonly Role[] = ['helpdesk', 'hr', 'admin'];

/**
 * Why a staff member may not act on a person: their own account, a staff account while not an
 * admin, or another admin's account (SECURITY 26: staff never act on someone as privileged as
 * they are, so a compromised admin cannot take over the other admins either).
 */
export type StaffActionRefusal = 'self' | 'staff_account' | 'admin_account';

/**
 * The one rule for help-desk actions, read by the server (which enforces it) and the web (which
 * explains it). Nobody acts on their own account through a staff action, admins included: a
 * self-issued code or link would bypass the person's own recovery factors.
 */
export function staffActionRefusal(
  actor: { username: string; roles: readonly Role[] },
  target: { username: string; roles: readonly Role[] },
): StaffActionRefusal | null {
  if (actor.username.toLowerCase() === target.username.toLowerCase()) return 'self';
  if (target.roles.some((r) => PRIVILEGED_ROLES.includes(r)) && !actor.roles.includes('admin')) return 'staff_account';
  // An admin's account is recovered only through its owner's own factors, never by a peer.
  if (target.roles.includes('admin')) return 'admin_account';
  return null;
}

/** How long a password re-entry counts for changing recovery factors or acting on someone else's account. */
export const REAUTH_WINDOW_MS = 10 * 60_000;

import type { Role } from './roles.js';

/**
 * The one map of who may do what. Server routes guard by permission (requirePermission), web
 * routes declare `meta.permission`, and the home tiles and menus read the same map, so a screen
 * never offers what the API refuses (or the other way round).
 *
 * Admins hold every staff permission on purpose: they configure the portal and stand in for
 * any team. Self-service (your own password, recovery methods, profile) needs no permission,
 * only a session: everyone who can sign in is an employee.
 */
export const PERMISSIONS = {
  /**
   * Find people by name or address. The help desk finds callers, HR finds the people they look
   * after; both pages (staff and HR) use the same search, so both roles hold it.
   */
  'people.search': ['helpdesk', 'hr', 'admin'],
  /** Open one account with its lock status and recent failed sign-ins (the help desk's view). */
  'people.read': ['helpdesk', 'admin'],
  /** Clear a sign-in lockout for a caller. */
  'people.unlock': ['helpdesk', 'admin'],
  /** Send a caller a password reset link. */
  'people.reset_link': ['helpdesk', 'admin'],
  /** Issue a one-time code to read out to a caller whose identity was checked. */
  'people.verification_code': ['helpdesk', 'admin'],
  /** See one's direct reports. */
  'team.read': ['manager', 'admin'],
  /** Read the audit trail. */
  'audit.read': ['admin'],
  /** Read and change portal settings (reset methods, addresses). */
  'settings.read': ['admin'],
  'settings.write': ['admin'],
  /** See and retry background jobs. */
  'jobs.manage': ['admin'],
  // Capabilities on the roadmap, decided now so their screens and routes start from the map.
  /** Ask for a device or software from the catalogue. */
  'catalog.request': ['employee'],
  /**
   * Approve or refuse requests and delegate that while away: managers for their team, the help
   * desk for the group step of a chain (which request each may decide is checked per approval).
   */
  'requests.approve': ['manager', 'helpdesk', 'admin'],
  /** Keep the stock of devices. */
  'inventory.manage': ['helpdesk', 'admin'],
  /** Write knowledge-base articles. */
  'kb.edit': ['helpdesk', 'admin'],
  /** Start and follow onboarding and offboarding. */
  'onboarding.manage': ['hr', 'admin'],
  /**
   * Follow new hires' checklists: the help desk prepares their equipment (all hires), a manager
   * sees the hires who will report to them (checked per hire). Personal addresses stay with HR.
   */
  'onboarding.read': ['manager', 'helpdesk', 'hr', 'admin'],
  /**
   * Create, name and revoke SCIM bearer tokens. A token provisions and disables any account, so
   * only admins hold it (HR runs onboarding in the portal, not the tokens of the HR system).
   */
  'scim.manage': ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

/** The roles that hold a permission. */
export function rolesWith(permission: Permission): readonly Role[] {
  return PERMISSIONS[permission];
}

/** Whether someone holding `roles` has `permission`. */
export function can(roles: readonly Role[], permission: Permission): boolean {
  const allowed: readonly Role[] = PERMISSIONS[permission];
  return roles.some((role) => allowed.includes(role));
}

/** Every permission someone holding `roles` has, e.g. to send to a client or log. */
export function permissionsOf(roles: readonly Role[]): Permission[] {
  return PERMISSION_NAMES.filter((permission) => can(roles, permission));
}

/**
 * Permissions an employee without any other role does not hold: screens guarded by one of these
 * are staff areas, whose code must never be downloaded or precached on an employee's phone.
 */
export function isStaffPermission(permission: Permission): boolean {
  return !can(['employee'], permission);
}

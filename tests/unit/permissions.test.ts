import { describe, expect, it } from 'vitest';
import { can, isStaffPermission, PERMISSION_NAMES, PERMISSIONS, permissionsOf } from '../../shared/permissions.js';
import { ROLES } from '../../shared/roles.js';

describe('the permission map', () => {
  it('names only known roles', () => {
    for (const [permission, roles] of Object.entries(PERMISSIONS)) {
      expect(roles.length, permission).toBeGreaterThan(0);
      for (const role of roles) expect(ROLES, permission).toContain(role);
    }
  });

  it('gives admins every staff permission', () => {
    for (const permission of PERMISSION_NAMES)
      if (isStaffPermission(permission)) expect(can(['employee', 'admin'], permission), permission).toBe(true);
  });

  it('gives an employee no staff permission, and staff only what their role holds', () => {
    expect(permissionsOf(['employee'])).toEqual(['catalog.request']);
    expect(can(['employee', 'hr'], 'people.search')).toBe(true);
    expect(can(['employee', 'hr'], 'people.read')).toBe(false);
    expect(can(['employee', 'helpdesk'], 'people.unlock')).toBe(true);
    expect(can(['employee', 'manager'], 'people.search')).toBe(false);
    expect(can(['employee', 'manager'], 'team.read')).toBe(true);
  });

  it('lets everyone who may act on an account also find and open it', () => {
    for (const action of ['people.unlock', 'people.reset_link', 'people.verification_code'] as const) {
      for (const role of PERMISSIONS[action]) {
        expect(can([role], 'people.read'), `${role} ${action}`).toBe(true);
        expect(can([role], 'people.search'), `${role} ${action}`).toBe(true);
      }
    }
  });
});

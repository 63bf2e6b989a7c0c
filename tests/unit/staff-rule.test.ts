import { describe, expect, it } from 'vitest';
import type { Role } from '../../shared/roles.js';
import { staffActionRefusal } from '../../shared/staff.js';

const person = (username: string, ...roles: Role[]) => ({ username, roles: ['employee', ...roles] as Role[] });

describe('the staff rule (who may unlock, send a link or issue a code for whom)', () => {
  it('lets the help desk act on people without staff roles, managers included', () => {
    expect(staffActionRefusal(person('hana', 'helpdesk'), person('alice'))).toBeNull();
    expect(staffActionRefusal(person('hana', 'helpdesk'), person('mark', 'manager'))).toBeNull();
  });

  it('refuses the help desk on any staff account: help desk, HR or admin', () => {
    for (const role of ['helpdesk', 'hr', 'admin'] as const) {
      expect(staffActionRefusal(person('hana', 'helpdesk'), person('x', role)), role).toBe('staff_account');
    }
  });

  it('lets an admin act on help-desk and HR accounts, but not on another admin (as privileged as they are)', () => {
    for (const role of ['helpdesk', 'hr'] as const) {
      expect(staffActionRefusal(person('adam', 'admin'), person('x', role)), role).toBeNull();
    }
    expect(staffActionRefusal(person('adam', 'admin'), person('x', 'admin'))).toBe('admin_account');
    expect(staffActionRefusal(person('adam', 'admin'), person('x', 'helpdesk', 'admin'))).toBe('admin_account');
  });

  it('refuses everyone on their own account, admins included, whatever the case of the name', () => {
    expect(staffActionRefusal(person('hana', 'helpdesk'), person('hana', 'helpdesk'))).toBe('self');
    expect(staffActionRefusal(person('adam', 'admin'), person('ADAM', 'admin'))).toBe('self');
  });
});

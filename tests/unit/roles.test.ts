import { describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_GROUPS, rolesFromGroups } from '../../server/directory/roles.js';

describe('roles from directory groups', () => {
  it('makes everyone an employee and adds roles by group, case-insensitively', () => {
    expect(rolesFromGroups([], DEFAULT_ROLE_GROUPS)).toEqual(['employee']);
    expect(rolesFromGroups(['Portal-HelpDesk', 'portal-admins'], DEFAULT_ROLE_GROUPS)).toEqual(['employee', 'helpdesk', 'admin']);
  });

  it('ignores groups that only look similar', () => {
    expect(rolesFromGroups(['portal-admins-old', 'xportal-hr'], DEFAULT_ROLE_GROUPS)).toEqual(['employee']);
  });
});

import { describe, expect, it } from 'vitest';
import { normalizeDn, splitGroupList } from '../../server/directory/ldap-escape.js';
import { DEFAULT_ROLE_GROUPS, rolesFromGroups, type RoleGroups } from '../../server/directory/roles.js';

const builtin = (groups: string[]) => ({ groups, groupDns: [] });
/** An LDAP person: names are what people see; DNs decide. */
const ldap = (groupDns: string[]) => ({ groups: groupDns.map((dn) => dn.split(',')[0]!.split('=')[1]!), groupDns });

describe('roles from directory groups', () => {
  it('makes everyone an employee and adds roles by group, case-insensitively (built-in directory)', () => {
    expect(rolesFromGroups(builtin([]), DEFAULT_ROLE_GROUPS)).toEqual(['employee']);
    expect(rolesFromGroups(builtin(['Portal-HelpDesk', 'portal-admins']), DEFAULT_ROLE_GROUPS)).toEqual(['employee', 'helpdesk', 'admin']);
  });

  it('ignores groups that only look similar', () => {
    expect(rolesFromGroups(builtin(['portal-admins-old', 'xportal-hr']), DEFAULT_ROLE_GROUPS)).toEqual(['employee']);
  });

  describe('on LDAP', () => {
    const mapping: RoleGroups = { ...DEFAULT_ROLE_GROUPS, groupBase: 'ou=groups,dc=example,dc=org' };

    it('grants a bare name only for the group directly under the group base', () => {
      expect(rolesFromGroups(ldap(['cn=portal-admins,ou=groups,dc=example,dc=org']), mapping)).toEqual(['employee', 'admin']);
      // The same name in another OU, or deeper under the base, is someone else's group.
      expect(rolesFromGroups(ldap(['cn=portal-admins,ou=projects,dc=example,dc=org']), mapping)).toEqual(['employee']);
      expect(rolesFromGroups(ldap(['cn=portal-admins,ou=team,ou=groups,dc=example,dc=org']), mapping)).toEqual(['employee']);
      // Names alone (without a DN in the right place) never count on LDAP.
      expect(rolesFromGroups({ groups: ['portal-admins'], groupDns: [] }, mapping)).toEqual(['employee']);
    });

    it('grants a full DN wherever it is, and only that one', () => {
      const explicit: RoleGroups = { ...mapping, admin: ['cn=IT Admins,ou=Special,dc=example,dc=org'] };
      expect(rolesFromGroups(ldap(['cn=it admins,ou=special,dc=example,dc=org']), explicit)).toEqual(['employee', 'admin']);
      expect(rolesFromGroups(ldap(['cn=IT Admins,ou=groups,dc=example,dc=org']), explicit)).toEqual(['employee']);
      expect(rolesFromGroups(ldap(['cn=portal-admins,ou=groups,dc=example,dc=org']), explicit)).toEqual(['employee']);
    });

    it('reads Active Directory memberOf DNs: upper-case types, spaces and escaped commas', () => {
      const ad: RoleGroups = {
        ...DEFAULT_ROLE_GROUPS,
        helpdesk: ['Help Desk, EU'],
        admin: ['CN=Domain Portal Admins,OU=Security Groups,DC=corp,DC=example'],
        groupBase: 'OU=Groups,DC=corp,DC=example',
      };
      const memberOf = [
        'CN=Help Desk\\, EU,OU=Groups,DC=corp,DC=example',
        'CN=Domain Portal Admins, OU=Security Groups, DC=corp, DC=example',
        'CN=portal-hr,OU=Elsewhere,DC=corp,DC=example',
      ];
      expect(rolesFromGroups({ groups: ['Help Desk, EU', 'Domain Portal Admins', 'portal-hr'], groupDns: memberOf }, ad)).toEqual([
        'employee',
        'helpdesk',
        'admin',
      ]);
    });
  });

  it('compares DNs in one canonical spelling', () => {
    expect(normalizeDn('CN=Portal Admins\\, EU , OU=Groups,DC=corp')).toBe('cn=portal admins\\, eu,ou=groups,dc=corp');
    expect(normalizeDn('cn=portal admins\\2c eu,ou=groups,dc=corp')).toBe('cn=portal admins\\, eu,ou=groups,dc=corp');
    expect(normalizeDn('not a dn')).toBeNull();
    expect(normalizeDn('cn=,dc=corp')).toBeNull();
  });

  it('splits configured lists: names by commas, lists with DNs by semicolons', () => {
    expect(splitGroupList('IT Support, Service Desk')).toEqual(['IT Support', 'Service Desk']);
    expect(splitGroupList('cn=a,ou=groups,dc=x; portal-admins ;cn=b\\;c,dc=x')).toEqual([
      'cn=a,ou=groups,dc=x',
      'portal-admins',
      'cn=b\\;c,dc=x',
    ]);
  });
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';

describe('configuration from the environment', () => {
  it('runs on the embedded defaults with nothing set', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.database).toEqual({ kind: 'sqlite', file: path.resolve('data/portal.sqlite'), mmapMb: 1024 });
    expect(config.directory).toEqual({ kind: 'builtin' });
    expect(config.session.recheckMs).toBe(300_000);
    expect(config.demo).toBe(false);
    expect(config.publicUrl.href).toBe('http://localhost:3000/');
    expect(config.secure).toBe(false);
  });

  it('turns on demo mode only when asked', () => {
    expect(loadConfig({ PORTAL_DEMO: '1' }).demo).toBe(true);
    expect(loadConfig({ PORTAL_DEMO: 'false' }).demo).toBe(false);
  });

  it('uses PostgreSQL when DATABASE_URL is a postgres URL, and secure cookies behind https', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db/portal', PUBLIC_URL: 'https://it.example.com' });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u@db/portal' });
    expect(config.secure).toBe(true);
  });

  it('maps up to SQLITE_MMAP_MB of the SQLite file (0 turns it off; SQLite caps the map below 2 GiB)', () => {
    expect(loadConfig({ SQLITE_MMAP_MB: '0' }).database).toMatchObject({ kind: 'sqlite', mmapMb: 0 });
    expect(loadConfig({ SQLITE_MMAP_MB: '2047' }).database).toMatchObject({ kind: 'sqlite', mmapMb: 2047 });
    expect(problemsOf({ SQLITE_MMAP_MB: '4096' })).toEqual([expect.stringMatching(/^SQLITE_MMAP_MB: .*2047/)]);
    expect(problemsOf({ SQLITE_MMAP_MB: 'lots' })).toEqual([expect.stringMatching(/^SQLITE_MMAP_MB: /)]);
  });

  it('lists every problem at once, in words an operator can act on', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DIRECTORY: 'ldap', DATABASE_URL: 'mysql://x', LDAP_FLAVOR: 'novell' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('PORT');
    expect(message).toContain('DATABASE_URL must start with postgres://');
    expect(message).toContain('LDAP_FLAVOR must be "openldap" or "ad"');
    expect(message).toContain('LDAP_URL is required when DIRECTORY=ldap');
    expect(message).toContain('LDAP_BIND_DN is required when DIRECTORY=ldap');
  });

  it('lists unsafe combinations along with invalid values', () => {
    const problems = problemsOf({ PORT: 'eighty', PORTAL_DEMO: '1', NODE_ENV: 'production', ...LDAP, LDAP_URL: 'ldap://dc1:389' });
    expect(problems).toEqual([
      expect.stringContaining('PORT'),
      expect.stringContaining('demo mode only runs with the built-in directory'),
      expect.stringContaining('demo mode is not allowed with NODE_ENV=production'),
      expect.stringContaining('ldap:// without StartTLS'),
    ]);
  });

  it('derives the group base from the user base when LDAP_GROUP_BASE is not set', () => {
    const config = loadConfig({
      DIRECTORY: 'ldap',
      LDAP_URL: 'ldaps://dc1.corp.example:636',
      LDAP_BIND_DN: 'cn=portal,ou=service,dc=corp,dc=example',
      LDAP_BIND_PASSWORD: 's3cret',
      LDAP_USER_BASE: 'ou=people,dc=corp,dc=example',
      LDAP_FLAVOR: 'ad',
    });
    expect(config.directory).toMatchObject({
      kind: 'ldap',
      groupBase: 'dc=corp,dc=example',
      flavor: 'ad',
      url: 'ldaps://dc1.corp.example:636',
    });
    expect(config.roleGroups.groupBase).toBe('dc=corp,dc=example');
  });

  it('maps role groups from the environment', () => {
    const config = loadConfig({ ROLE_GROUPS_HELPDESK: 'IT Support, Service Desk' });
    expect(config.roleGroups.helpdesk).toEqual(['IT Support', 'Service Desk']);
    expect(config.roleGroups.admin).toEqual(['portal-admins']);
  });

  const LDAP = {
    DIRECTORY: 'ldap',
    LDAP_URL: 'ldaps://dc1.corp.example:636',
    LDAP_BIND_DN: 'cn=portal,ou=service,dc=corp,dc=example',
    LDAP_BIND_PASSWORD: 's3cret',
    LDAP_USER_BASE: 'ou=people,dc=corp,dc=example',
    LDAP_GROUP_BASE: 'ou=groups,dc=corp,dc=example',
  };

  function problemsOf(env: Record<string, string>): string[] {
    try {
      loadConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  }

  it('refuses demo mode with a real directory, whose mail the demo mailbox would show to anyone', () => {
    expect(problemsOf({ ...LDAP, PORTAL_DEMO: '1' })).toEqual([
      expect.stringMatching(/^PORTAL_DEMO: demo mode only runs with the built-in directory/),
    ]);
    expect(loadConfig({ ...LDAP, PORTAL_DEMO: '0' }).demo).toBe(false);
  });

  it('refuses demo mode in production, and lists it with the other problems', () => {
    expect(problemsOf({ PORTAL_DEMO: '1', NODE_ENV: 'production' })).toEqual([
      expect.stringContaining('demo mode is not allowed with NODE_ENV=production'),
    ]);
    const problems = problemsOf({ PORTAL_DEMO: 'yes', NODE_ENV: 'production', ...LDAP, LDAP_URL: 'ldap://dc1:389' });
    expect(problems).toHaveLength(3);
  });

  it('refuses ldap:// without StartTLS unless plaintext is allowed on purpose', () => {
    expect(problemsOf({ ...LDAP, LDAP_URL: 'ldap://dc1.corp.example:389' })).toEqual([
      expect.stringMatching(/^LDAP_URL: ldap:\/\/ without StartTLS sends passwords in clear text/),
    ]);
    expect(loadConfig({ ...LDAP, LDAP_URL: 'ldap://dc1.corp.example:389', LDAP_STARTTLS: '1' }).directory).toMatchObject({
      kind: 'ldap',
      startTls: true,
      allowPlaintext: false,
    });
    expect(loadConfig({ ...LDAP, LDAP_URL: 'ldap://dc1:389', LDAP_ALLOW_PLAINTEXT: '1' }).directory).toMatchObject({
      allowPlaintext: true,
    });
    expect(problemsOf({ ...LDAP, LDAP_URL: 'ldap://dc1:389', LDAP_ALLOW_PLAINTEXT: '0' })).toHaveLength(1);
  });

  it('rechecks sessions against the directory every DIRECTORY_RECHECK_SECONDS (0 = every request)', () => {
    expect(loadConfig({ DIRECTORY_RECHECK_SECONDS: '0' }).session.recheckMs).toBe(0);
    expect(loadConfig({ DIRECTORY_RECHECK_SECONDS: '60' }).session.recheckMs).toBe(60_000);
    expect(problemsOf({ DIRECTORY_RECHECK_SECONDS: '-1' })).toEqual([expect.stringContaining('DIRECTORY_RECHECK_SECONDS')]);
  });

  it('takes role groups as full DNs separated by semicolons, and finds the ones outside the group base', () => {
    const config = loadConfig({
      ...LDAP,
      ROLE_GROUPS_ADMIN: 'cn=Portal Admins\\, EU,ou=Security,dc=corp,dc=example; portal-admins',
      ROLE_GROUPS_HR: 'CN=HR,OU=Team,OU=Groups,DC=corp,DC=example',
    });
    expect(config.roleGroups.admin).toEqual(['cn=Portal Admins\\, EU,ou=Security,dc=corp,dc=example', 'portal-admins']);
    // Only the one the group search (under the group base) cannot see needs a lookup of its own.
    expect(config.directory).toMatchObject({ roleGroupDns: ['cn=Portal Admins\\, EU,ou=Security,dc=corp,dc=example'] });
    expect(problemsOf({ ROLE_GROUPS_ADMIN: 'cn=,dc=x' })).toEqual([expect.stringContaining('is not a valid distinguished name')]);
  });
});

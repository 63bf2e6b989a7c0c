import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';

describe('configuration from the environment', () => {
  it('runs on the embedded defaults with nothing set', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.database).toEqual({ kind: 'sqlite', file: path.resolve('data/portal.sqlite') });
    expect(config.directory).toBe('builtin');
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

  it('derives the group base from the user base when LDAP_GROUP_BASE is not set', () => {
    const config = loadConfig({
      DIRECTORY: 'ldap',
      LDAP_URL: 'ldaps://dc1.corp.example:636',
      LDAP_BIND_DN: 'cn=portal,ou=service,dc=corp,dc=example',
      LDAP_BIND_PASSWORD: 's3cret',
      LDAP_USER_BASE: 'ou=people,dc=corp,dc=example',
      LDAP_FLAVOR: 'ad',
    });
    expect(config.ldap).toMatchObject({ groupBase: 'dc=corp,dc=example', flavor: 'ad', url: 'ldaps://dc1.corp.example:636' });
  });

  it('maps role groups from the environment', () => {
    const config = loadConfig({ ROLE_GROUPS_HELPDESK: 'IT Support, Service Desk' });
    expect(config.roleGroups.helpdesk).toEqual(['IT Support', 'Service Desk']);
    expect(config.roleGroups.admin).toEqual(['portal-admins']);
  });
});

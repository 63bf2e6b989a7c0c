import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_ROLE_GROUPS, type RoleGroups } from './directory/roles.js';

/**
 * Configuration comes from the environment only, validated once at start.
 * Every variable is documented in the README's configuration table.
 */

const bool = z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', '']).transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const groupList = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const envSchema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'PUBLIC_URL must be an absolute http(s) URL such as https://it.example.com' })
    .optional(),
  PORTAL_DATA_DIR: z.string().min(1).default('./data'),
  PORTAL_DEMO: bool.default(false),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// (leave it unset for the embedded SQLite database)')
    .optional(),
  DIRECTORY: z.enum(['builtin', 'ldap'], { error: 'DIRECTORY must be "builtin" or "ldap"' }).default('builtin'),
  LDAP_URL: z
    .string()
    .regex(/^ldaps?:\/\//, 'LDAP_URL must start with ldap:// or ldaps://')
    .optional(),
  LDAP_BIND_DN: z.string().optional(),
  LDAP_BIND_PASSWORD: z.string().optional(),
  LDAP_USER_BASE: z.string().optional(),
  LDAP_GROUP_BASE: z.string().optional(),
  LDAP_FLAVOR: z.enum(['openldap', 'ad'], { error: 'LDAP_FLAVOR must be "openldap" or "ad"' }).default('openldap'),
  LDAP_STARTTLS: bool.default(false),
  LDAP_CA_FILE: z.string().optional(),
  LDAP_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  LDAP_PASSWORD_POLICY_DN: z.string().optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'SMTP_URL must start with smtp:// or smtps://')
    .optional(),
  MAIL_FROM: z.string().min(3).default('IT Portal <it-portal@localhost>'),
  COMPANY_NAME: z.string().min(1).default('Example Corp'),
  ROLE_GROUPS_MANAGER: groupList.optional(),
  ROLE_GROUPS_HELPDESK: groupList.optional(),
  ROLE_GROUPS_HR: groupList.optional(),
  ROLE_GROUPS_ADMIN: groupList.optional(),
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(12),
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  JOBS_WORKERS: z.coerce.number().int().min(0).max(32).default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const LDAP_REQUIRED = ['LDAP_URL', 'LDAP_BIND_DN', 'LDAP_BIND_PASSWORD', 'LDAP_USER_BASE'] as const;

export interface LdapConfig {
  url: string;
  bindDn: string;
  bindPassword: string;
  userBase: string;
  /** Where groups live; defaults to the user base's parent. */
  groupBase: string;
  flavor: 'openldap' | 'ad';
  startTls: boolean;
  caFile: string | undefined;
  timeoutMs: number;
  /**
   * OpenLDAP: the ppolicy entry whose rules the portal shows and pre-checks (pwdMinLength,
   * pwdInHistory, pwdMaxFailure). When unset, the portal searches the naming context holding the
   * user base for `(objectClass=pwdPolicy)`: the only one, else the one named `cn=default`, else
   * the strictest of them. Ignored for Active Directory, whose policy lives on the domain root.
   */
  passwordPolicyDn?: string | undefined;
}

export interface Config {
  port: number;
  host: string;
  /** The one base URL links in mail are built from (never from the Host header). */
  publicUrl: URL;
  /** True when the portal is served over https, which turns on Secure cookies and HSTS. */
  secure: boolean;
  dataDir: string;
  demo: boolean;
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };
  directory: 'builtin' | 'ldap';
  ldap: LdapConfig | null;
  smtpUrl: string | null;
  mailFrom: string;
  companyName: string;
  roleGroups: RoleGroups;
  session: { idleMs: number; absoluteMs: number };
  trustProxyHops: number;
  logLevel: string;
  production: boolean;
  /** Job workers this process runs (0: a web-only process that only enqueues). */
  jobWorkers: number;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function parentDn(dn: string): string {
  const comma = dn.search(/(?<!\\),/);
  return comma === -1 ? dn : dn.slice(comma + 1).trim();
}

/** Reads and validates configuration; throws ConfigError listing every problem at once. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(source);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  if (source.DIRECTORY === 'ldap') {
    for (const key of LDAP_REQUIRED) if (!source[key]) problems.push(`${key}: ${key} is required when DIRECTORY=ldap`);
  }
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const env = parsed.data;
  const publicUrl = new URL(env.PUBLIC_URL ?? `http://localhost:${env.PORT}`);
  const dataDir = path.resolve(env.PORTAL_DATA_DIR);
  return {
    port: env.PORT,
    host: env.HOST,
    publicUrl,
    secure: publicUrl.protocol === 'https:',
    dataDir,
    demo: env.PORTAL_DEMO,
    database: env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL }
      : { kind: 'sqlite', file: path.join(dataDir, 'portal.sqlite') },
    directory: env.DIRECTORY,
    ldap:
      env.DIRECTORY === 'ldap'
        ? {
            url: env.LDAP_URL!,
            bindDn: env.LDAP_BIND_DN!,
            bindPassword: env.LDAP_BIND_PASSWORD!,
            userBase: env.LDAP_USER_BASE!,
            groupBase: env.LDAP_GROUP_BASE ?? parentDn(env.LDAP_USER_BASE!),
            flavor: env.LDAP_FLAVOR,
            startTls: env.LDAP_STARTTLS,
            caFile: env.LDAP_CA_FILE,
            timeoutMs: env.LDAP_TIMEOUT_MS,
            passwordPolicyDn: env.LDAP_PASSWORD_POLICY_DN || undefined,
          }
        : null,
    smtpUrl: env.SMTP_URL ?? null,
    mailFrom: env.MAIL_FROM,
    companyName: env.COMPANY_NAME,
    roleGroups: {
      manager: env.ROLE_GROUPS_MANAGER ?? DEFAULT_ROLE_GROUPS.manager,
      helpdesk: env.ROLE_GROUPS_HELPDESK ?? DEFAULT_ROLE_GROUPS.helpdesk,
      hr: env.ROLE_GROUPS_HR ?? DEFAULT_ROLE_GROUPS.hr,
      admin: env.ROLE_GROUPS_ADMIN ?? DEFAULT_ROLE_GROUPS.admin,
    },
    session: { idleMs: env.SESSION_IDLE_MINUTES * 60_000, absoluteMs: env.SESSION_ABSOLUTE_HOURS * 3_600_000 },
    trustProxyHops: env.TRUST_PROXY,
    logLevel: env.LOG_LEVEL,
    production: env.NODE_ENV === 'production',
    jobWorkers: env.JOBS_WORKERS,
  };
}

import path from 'node:path';
import { z } from 'zod';
import type { DatabaseConfig } from './db/database.js';
import { isDn, normalizeDn, parentDn, splitGroupList } from './directory/ldap-escape.js';
import { DEFAULT_ROLE_GROUPS, type RoleGroups } from './directory/roles.js';
import { parsePortalSecret } from './platform/keys.js';

/**
 * Configuration comes from the environment only, validated once at start.
 * Every variable is documented in the README's configuration table.
 */

const bool = z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', '']).transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

// Group names or full DNs. DNs contain commas, so a list holding a DN is separated by `;`
// (which RFC 4514 requires escaped inside a DN value); a list of bare names may use commas.
const groupList = z.string().transform(splitGroupList);

// A Snipe-IT status label id (Settings → Status Labels); an empty value counts as unset.
const statusLabelId = z
  .string()
  .regex(/^(|[1-9][0-9]{0,9})$/, 'must be the numeric id of a Snipe-IT status label')
  .transform((v) => (v === '' ? undefined : Number(v)))
  .optional();

const envSchema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'PUBLIC_URL must be an absolute http(s) URL such as https://it.example.com' })
    .optional(),
  PORTAL_DATA_DIR: z.string().min(1).default('./data'),
  // Never echoed back in an error message: the value itself is the secret.
  PORTAL_SECRET: z
    .string()
    .optional()
    .refine((v) => !v || parsePortalSecret(v) !== null, {
      error: 'PORTAL_SECRET must carry at least 256 random bits: 64 hex digits or 43+ base64url characters (e.g. `openssl rand -hex 32`)',
    }),
  PORTAL_DEMO: bool.default(false),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// (leave it unset for the embedded SQLite database)')
    .optional(),
  // The driver's build caps SQLite's mmap_size at 2 GiB less 64 KiB: a larger value would be cut silently.
  SQLITE_MMAP_MB: z.coerce.number().int().min(0).max(2047).default(1024),
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
  LDAP_ALLOW_PLAINTEXT: bool.default(false),
  LDAP_CA_FILE: z.string().optional(),
  LDAP_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  LDAP_PASSWORD_POLICY_DN: z.string().optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'SMTP_URL must start with smtp:// or smtps://')
    .optional(),
  MAIL_FROM: z.string().min(3).default('IT Portal <it-portal@localhost>'),
  COMPANY_NAME: z.string().min(1).default('Example Corp'),
  // Web push (server/push/): a P-256 key pair as base64url (`npx web-push generate-vapid-keys`);
  // unset, a pair is generated into the data directory on first start.
  VAPID_PUBLIC_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{80,100}$/, 'VAPID_PUBLIC_KEY must be an uncompressed P-256 public key in base64url (87 characters)')
    .optional(),
  VAPID_PRIVATE_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{40,50}$/, 'VAPID_PRIVATE_KEY must be a P-256 private key in base64url (43 characters)')
    .optional(),
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, 'VAPID_SUBJECT must be a mailto: address or an https:// URL')
    .optional(),
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
  DIRECTORY_RECHECK_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 3600)
    .default(300),
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  JOBS_WORKERS: z.coerce.number().int().min(0).max(32).default(1),
  ONBOARDING_USERNAME_PATTERN: z
    .string()
    .regex(/^(?=.*\{(first|last|f|l)\})[a-z0-9._\-{}]{1,64}$/, 'ONBOARDING_USERNAME_PATTERN must use {first}, {last}, {f} or {l} and only a-z, 0-9, ".", "-", "_" besides')
    .default('{first}.{last}'),
  ONBOARDING_CANCELLED_ACCOUNT: z
    .enum(['delete', 'disable'], { error: 'ONBOARDING_CANCELLED_ACCOUNT must be "delete" or "disable"' })
    .default('disable'),
  // The domain of a new hire's work address (username@domain); default: the domain MAIL_FROM sends from.
  ONBOARDING_MAIL_DOMAIN: z
    .string()
    .regex(/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/, 'ONBOARDING_MAIL_DOMAIN must be a domain name such as example.com')
    .optional(),
  INVENTORY: z.enum(['builtin', 'snipeit'], { error: 'INVENTORY must be "builtin" or "snipeit"' }).default('builtin'),
  SNIPEIT_URL: z
    .url({ protocol: /^https?$/, error: 'SNIPEIT_URL must be an absolute http(s) URL such as https://assets.example.com' })
    .optional(),
  // Never echoed back in an error message: the value itself is the secret.
  SNIPEIT_TOKEN: z.string().optional(),
  SNIPEIT_IN_STOCK_STATUS_ID: statusLabelId,
  SNIPEIT_RESERVED_STATUS_ID: statusLabelId,
  SNIPEIT_REPAIR_STATUS_ID: statusLabelId,
  SNIPEIT_RETIRED_STATUS_ID: statusLabelId,
  SNIPEIT_LOST_STATUS_ID: statusLabelId,
  SNIPEIT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const LDAP_REQUIRED = ['LDAP_URL', 'LDAP_BIND_DN', 'LDAP_BIND_PASSWORD', 'LDAP_USER_BASE'] as const;
const SNIPEIT_REQUIRED = ['SNIPEIT_URL', 'SNIPEIT_TOKEN', 'SNIPEIT_IN_STOCK_STATUS_ID', 'SNIPEIT_RESERVED_STATUS_ID'] as const;

/** Snipe-IT as the inventory (INVENTORY=snipeit). */
export interface SnipeItConfig {
  /** Base URL of the Snipe-IT installation (the API is under /api/v1). */
  url: string;
  /** A personal API token of a Snipe-IT user allowed to read and check out assets. */
  token: string;
  /**
   * Status label ids that stand for the portal's statuses. `inStock` (a deployable label) and
   * `reserved` (a label the portal sets while a request holds a unit) are required; without a
   * label for repair, retired or lost, setting that status by hand is refused.
   */
  statusIds: { inStock: number; reserved: number; inRepair?: number; retired?: number; lost?: number };
  timeoutMs: number;
}

export interface LdapConfig {
  url: string;
  bindDn: string;
  bindPassword: string;
  userBase: string;
  /** Where groups live; defaults to the user base's parent. */
  groupBase: string;
  flavor: 'openldap' | 'ad';
  startTls: boolean;
  /**
   * `ldap://` without StartTLS sends passwords in clear text; configuration refuses it unless
   * LDAP_ALLOW_PLAINTEXT=1 (then /api/ready reports a warning).
   */
  allowPlaintext?: boolean;
  /**
   * Role groups configured by full DN outside the group base. Their membership is read from the
   * group entries themselves, because the group search only covers the group base.
   */
  roleGroupDns?: string[];
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
  /** PORTAL_SECRET decoded; null means the generated file in the data directory (see platform/keys.ts). */
  portalSecret: Buffer | null;
  demo: boolean;
  database: DatabaseConfig;
  directory: { kind: 'builtin' } | ({ kind: 'ldap' } & LdapConfig);
  smtpUrl: string | null;
  mailFrom: string;
  companyName: string;
  roleGroups: RoleGroups;
  /** recheckMs: how often a session re-reads its person from the directory (0 = every request). */
  session: { idleMs: number; absoluteMs: number; recheckMs: number };
  trustProxyHops: number;
  logLevel: string;
  /** Job workers this process runs (0: a web-only process that only enqueues). */
  jobWorkers: number;
  /** Which inventory keeps the assets: the built-in tables, or Snipe-IT. */
  inventory: { kind: 'builtin' } | ({ kind: 'snipeit' } & SnipeItConfig);
  /** Web push: configured VAPID keys (null: generated into the data directory) and the contact sent to push services. */
  push: { vapid: { publicKey: string; privateKey: string } | null; subject: string };
  /** New hires: how usernames are made, and what happens to the account of a hire cancelled before the start date. */
  onboarding: { usernamePattern: string; cancelledAccount: 'delete' | 'disable'; mailDomain: string };
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** True when `url` would carry binds (passwords) unencrypted. */
export function isPlaintextLdap(ldap: Pick<LdapConfig, 'url' | 'startTls'>): boolean {
  return /^ldap:\/\//i.test(ldap.url) && !ldap.startTls;
}

/** Reads and validates configuration; throws ConfigError listing every problem at once. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(source);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  if (source.DIRECTORY === 'ldap') {
    for (const key of LDAP_REQUIRED) if (!source[key]) problems.push(`${key}: ${key} is required when DIRECTORY=ldap`);
  }
  if (source.INVENTORY === 'snipeit') {
    for (const key of SNIPEIT_REQUIRED) if (!source[key]) problems.push(`${key}: ${key} is required when INVENTORY=snipeit`);
  }
  problems.push(...crossChecks(source));
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const env = parsed.data;
  const publicUrl = new URL(env.PUBLIC_URL ?? `http://localhost:${env.PORT}`);
  const dataDir = path.resolve(env.PORTAL_DATA_DIR);
  const roleGroups: Omit<RoleGroups, 'groupBase'> = {
    manager: env.ROLE_GROUPS_MANAGER ?? DEFAULT_ROLE_GROUPS.manager,
    helpdesk: env.ROLE_GROUPS_HELPDESK ?? DEFAULT_ROLE_GROUPS.helpdesk,
    hr: env.ROLE_GROUPS_HR ?? DEFAULT_ROLE_GROUPS.hr,
    admin: env.ROLE_GROUPS_ADMIN ?? DEFAULT_ROLE_GROUPS.admin,
  };
  let directory: Config['directory'] = { kind: 'builtin' };
  if (env.DIRECTORY === 'ldap') {
    // An empty value counts as unset, like LDAP_PASSWORD_POLICY_DN.
    const groupBase = env.LDAP_GROUP_BASE || parentDn(env.LDAP_USER_BASE!);
    const base = normalizeDn(groupBase) ?? groupBase.toLowerCase();
    const roleGroupDns = [roleGroups.manager, roleGroups.helpdesk, roleGroups.hr, roleGroups.admin]
      .flat()
      .filter((g) => isDn(g) && !normalizeDn(g)?.endsWith(`,${base}`));
    directory = {
      kind: 'ldap',
      url: env.LDAP_URL!,
      bindDn: env.LDAP_BIND_DN!,
      bindPassword: env.LDAP_BIND_PASSWORD!,
      userBase: env.LDAP_USER_BASE!,
      groupBase,
      flavor: env.LDAP_FLAVOR,
      startTls: env.LDAP_STARTTLS,
      allowPlaintext: env.LDAP_ALLOW_PLAINTEXT,
      roleGroupDns: [...new Set(roleGroupDns)],
      caFile: env.LDAP_CA_FILE,
      timeoutMs: env.LDAP_TIMEOUT_MS,
      passwordPolicyDn: env.LDAP_PASSWORD_POLICY_DN || undefined,
    };
  }
  return {
    port: env.PORT,
    host: env.HOST,
    publicUrl,
    secure: publicUrl.protocol === 'https:',
    dataDir,
    portalSecret: env.PORTAL_SECRET ? parsePortalSecret(env.PORTAL_SECRET) : null,
    demo: env.PORTAL_DEMO,
    database: env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL }
      : { kind: 'sqlite', file: path.join(dataDir, 'portal.sqlite'), mmapMb: env.SQLITE_MMAP_MB },
    directory,
    smtpUrl: env.SMTP_URL ?? null,
    mailFrom: env.MAIL_FROM,
    companyName: env.COMPANY_NAME,
    // A bare group name only counts directly under the group base (LDAP); the built-in directory has no tree.
    roleGroups: { ...roleGroups, groupBase: directory.kind === 'ldap' ? directory.groupBase : null },
    session: {
      idleMs: env.SESSION_IDLE_MINUTES * 60_000,
      absoluteMs: env.SESSION_ABSOLUTE_HOURS * 3_600_000,
      recheckMs: env.DIRECTORY_RECHECK_SECONDS * 1000,
    },
    trustProxyHops: env.TRUST_PROXY,
    logLevel: env.LOG_LEVEL,
    jobWorkers: env.JOBS_WORKERS,
    onboarding: {
      usernamePattern: env.ONBOARDING_USERNAME_PATTERN,
      cancelledAccount: env.ONBOARDING_CANCELLED_ACCOUNT,
      mailDomain: (env.ONBOARDING_MAIL_DOMAIN ?? /@([^>\s]+)>?\s*$/.exec(env.MAIL_FROM)?.[1] ?? 'localhost').toLowerCase(),
    },
    inventory:
      env.INVENTORY === 'snipeit'
        ? {
            kind: 'snipeit',
            url: env.SNIPEIT_URL!.replace(/\/+$/, ''),
            token: env.SNIPEIT_TOKEN!,
            statusIds: {
              inStock: env.SNIPEIT_IN_STOCK_STATUS_ID!,
              reserved: env.SNIPEIT_RESERVED_STATUS_ID!,
              inRepair: env.SNIPEIT_REPAIR_STATUS_ID,
              retired: env.SNIPEIT_RETIRED_STATUS_ID,
              lost: env.SNIPEIT_LOST_STATUS_ID,
            },
            timeoutMs: env.SNIPEIT_TIMEOUT_MS,
          }
        : { kind: 'builtin' },
    push: {
      vapid: env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY ? { publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY } : null,
      subject: env.VAPID_SUBJECT ?? defaultVapidSubject(publicUrl, env.MAIL_FROM),
    },
  };
}

type Env = z.infer<typeof envSchema>;

/**
 * Push services want a contact for the sender: the public URL when it is https, else the address
 * portal mail comes from (an http://localhost subject is refused by some services).
 */
function defaultVapidSubject(publicUrl: URL, mailFrom: string): string {
  if (publicUrl.protocol === 'https:') return publicUrl.origin;
  const address = /<([^<>\s]+@[^<>\s]+)>/.exec(mailFrom)?.[1] ?? (/^\S+@\S+$/.test(mailFrom) ? mailFrom : 'it-portal@localhost');
  return `mailto:${address}`;
}

/**
 * Rules across variables: combinations that would be unsafe are refused, never quietly adjusted.
 * Each variable is read on its own, so these problems are listed even when another variable is
 * invalid (an invalid one takes no part here; it has its own problem already).
 */
function crossChecks(source: Record<string, string | undefined>): string[] {
  const read = <K extends keyof Env>(key: K): Env[K] | undefined => {
    const result = envSchema.shape[key].safeParse(source[key]);
    return result.success ? (result.data as Env[K]) : undefined;
  };
  const problems: string[] = [];
  if (read('PORTAL_DEMO')) {
    // The demo mailbox shows every mail the portal sends, to anyone: with a real directory that
    // would be real people's reset codes.
    if (read('DIRECTORY') === 'ldap') {
      problems.push('PORTAL_DEMO: demo mode only runs with the built-in directory (DIRECTORY=builtin); unset PORTAL_DEMO');
    }
    if (read('NODE_ENV') === 'production')
      problems.push('PORTAL_DEMO: demo mode is not allowed with NODE_ENV=production; unset PORTAL_DEMO');
  }
  const url = read('LDAP_URL');
  if (
    read('DIRECTORY') === 'ldap' &&
    url &&
    isPlaintextLdap({ url, startTls: read('LDAP_STARTTLS') ?? false }) &&
    !read('LDAP_ALLOW_PLAINTEXT')
  ) {
    problems.push(
      'LDAP_URL: ldap:// without StartTLS sends passwords in clear text; use ldaps:// or LDAP_STARTTLS=1 (LDAP_ALLOW_PLAINTEXT=1 accepts it, for a directory on the same host)',
    );
  }
  if (Boolean(source.VAPID_PUBLIC_KEY) !== Boolean(source.VAPID_PRIVATE_KEY)) {
    problems.push('VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: set both (one key pair) or neither (a pair is generated into the data directory)');
  }
  for (const key of ['ROLE_GROUPS_MANAGER', 'ROLE_GROUPS_HELPDESK', 'ROLE_GROUPS_HR', 'ROLE_GROUPS_ADMIN'] as const) {
    for (const group of read(key) ?? []) {
      if (isDn(group) && normalizeDn(group) === null) problems.push(`${key}: "${group}" is not a valid distinguished name`);
    }
  }
  return problems;
}
